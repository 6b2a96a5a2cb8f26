from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from market.blueprints.forms import Form, choices_of


class DeclareChainForm(Form):
    organisation_id = SelectField(_l("Processing enterprise or cooperative"), validators=[DataRequired()])
    partner_name = StringField(_l("Partner in the chain"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Its role in the chain"), validators=[Optional()],
                       choices=choices_of({"processor": _l("processes what the partner grows"),
                                           "buyer": _l("buys and sells on, unprocessed")}))
    crop_id = SelectField(_l("Crop"), validators=[Optional()])
    started_on = DateField(_l("Chain started on"), validators=[DataRequired()])
    ended_on = DateField(_l("Chain ended on (if it has)"), validators=[Optional()])
    evidence = FileField(_l("Evidence (signed contract or minutes, PDF or photo)"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
