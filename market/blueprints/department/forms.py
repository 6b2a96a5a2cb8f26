from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from market.blueprints.forms import Form, choices_of


class VerifyForm(Form):
    """Only the CSRF token: verifying needs no more input."""


class RejectForm(Form):
    reason = TextAreaField(_l("Reason (sent to the applicant)"), validators=[DataRequired(), Length(min=5, max=2000)])


class CheckFacilityForm(Form):
    """Verifying a processing facility: what the department checked it against."""

    against = SelectField(_l("Checked against"), validators=[DataRequired()],
                          choices=choices_of({"visit": _l("a visit to the facility"),
                                              "document": _l("the facility's documents")}))
