"""Home page, language switch and health check."""
import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for

from market import access
from market.blueprints.navigation import safe_local_path
from market.clock import today
from market.extensions import db
from market.models import Organisation, OrgStatus
from market.search import get_backend
from market.search.sync import backlog
from market.services import showcase
from market.web import public_page

bp = Blueprint("main", __name__)


@bp.get("/")
@access.rule(access.PUBLIC)
@public_page
def home():
    counts = dict(db.session.execute(
        sa.select(Organisation.kind, sa.func.count()).where(Organisation.status == OrgStatus.VERIFIED)
        .group_by(Organisation.kind)
    ).all())
    on = today()
    return render_template("main/home.html", counts=counts, crops=showcase.crops_with_counts(), on=on,
                           in_season=showcase.in_season(on), top_products=showcase.top_products(on),
                           recent=showcase.recent_listings())


@bp.get("/lang/<code>")
@access.rule(access.PUBLIC)
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_local_path(request.args.get("next"), url_for("main.home")))


@bp.get("/healthz")
@access.rule(access.PUBLIC)
def healthz():
    database = {"engine": db.engine.dialect.name}
    try:
        db.session.execute(sa.text("SELECT 1"))
        database["ok"] = True
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        database.update(ok=False, error=type(exc).__name__)
    search = get_backend().health()
    if database["ok"]:
        search["outbox"] = backlog()
    # Without its database the app cannot serve (503); without search it serves, and says so.
    status = "ok" if database["ok"] and search["ok"] else "degraded"
    return jsonify({"status": status, "database": database, "search": search}), 200 if database["ok"] else 503
