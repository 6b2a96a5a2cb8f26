"""Form helpers shared by the blueprints."""
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField

from market.extensions import db
from market.models import Commune
from market.numbers import BadValue, format_number, out_of_range, parse_number, plain
from market.services.errors import ValidationFailed


def commune_choices(blank=True) -> list[tuple[str, str]]:
    communes = db.session.scalars(sa.select(Commune).order_by(Commune.kind.desc(), Commune.name))
    choices = [(str(c.id), c.display_name) for c in communes]
    return ([("", _l("— choose —"))] if blank else []) + choices


def attach_errors(form: FlaskForm, exc: ValidationFailed, prefix: str = "") -> None:
    """Show a service's field errors next to the form's fields; others go to form.form_errors."""
    for name, messages in exc.errors.items():
        field = form._fields.get(prefix + name) or form._fields.get(name)
        if field is not None:
            field.errors = list(field.errors) + messages if isinstance(field.errors, list) else messages
        else:
            form.form_errors.extend(messages)


def choices_of(labels: dict) -> list[SelectChoice]:
    """Select options from a {value: label} mapping (WTForms 3.3 wants SelectChoice, not tuples)."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class NumberField(StringField):
    """A number typed the page's way ("12.000" or "1.234,5" in Vietnamese, "12,000" in English), read by
    `market.numbers.parse_number`: `data` is an int (`integer=True`) or a float, None when empty. A value it
    cannot read, or one outside `minimum`..`maximum`, is an error next to the field on the same submit as
    every other error. The box shows what was typed, or the stored number written back the page's way."""

    def __init__(self, label=None, validators=None, *, integer: bool = False, minimum=None, maximum=None,
                 range_message=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric" if integer else "decimal"})
        super().__init__(label, validators, **kwargs)
        self.integer, self.minimum, self.maximum = integer, minimum, maximum
        self.range_message = range_message

    def process_data(self, value):
        self.data = None if value in (None, "") else parse_number(value, integer=self.integer)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        try:
            self.data = parse_number(valuelist[0], integer=self.integer)
        except BadValue as exc:
            raise ValueError(str(exc)) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return plain(self.data) if self.data is not None else ""

    def post_validate(self, form, validation_stopped):
        if self.process_errors or self.data is None:
            return
        low = self.minimum if self.minimum is not None else float("-inf")
        high = self.maximum if self.maximum is not None else float("inf")
        if not low <= self.data <= high:
            if self.range_message:
                self.errors.append(str(self.range_message))
            elif self.minimum is not None and self.maximum is not None:
                self.errors.append(out_of_range(self.minimum, self.maximum))
            elif self.minimum is not None:
                self.errors.append(_("Enter a number of at least %(low)s.", low=format_number(self.minimum)))
            else:
                self.errors.append(_("Enter a number of at most %(high)s.", high=format_number(self.maximum)))
