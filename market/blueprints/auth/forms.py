from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from market.blueprints.forms import Form, commune_choices
from market.labels import ORG_KIND_LABELS
from market.models import OrgKind


class SignupForm(Form):
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=20)])
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             description=_l("At least 10 characters, mixing letters with digits or symbols."))
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    org_name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    org_kind = SelectField(_l("Kind of organisation"), validators=[DataRequired()])
    org_tax_code = StringField(_l("Tax or registration number"), validators=[Optional(), Length(max=14)],
                               description=_l("10 digits, e.g. 4900123456"))
    org_commune_id = SelectField(_l("Commune or ward"), validators=[DataRequired()])
    org_address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.org_kind.choices = [("", _l("— choose —"))] + [(k, ORG_KIND_LABELS[k]) for k in OrgKind.SELF_SERVICE]
        self.org_commune_id.choices = commune_choices()


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False)])


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             description=_l("At least 10 characters, mixing letters with digits or symbols."))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()],
                                 description=_l("At least 10 characters, mixing letters with digits or symbols."))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))])
