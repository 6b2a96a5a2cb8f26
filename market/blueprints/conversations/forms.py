"""Forms of the conversation pages: a message (with attachments) and the first message of a thread."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, MultipleFileField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Optional

from market.blueprints.forms import Form


class MessageForm(Form):
    body = TextAreaField(_l("Your message"), render_kw={"rows": 4})
    files = MultipleFileField(_l("Attach photos or PDF documents (optional)"), validators=[Optional()])


class StartForm(MessageForm):
    about = HiddenField()
    subject_id = HiddenField()
    to = HiddenField()
    org_id = SelectField(_l("Write for"), validate_choice=False)

    def __init__(self, orgs=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.org_id.choices = [SelectChoice(str(o.id), o.name) for o in orgs]
