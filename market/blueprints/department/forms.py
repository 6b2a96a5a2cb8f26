from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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


class RecallForm(Form):
    """A recall or its lifting: the reason, and the day it took effect (today unless the department learnt of it
    late; services/recalls.py checks the day)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=5, max=2000)])
    effective_on = DateField(_l("Takes effect from"), validators=[Optional()],
                             description=_l("Today unless it took effect earlier: the figures from that day on "
                                            "change, earlier ones never."))


class WithdrawFacilityForm(Form):
    """The department withdraws a verified processing facility: why, and from which day (default today)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=5, max=2000)])
    closed_on = DateField(_l("No longer processing from"), validators=[Optional()])
