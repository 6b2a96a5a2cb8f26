from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from market.blueprints.forms import Form


class VerifyForm(Form):
    """Only the CSRF token: verifying needs no more input."""


class RejectForm(Form):
    reason = TextAreaField(_l("Reason (sent to the applicant)"), validators=[DataRequired(), Length(min=5, max=2000)])
