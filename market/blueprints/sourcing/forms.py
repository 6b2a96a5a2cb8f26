"""Forms of the sourcing pages: a buyer's request and a cooperative's offer."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from market.blueprints.contracts.forms import crop_choices
from market.blueprints.forms import Form, NumberField, choices_of, commune_choices
from market.blueprints.workspace.forms import MultiCheckboxField
from market.labels import CERTIFICATE_LABELS, PRODUCT_FORMS, UNITS
from market.models import GrowingZone, Organisation
from market.numbers import format_number
from market.services.contracts import MAX_PRICE, MAX_QUANTITY


def _org_choices(orgs: list[Organisation]) -> list[SelectChoice]:
    return [SelectChoice(str(o.id), o.name) for o in orgs]


class RequestForm(Form):
    buyer_id = SelectField(_l("Post on behalf of"))
    title = StringField(_l("Title"), validators=[Length(max=200)],
                        description=_l("e.g. Dried star anise, grade 1, for export"))
    crop_id = SelectField(_l("Crop"))
    product_form = SelectField(_l("Product form"), choices=choices_of(PRODUCT_FORMS))
    grade = StringField(_l("Grade"), validators=[Optional(), Length(max=60)])
    quantity = NumberField(_l("Quantity"), validators=[InputRequired()], minimum=0.01, maximum=MAX_QUANTITY)
    unit = SelectField(_l("Unit"), choices=choices_of(UNITS))
    delivery_start = DateField(_l("First delivery day"), validators=[Optional()])
    delivery_end = DateField(_l("Last delivery day"), validators=[Optional()])
    max_price_per_unit = NumberField(_l("Highest price per unit (VND, optional)"), validators=[Optional()],
                                     integer=True, minimum=0, maximum=MAX_PRICE)
    required_certificates = MultiCheckboxField(_l("Certificates required"), choices=choices_of(CERTIFICATE_LABELS))
    preferred_commune_ids = SelectMultipleField(_l("Preferred communes (optional)"),
                                                description=_l("Cooperatives there are listed first."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])

    def __init__(self, buyers: list[Organisation], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.buyer_id.choices = _org_choices(buyers)
        if len(buyers) == 1 and not self.buyer_id.data:
            self.buyer_id.data = str(buyers[0].id)
        self.crop_id.choices = crop_choices()
        self.preferred_commune_ids.choices = [SelectChoice(value, str(label))
                                              for value, label in commune_choices(blank=False)]

    def data_for_service(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name not in ("csrf_token", "buyer_id")}


class OfferForm(Form):
    """An offer from one of the user's cooperatives, from its zones that fit the request."""

    seller_id = SelectField(_l("Offer on behalf of"))
    quantity = NumberField(_l("Quantity you can supply"), validators=[InputRequired()], minimum=0.01,
                           maximum=MAX_QUANTITY)
    price_per_unit = NumberField(_l("Your price per unit (VND)"), validators=[InputRequired()], integer=True,
                                 minimum=0, maximum=MAX_PRICE)
    zone_ids = MultiCheckboxField(_l("From your zones"))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])

    def __init__(self, fitting: dict[Organisation, list[GrowingZone]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seller_id.choices = _org_choices(list(fitting))
        if len(fitting) == 1 and not self.seller_id.data:
            self.seller_id.data = str(next(iter(fitting)).id)
        several = len(fitting) > 1
        self.zone_ids.choices = [
            SelectChoice(str(z.id), (f"{org.name}: " if several else "") + f"{z.code} · {z.commune.name} · "
                         f"{format_number(z.area_ha)} ha") for org, zones in fitting.items() for z in zones]

    def data_for_service(self) -> dict:
        return {name: self._fields[name].data for name in ("quantity", "price_per_unit", "zone_ids", "note")}
