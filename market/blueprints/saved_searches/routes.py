"""A person's saved searches: save one from the search page, list, rename and delete them. Alerts (inbox and
daily e-mail) come from market/services/saved_searches.py, run by market/periodic.py."""
from urllib.parse import parse_qsl

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from market import access
from market.blueprints import write
from market.blueprints.saved_searches.forms import DeleteSearchForm, RenameSearchForm, SaveSearchForm
from market.services import saved_searches

bp = Blueprint("saved_searches", __name__)


@bp.app_context_processor
def _helpers():
    return {"saved_search_args": saved_searches.query_string}


def _form_errors(form) -> None:
    for messages in form.errors.values():
        for message in messages if isinstance(messages, list) else [messages]:
            flash(str(message), "error")


@bp.get("/")
@access.rule(access.LOGGED_IN)
def index():
    searches = saved_searches.searches_of(current_user)
    return render_template("saved_searches/index.html", searches=searches,
                           describe=saved_searches.describe, link=saved_searches.search_link,
                           pending=saved_searches.pending_digest(current_user),
                           rename_form=RenameSearchForm(), delete_form=DeleteSearchForm())


@bp.post("/")
@access.rule(access.LOGGED_IN)
def create():
    form = SaveSearchForm()
    query = form.query.data or ""
    back = f"{url_for('search.page')}?{query}" if query and len(query) <= 2000 else url_for("search.page")
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(back)
    args = MultiDict(parse_qsl(query))
    done = write.run(lambda: saved_searches.save(current_user, args, form.name.data),
                     success=lambda saved: _("Search saved as “%(name)s”. We will tell you about new results.",
                                            name=saved.name))
    return redirect(url_for(".index") if done else back)


@bp.post("/rename")
@access.rule(access.LOGGED_IN)
def rename():
    form = RenameSearchForm()
    if form.validate_on_submit():
        write.run(lambda: saved_searches.rename(current_user, form.search_id.data, form.name.data),
                  success=_("Renamed."))
    else:
        _form_errors(form)
    return redirect(url_for(".index"))


@bp.post("/delete")
@access.rule(access.LOGGED_IN)
def delete():
    form = DeleteSearchForm()
    if form.validate_on_submit():
        write.run(lambda: saved_searches.delete(current_user, form.search_id.data),
                  success=_("Saved search deleted."))
    else:
        _form_errors(form)
    return redirect(url_for(".index"))
