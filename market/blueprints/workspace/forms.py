"""Forms of the seller's workspace. Choices are filled when the form is built, for one organisation."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from market.blueprints.forms import Form, NumberField, choices_of, commune_choices
from market.extensions import db
from market.labels import CATEGORIES, CERTIFICATE_LABELS, PRODUCT_FORMS, PRODUCT_UNITS, UNITS, ZONE_KIND_LABELS
from market.models import Crop, GrowingZone, Organisation, OrgKind, OrgStatus
from market.numbers import format_number
from market.services.listings import MAX_PRICE_VND, MAX_QUANTITY
from market.services.products import MAX_STOCK
from market.services.zones import MAX_AREA_HA, MAX_HOUSEHOLDS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def crop_choices():
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi))
    return [("", _l("— choose —"))] + [(str(c.id), c.name_vi) for c in crops]


def zone_choices(org: Organisation):
    zones = db.session.scalars(sa.select(GrowingZone).where(GrowingZone.organisation_id == org.id)
                               .order_by(GrowingZone.code))
    return [(str(z.id), f"{z.code} · {z.crop.name_vi} · {format_number(z.area_ha)} ha") for z in zones]


class ZoneForm(Form):
    code = StringField(_l("Code as issued"), validators=[DataRequired(), Length(max=40)],
                       description=_l("Letters, digits and . - / e.g. LS-VQ-HOI-0012"))
    kind = SelectField(_l("Kind"), choices=choices_of(ZONE_KIND_LABELS))
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
    crop_id = SelectField(_l("Crop"), validators=[DataRequired()])
    commune_id = SelectField(_l("Commune or ward"), validators=[DataRequired()])
    area_ha = NumberField(_l("Area (ha)"), validators=[InputRequired()], minimum=0.01, maximum=MAX_AREA_HA)
    confirm_area = BooleanField(_l("I confirm this area, though it is unusually large"),
                                description=_l("Needed only when the area is above what is usual for the kind of zone."))
    households = NumberField(_l("Households"), validators=[Optional()], integer=True, minimum=0,
                             maximum=MAX_HOUSEHOLDS)
    latitude = NumberField(_l("Latitude (optional)"), validators=[Optional()], minimum=-90, maximum=90)
    longitude = NumberField(_l("Longitude (optional)"), validators=[Optional()], minimum=-180, maximum=180)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crop_id.choices = crop_choices()
        self.commune_id.choices = commune_choices()


class CertificateForm(Form):
    kind = SelectField(_l("Certificate"), choices=choices_of(CERTIFICATE_LABELS))
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=60)])
    issuer = StringField(_l("Issued by"), validators=[DataRequired(), Length(max=200)])
    issued_on = DateField(_l("Issued on"), validators=[DataRequired()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()],
                           description=_l("Leave empty only for a geographical indication."))
    document = FileField(_l("Scan of the certificate (PDF or photo)"))


class ListingForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    crop_id = SelectField(_l("Crop"), validators=[DataRequired()])
    product_form = SelectField(_l("Product form"), choices=choices_of(PRODUCT_FORMS))
    zone_ids = MultiCheckboxField(_l("From zones"))
    harvest_start = DateField(_l("Harvest starts"), validators=[DataRequired()])
    harvest_end = DateField(_l("Harvest ends"), validators=[DataRequired()])
    quantity = NumberField(_l("Quantity"), validators=[InputRequired()], minimum=0.01, maximum=MAX_QUANTITY)
    unit = SelectField(_l("Unit"), choices=choices_of(UNITS))
    grade = StringField(_l("Grade"), validators=[Optional(), Length(max=60)])
    lot_number = StringField(_l("Harvest lot number (optional)"), validators=[Optional(), Length(max=40)],
                             description=_l("Up to 20 letters without accents, digits or - . / _, e.g. VAI-2026-01"))
    price_per_unit = NumberField(_l("Price per unit (VND)"), validators=[Optional()], integer=True, minimum=0,
                                 maximum=MAX_PRICE_VND)
    negotiable = BooleanField(_l("Price negotiable"))
    min_order_qty = NumberField(_l("Minimum order"), validators=[Optional()], minimum=0.01, maximum=MAX_QUANTITY)
    ends_on = DateField(_l("Listing ends on"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    photo = FileField(_l("Add a photo"))

    def __init__(self, org: Organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crop_id.choices = crop_choices()
        self.zone_ids.choices = zone_choices(org)


def retail_chain_choices():
    chains = db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.RETAIL_CHAIN, Organisation.status == OrgStatus.VERIFIED).order_by(Organisation.name))
    return [(str(o.id), o.name) for o in chains]


class ProductForm(Form):
    name = StringField(_l("Product name"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), choices=choices_of(CATEGORIES))
    stars = SelectField(_l("OCOP stars"), choices=choices_of({"3": "3 ★", "4": "4 ★", "5": "5 ★"}))
    certificate_number = StringField(_l("OCOP certificate number"), validators=[DataRequired(), Length(max=60)])
    gtin = StringField(_l("GTIN (barcode number, optional)"), validators=[Optional(), Length(max=20)],
                       description=_l("8, 12, 13 or 14 digits, e.g. 8935049500018; the last digit is the check digit"))
    certificate_issued_on = DateField(_l("Certificate issued on"), validators=[DataRequired()])
    certificate_expires_on = DateField(_l("Certificate expires on"), validators=[DataRequired()])
    crop_id = SelectField(_l("Main ingredient crop (optional)"), validators=[Optional()])
    zone_ids = MultiCheckboxField(_l("Raw material from zones"))
    unit = SelectField(_l("Unit"), choices=choices_of(PRODUCT_UNITS))
    price = NumberField(_l("Price per unit (VND)"), validators=[InputRequired()], integer=True, minimum=0,
                        maximum=MAX_PRICE_VND)
    min_order_qty = NumberField(_l("Minimum order"), validators=[Optional()], default=1, integer=True, minimum=1,
                                maximum=MAX_STOCK)
    stock = NumberField(_l("In stock"), validators=[Optional()], default=0, integer=True, minimum=0,
                        maximum=MAX_STOCK)
    tourist_shops_allowed = BooleanField(_l("Tourist-site shops may order it in small lots"), default=True)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    photo = FileField(_l("Add a photo"))

    def __init__(self, org: Organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crop_id.choices = crop_choices()
        self.zone_ids.choices = zone_choices(org)


class StatusForm(Form):
    """A status button; the target status comes in the form."""

    status = StringField(validators=[DataRequired()])


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=5, max=2000)])
