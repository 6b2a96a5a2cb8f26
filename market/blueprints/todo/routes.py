"""The to-do home: after login each member lands here, on what waits for them in each of their organisations
(services/todo.py decides what, by role)."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from market import access
from market.services import todo

bp = Blueprint("todo", __name__)


@bp.get("/")
@access.rule(access.LOGGED_IN)
@login_required
def home():
    sections = [(m.organisation, m.role, todo.for_organisation(current_user, m.organisation))
                for m in sorted(current_user.memberships, key=lambda m: m.organisation.name)]
    return render_template("todo/home.html", sections=sections, department=todo.department_items(current_user),
                           unread=todo.unread_messages(current_user))
