from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class VerifyForm(FlaskForm):
    """Only the CSRF token: verifying needs no more input."""


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to the applicant)"), validators=[DataRequired(), Length(min=5, max=2000)])
