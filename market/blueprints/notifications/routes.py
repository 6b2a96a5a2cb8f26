"""The in-app inbox: what the services told this person, newest first."""
from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import write
from market.blueprints.orders.forms import ActionForm
from market.services import notifications

bp = Blueprint("notifications", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Each person sees only their own inbox."""


def unread_count() -> int:
    """For the menu (templates/notifications/_menu_link.html): 0 for visitors, no query until asked."""
    if not current_user or not current_user.is_authenticated:
        return 0
    return notifications.unread_count(current_user)


@bp.app_context_processor
def _inbox_helpers():
    return {"unread_notifications": unread_count}


def safe_link(link: str | None) -> str | None:
    """Links are paths inside the site ("/orders/12"); anything else is not turned into a link."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


@bp.get("/")
@access.rule(access.LOGGED_IN)
def inbox():
    return render_template("notifications/inbox.html", items=notifications.inbox(current_user, limit=100),
                           unread=unread_count(), safe_link=safe_link, form=ActionForm())


@bp.post("/read-all")
@access.rule(access.LOGGED_IN)
def read_all():
    if ActionForm().validate_on_submit():
        write.run(lambda: notifications.mark_all_read(current_user), success=_("All notifications are marked as read."))
    return redirect(url_for("notifications.inbox"))
