from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Regexp

from market.blueprints.forms import Form
from market.services import importer

KIND_LABELS = {
    "zones": _l("Growing zones and planted forests, with their certificates"),
    "products": _l("OCOP products"),
    "ocop": _l("The department's OCOP register (certificates)"),
}
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32}$"


class UploadForm(Form):
    kind = RadioField(_l("What does the file hold?"), choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()], default="zones",
                      validators=[InputRequired()])
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[FileRequired(_l("Choose a CSV or XLSX file.")),
                    FileAllowed(importer.EXTENSIONS, _l("Choose a CSV or XLSX file."))],
        description=_l("The first row names the columns. CSV files must be UTF-8; commas or semicolons both work."),
        render_kw={"accept": ".csv,.xlsx,text/csv,"
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


class ConfirmForm(Form):
    """The CSRF token and the stored file's token: the only things the browser sends back."""

    token = HiddenField(validators=[DataRequired(), Regexp(TOKEN_PATTERN)])
    confirm_outliers = BooleanField(_l("I checked the rows flagged as unusual: they are right."))
