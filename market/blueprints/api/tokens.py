"""The account page's personal access tokens: make one (its secret shown once), see them, revoke one."""
from datetime import timedelta

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from market import access
from market.blueprints import write
from market.blueprints.forms import Form
from market.clock import today
from market.extensions import db
from market.models import ApiToken, Organisation, TokenScope
from market.services import api_tokens

bp = Blueprint("api_tokens", __name__)

SCOPE_LABELS = {TokenScope.READ: _l("Read only"), TokenScope.WRITE: _l("Read and write")}
STATE_LABELS = {api_tokens.ACTIVE: _l("Active"), api_tokens.EXPIRED: _l("Expired"), api_tokens.REVOKED: _l("Revoked")}


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Where the token is used, e.g. “Purchasing software”."))
    organisation_id = SelectField(_l("Organisation"), validators=[DataRequired()])
    scope = RadioField(_l("What it may do"), choices=[SelectChoice(k, v) for k, v in SCOPE_LABELS.items()],
                       default=TokenScope.READ)
    expires_on = DateField(_l("Last day it works"), validators=[DataRequired()],
                           description=_l("One year at most."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [SelectChoice(str(m.organisation_id), m.organisation.name)
                                        for m in sorted(current_user.memberships, key=lambda m: m.organisation.name)]
        if not self.expires_on.data and not self.is_submitted():
            self.expires_on.data = today() + timedelta(days=90)


class RevokeForm(Form):
    pass


def _page(form: TokenForm, secret: str | None = None, made: ApiToken | None = None, status: int = 200):
    user = current_user._get_current_object()
    response = make_response(render_template(
        "api/tokens.html", form=form, revoke=RevokeForm(), tokens=api_tokens.of_user(user), secret=secret,
        made=made, state=api_tokens.state, scope_labels=SCOPE_LABELS, state_labels=STATE_LABELS,
        active=api_tokens.ACTIVE), status)
    response.headers["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@bp.route("/", methods=["GET", "POST"])
@access.rule(access.LOGGED_IN)
@login_required
def index():
    form = TokenForm()
    if form.validate_on_submit():
        org = db.session.get(Organisation, int(form.organisation_id.data))
        user = current_user._get_current_object()
        done = write.run(lambda: api_tokens.create(user, org, name=form.name.data, scope=form.scope.data,
                                                   expires_on=form.expires_on.data),
                         form=form, success=_("Token made. Copy it now: it is not shown again."))
        if done:
            made, secret = done.value
            return _page(TokenForm(formdata=None), secret=secret, made=made)
    return _page(form, status=400 if form.errors else 200)


@bp.post("/<int:token_id>/revoke")
@access.rule(access.LOGGED_IN)
@login_required
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or not api_tokens.can_revoke(current_user, token):
        flash(_("There is no such token among yours."), "error")  # the same whether it exists or not
    elif RevokeForm().validate_on_submit():
        user = current_user._get_current_object()
        write.run(lambda: api_tokens.revoke(user, token), success=_("Token revoked: it opens nothing any more."))
    return redirect(url_for("api_tokens.index"))
