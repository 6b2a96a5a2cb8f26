"""Forms of the shelf placements: the producer's request, the chain's answers."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from market.blueprints.forms import Form


class RequestForm(Form):
    chain_id = SelectField(_l("Retail chain"), validators=[DataRequired()])
    since = DateField(_l("On its shelves since (if you know)"), validators=[Optional()])
    note = TextAreaField(_l("Message to the chain (optional)"), validators=[Optional(), Length(max=1000)])


class ConfirmForm(Form):
    since = DateField(_l("We stock this product since"), validators=[DataRequired()])


class DeclineForm(Form):
    reason = TextAreaField(_l("Why not (sent to the producer)"), validators=[DataRequired(), Length(min=5, max=1000)])


class EndForm(Form):
    ended_on = DateField(_l("No longer on our shelves since"), validators=[DataRequired()])
