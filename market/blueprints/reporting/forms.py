from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from market.blueprints.forms import Form


class OpenRoundForm(Form):
    year = IntegerField(_l("Year"), validators=[DataRequired()])
    reports_from = DateField(_l("Communes report from"), validators=[DataRequired()])
    reports_due = DateField(_l("Last reporting day"), validators=[DataRequired()])
    as_of = DateField(_l("Figures as of"), validators=[DataRequired()])
    compile_by = DateField(_l("The department compiles by"), validators=[DataRequired()])


class CommuneReportForm(Form):
    narrative = TextAreaField(_l("The commune's report"), validators=[Optional(), Length(max=20_000)])


class AttachForm(Form):
    file = FileField(_l("Attach a document (PDF)"))


class ReopenForm(Form):
    reason = TextAreaField(_l("Why the report is reopened"), validators=[Optional(), Length(max=2000)])
