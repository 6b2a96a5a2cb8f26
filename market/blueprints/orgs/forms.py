from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from market.blueprints.forms import Form, NumberField, commune_choices
from market.labels import ORG_KIND_LABELS, ROLE_LABELS
from market.models import OrgKind, Role


class OrganisationForm(Form):
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of organisation"), validators=[DataRequired()])
    tax_code = StringField(_l("Tax or registration number"), validators=[Optional(), Length(max=14)],
                           description=_l("10 digits, e.g. 4900123456"))
    commune_id = SelectField(_l("Commune or ward"), validators=[DataRequired()])
    gln = StringField(_l("GS1 location number (GLN, optional)"), validators=[Optional(), Length(max=20)],
                      description=_l("13 digits from GS1 Vietnam, e.g. 8935049500001"))
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=20)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    description = TextAreaField(_l("What you grow, make or buy"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("— choose —"))] + [(k, ORG_KIND_LABELS[k]) for k in OrgKind.SELF_SERVICE]
        self.commune_id.choices = commune_choices()


class ContactForm(Form):
    """What a verified organisation may change without a new verification."""

    gln = StringField(_l("GS1 location number (GLN, optional)"), validators=[Optional(), Length(max=20)],
                      description=_l("13 digits from GS1 Vietnam, e.g. 8935049500001"))
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=120)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=20)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    description = TextAreaField(_l("What you grow, make or buy"), validators=[Optional(), Length(max=2000)])


def _role_choices():
    return [(r, ROLE_LABELS[r]) for r in Role.ALL]


class AddMemberForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    full_name = StringField(_l("Full name (for a new account)"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices, default=Role.MEMBER)


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=_role_choices)


class ConfirmForm(Form):
    """A button that only carries the CSRF token."""


class ProcessingForm(Form):
    """The capability "processes": the facility, for the department to check (services/capabilities.py)."""

    products = StringField(_l("What the facility makes"), validators=[DataRequired(), Length(max=300)],
                           description=_l("e.g. star-anise oil, dried star anise"))
    capacity = NumberField(_l("Capacity per year"), validators=[DataRequired()], minimum=0.001)
    capacity_unit = SelectField(_l("Unit"), validators=[DataRequired()])
    address = StringField(_l("Address of the facility"), validators=[DataRequired(), Length(max=255)])
    crop_id = SelectField(_l("Main crop processed"), validators=[Optional()])


class WithdrawFacilityForm(Form):
    """The organisation withdraws its facility: why, and from which day it no longer processes."""

    reason = TextAreaField(_l("Why (the facility closed, stopped processing...)"),
                           validators=[DataRequired(), Length(max=2000)])
    closed_on = DateField(_l("No longer processing from"), validators=[Optional()],
                          description=_l("Today unless it stopped earlier: the figures for earlier days keep the "
                                         "facility."))
