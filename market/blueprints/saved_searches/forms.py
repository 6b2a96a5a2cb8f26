from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, Optional

from market.blueprints.forms import Form
from market.services.saved_searches import MAX_NAME


class SaveSearchForm(Form):
    """On the search page: the page's arguments (a query string) and an optional name."""

    query = HiddenField(validators=[Length(max=4000)])
    name = StringField(_l("Name of this search"), validators=[Optional(), Length(max=MAX_NAME)])


class RenameSearchForm(Form):
    search_id = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=MAX_NAME)])


class DeleteSearchForm(Form):
    search_id = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
