"""Form helpers shared by the blueprints."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from market.extensions import db
from market.models import Commune
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
