"""Form helpers shared by the blueprints."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm


from market.extensions import db
from market.models import Commune, OrgKind, Role
from market.services.errors import ValidationFailed

ORG_KIND_LABELS = {
    OrgKind.COOPERATIVE: _l("Cooperative (HTX)"),
    OrgKind.FARMER_GROUP: _l("Farm household group"),
    OrgKind.ENTERPRISE: _l("Processing enterprise"),
    OrgKind.RETAIL_CHAIN: _l("Retail chain / supermarket"),
    OrgKind.TOURIST_SHOP: _l("Tourist-site shop"),
    OrgKind.DEPARTMENT: _l("Department of Agriculture and Environment"),
    OrgKind.COMMUNE_OFFICE: _l("Commune office"),
}

ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.MANAGER: _l("Manager"),
    Role.SIGNER: _l("Signer"),
    Role.MEMBER: _l("Member"),
}


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


