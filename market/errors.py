"""Error pages in both languages, and JSON errors for API paths. A 500 rolls the session back."""
from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from market.extensions import db, login_manager
from market.services.errors import PermissionDenied


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, title: str, message: str):
    if wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(PermissionDenied)
    def permission_denied(exc: PermissionDenied):
        db.session.rollback()
        return _render(403, _("Not allowed"), str(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(400, _("The form has expired"),
                       _("The form was sent without its security token, or the token is old. "
                         "Go back, reload the page and send it again."))

    @app.errorhandler(403)
    def forbidden(exc):
        return _render(403, _("Not allowed"), exc.description if isinstance(exc.description, str)
                       and exc.description != type(exc).description else _("You may not open this page."))

    @app.errorhandler(404)
    def not_found(exc):
        return _render(404, _("Page not found"), _("There is nothing at this address. Check the link or go back to the home page."))

    @app.errorhandler(429)
    def too_many(exc):
        return _render(429, _("Too many attempts"), _("Too many attempts in a short time. Wait a minute and try again."))

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    def database_unavailable(exc):
        """The database cannot be reached (restarting, failing over) or gave up on this transaction (a deadlock,
        a lock that timed out): a 503 the client may retry, not a 500. Nothing was committed."""
        try:
            db.session.rollback()
        except sa_exc.DBAPIError:
            pass
        g._login_user = login_manager.anonymous_user()  # the page must not ask the database who is logged in
        app.logger.warning("database unavailable: %s", str(exc).splitlines()[0][:200])
        response = _render(503, _("Unavailable for a moment"),
                           _("The database could not answer just now. Nothing was saved. Try again in a few seconds."))
        response = app.make_response(response)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _render(500, _("Something went wrong"),
                       _("The server could not finish this request. Nothing was saved. Please try again."))

    @app.errorhandler(HTTPException)
    def other_http_error(exc: HTTPException):
        return _render(exc.code or 500, exc.name, exc.description or exc.name)
