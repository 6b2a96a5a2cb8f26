"""Forms of the contract pages. The services check the terms; these forms only carry them."""
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from market.blueprints.forms import Form, NumberField, choices_of
from market.blueprints.workspace.forms import MultiCheckboxField
from market.extensions import db
from market.labels import PRODUCT_FORMS, UNITS
from market.models import Crop, GrowingZone, Organisation, ReviewStatus
from market.services.contracts import MAX_PRICE, MAX_QUANTITY

# What each term is called on screen (the keys of contracts.differences()).
TERM_LABELS = {
    "crop": _l("Crop"),
    "product_form": _l("Product form"),
    "grade": _l("Grade"),
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "price_per_unit": _l("Price per unit (VND)"),
    "delivery_start": _l("First delivery day"),
    "delivery_end": _l("Last delivery day"),
    "zone_codes": _l("Growing zones"),
    "deposit_pct": _l("Deposit (%)"),
    "payment_days": _l("Payment within (days after delivery)"),
    "payment_terms": _l("Payment terms"),
    "cancellation_terms": _l("Cancellation terms"),
}

# The fields of a terms form that are terms (the rest: who proposes, the note, the token).
TERM_FIELDS = ("crop_id", "product_form", "grade", "quantity", "unit", "price_per_unit", "delivery_start",
               "delivery_end", "zone_ids", "deposit_pct", "payment_days", "payment_terms", "cancellation_terms")


def crop_choices() -> list[SelectChoice]:
    crops = db.session.scalars(sa.select(Crop).where(Crop.tradable).order_by(Crop.name_vi))
    return [SelectChoice("", str(_l("— choose —")))] + [SelectChoice(str(c.id), c.name_vi) for c in crops]


def seller_zone_choices(seller: Organisation) -> list[SelectChoice]:
    """The seller's zones that may still supply a contract (not recalled or rejected)."""
    zones = db.session.scalars(sa.select(GrowingZone).where(
        GrowingZone.organisation_id == seller.id,
        GrowingZone.status.not_in((ReviewStatus.RECALLED, ReviewStatus.REJECTED))).order_by(GrowingZone.code))
    return [SelectChoice(str(z.id), f"{z.code} · {z.crop.name_vi} · {z.commune.name}") for z in zones]



class TermsForm(Form):
    """The terms of one contract version, for a proposal or a counter-proposal."""

    crop_id = SelectField(_l("Crop"), validators=[DataRequired(message=_l("Choose the crop."))])
    product_form = SelectField(_l("Product form"), choices=choices_of(PRODUCT_FORMS))
    grade = StringField(_l("Grade"), validators=[Optional(), Length(max=60)])
    quantity = NumberField(_l("Quantity"), validators=[InputRequired()], minimum=0.01, maximum=MAX_QUANTITY)
    unit = SelectField(_l("Unit"), choices=choices_of(UNITS))
    price_per_unit = NumberField(_l("Price per unit (VND)"), validators=[InputRequired()], integer=True, minimum=0,
                                 maximum=MAX_PRICE)
    delivery_start = DateField(_l("First delivery day"), validators=[Optional()])
    delivery_end = DateField(_l("Last delivery day"), validators=[Optional()])
    zone_ids = MultiCheckboxField(_l("From the seller's zones"))
    deposit_pct = NumberField(_l("Deposit (%)"), validators=[Optional()], default=0, integer=True, minimum=0,
                              maximum=100, range_message=_l("A deposit is a percentage from 0 to 100."),
                              description=_l("Paid by the buyer once both parties signed; 0 for none."))
    payment_days = NumberField(_l("Payment within (days after delivery)"), validators=[Optional()], default=30,
                               integer=True, minimum=0, maximum=365)
    payment_terms = TextAreaField(_l("Payment terms"), validators=[Optional(), Length(max=2000)])
    cancellation_terms = TextAreaField(_l("Cancellation terms"), validators=[Optional(), Length(max=2000)])
    note = TextAreaField(_l("Note to the other party"), validators=[Optional(), Length(max=2000)])

    def __init__(self, seller: Organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crop_id.choices = crop_choices()
        self.zone_ids.choices = seller_zone_choices(seller)

    def terms(self) -> dict:
        """The terms as the contract service reads them."""
        return {name: self._fields[name].data for name in TERM_FIELDS}

    def fill_from_terms(self, terms: dict, seller: Organisation) -> None:
        item, window = terms["items"][0], terms["delivery_windows"][0]
        crop_id = db.session.scalar(sa.select(Crop.id).where(Crop.key == item["crop"]))
        self.crop_id.data = str(crop_id or "")
        self.product_form.data = item["product_form"]
        self.grade.data = item["grade"] or ""
        self.quantity.data = item["quantity"]
        self.unit.data = item["unit"]
        self.price_per_unit.data = item["price_per_unit"]
        self.delivery_start.data = date.fromisoformat(window["start"])
        self.delivery_end.data = date.fromisoformat(window["end"])
        codes = terms["zone_codes"]
        self.zone_ids.data = [str(z) for z in db.session.scalars(sa.select(GrowingZone.id).where(
            GrowingZone.organisation_id == seller.id, GrowingZone.code.in_(codes)))] if codes else []
        self.deposit_pct.data = terms["deposit_pct"]
        self.payment_days.data = terms["payment_days"]
        self.payment_terms.data = terms["payment_terms"]
        self.cancellation_terms.data = terms["cancellation_terms"]


class ProposalForm(TermsForm):
    """A buyer's first proposal: which of its buying organisations proposes."""

    buyer_id = SelectField(_l("Propose on behalf of"))

    def __init__(self, buyers: list[Organisation], seller: Organisation, *args, **kwargs):
        super().__init__(seller, *args, **kwargs)
        self.buyer_id.choices = [SelectChoice(str(o.id), o.name) for o in buyers]
        if len(buyers) == 1 and not self.buyer_id.data:
            self.buyer_id.data = str(buyers[0].id)


class CounterForm(TermsForm):
    """New terms on the contract page; base_version_id is the version the author was reading."""

    base_version_id = HiddenField()


class SignForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             description=_l("Signing binds your organisation to the terms above."))
    version_id = HiddenField()


class CancelForm(Form):
    reason = TextAreaField(_l("Why is the contract cancelled?"), validators=[DataRequired(), Length(max=2000)])


class DeliveryForm(Form):
    quantity = NumberField(_l("Quantity delivered"), validators=[InputRequired()], minimum=0.01,
                           maximum=MAX_QUANTITY)
    delivered_on = DateField(_l("Delivered on"), validators=[Optional()])
    zone_ids = MultiCheckboxField(_l("From zones"))
    lot_code = StringField(_l("Lot code (optional)"), validators=[Optional(), Length(max=60)],
                           description=_l("Up to 20 letters without accents, digits or - . / _, e.g. VAI-2026-01"))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, zones: list[GrowingZone], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_ids.choices = [SelectChoice(str(z.id), f"{z.code} · {z.commune.name}") for z in zones]


class DisputeForm(Form):
    note = TextAreaField(_l("What is wrong with this delivery?"), validators=[DataRequired(), Length(max=2000)])


class DepositForm(Form):
    """The buttons carry the method: "stripe" or "bank_transfer"."""

    method = StringField(validators=[DataRequired()])


class ConfirmTransferForm(Form):
    payment_id = HiddenField(validators=[DataRequired()])


class ActionForm(Form):
    """A button that only needs the CSRF token (propose, confirm or withdraw a delivery)."""


class InspectionForm(Form):
    """The buyer's inspection of a delivery (services/inspections.py checks the figures)."""
    received_quantity = StringField(_l("Quantity received"), render_kw={"inputmode": "decimal"})
    accepted_quantity = StringField(_l("Quantity accepted"), render_kw={"inputmode": "decimal"})
    rejected_quantity = StringField(_l("Quantity rejected"), render_kw={"inputmode": "decimal"})
    rejection_reason = TextAreaField(_l("Why is part rejected?"), validators=[Optional(), Length(max=2000)])
    grade_found = StringField(_l("Grade found"), validators=[Optional(), Length(max=60)])
    weigh_ticket = StringField(_l("Weigh ticket number"), validators=[Optional(), Length(max=40)])
    photos = MultipleFileField(_l("Photos (optional)"), validators=[Optional()])
