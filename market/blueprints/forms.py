"""Form helpers shared by the blueprints, and `Form`, the base of every form."""
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import FileField as PlainFileField
from wtforms import IntegerField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length

from market.extensions import db
from market.inputs import FILE_MESSAGE, INT_MAX, INT_MIN, text_problem
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
TEXT_MAX = 1000  # characters in a field without its own Length(max=...): a name, a number, a choice...
TEXTAREA_MAX = 20000  # ... or a text area


def _limit(field) -> int:
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max is not None and validator.max >= 0:
            return validator.max
    return TEXTAREA_MAX if isinstance(field, TextAreaField) else TEXT_MAX


def _is_file_field(field) -> bool:
    return isinstance(field, PlainFileField)


def _json_formdata(form) -> MultiDict:
    """A JSON object's members as form data; a list only for a field that takes several values."""
    from flask import request

    body = request.get_json(silent=True)
    formdata = MultiDict()
    fields = {f.name: f for f in form._fields.values()}
    for key, value in (body.items() if isinstance(body, dict) else ()):
        if isinstance(value, list) and isinstance(fields.get(key), SelectMultipleField):
            for item in value:
                formdata.add(key, item)
        else:
            formdata.add(key, value)  # a list for a one-value field is refused by _problem
    return formdata


def _problem(field, value):
    """Why `value` cannot go into `field` (a message), or None."""
    if _is_file_field(field):
        return None
    if isinstance(value, FileStorage):
        return FILE_MESSAGE
    if isinstance(value, (dict, list)) or value is None:
        return _l("Enter a text, not a list or an object.")
    if isinstance(field, IntegerField) and not _fits_a_column(_as_text(value)):
        return out_of_range(INT_MIN, INT_MAX)  # a row id past 2^31 would overflow the database's integer
    return text_problem(_as_text(value), _limit(field))


def _fits_a_column(text: str) -> bool:
    try:
        return INT_MIN <= int(text.strip()) <= INT_MAX
    except ValueError:
        return True  # not a number at all: the field itself says so


def _as_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else str(value)


def _clean(form, formdata) -> MultiDict:
    """The form data with every value a field cannot take left out (its message in form._refused_input)."""
    refused: dict[str, str] = form._refused_input
    fields = {f.name: f for f in form._fields.values()}
    clean = MultiDict()
    for key in formdata.keys():
        field = fields.get(key)
        for value in formdata.getlist(key):
            if field is None:
                clean.add(key, value)
            elif _is_file_field(field):
                if isinstance(value, FileStorage):
                    clean.add(key, value)  # anything else is no file: FileRequired says so
            elif problem := _problem(field, value):
                refused.setdefault(key, problem)
            else:
                clean.add(key, _as_text(value))
    return clean


class Form(FlaskForm):
    """The base of every form (`class ZoneForm(Form)`). Before any field reads the request, each value is
    checked: a file sent where text is expected, text where a file is expected (dropped: no file), a NUL byte
    (PostgreSQL refuses it), a lone surrogate, a whole number beyond a database integer, more characters than the field takes, or a JSON value that is
    not text. Such a field shows its message, its value is dropped, and the form does not validate, so the
    submission saves nothing."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            from flask import request
            from flask_wtf.form import _Auto, _is_submitted

            form._refused_input = {}
            if formdata is _Auto and _is_submitted() and not request.files and not request.form and request.is_json:
                formdata = _json_formdata(form)
            else:
                formdata = super().wrap_formdata(form, formdata)
            return None if formdata is None else _clean(form, formdata)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        refused = getattr(self, "_refused_input", {})
        for field in self._fields.values():
            if field.name in refused:
                field.errors = [str(refused[field.name])]
        return ok and not refused
