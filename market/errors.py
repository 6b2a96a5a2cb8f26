"""Error pages in both languages, and JSON errors for API paths. A 500 rolls the session back."""
from flask import Flask, g, render_template, request
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


def _render(status: int, title: str, message: str, **extra):
    if wants_json():
        from market.blueprints.api.errors import json_error

        return json_error(status, message, **extra)
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _described(exc, fallback: str) -> str:
    """The description a route gave when aborting (already in the page's language), else `fallback`:
    Werkzeug's own descriptions are English."""
    description = getattr(exc, "description", None)
    return description if isinstance(description, str) and description != type(exc).description else fallback


def _bad_request(exc):
    from market.blueprints.api.errors import argument_errors

    if fields := argument_errors(exc):  # the API's arguments, checked by their schema
        return _render(400, "", _("Some arguments are not valid."), fields=fields)
    return _render(400, _("The request could not be read"),
                   _described(exc, _("The page received something it cannot read. Go back, check what you "
                                     "entered and try again.")))


def _too_many(exc):
    if request.path.startswith("/api/"):
        from market.blueprints.api.limits import too_many_requests

        return too_many_requests(exc)  # the API's shape, with Retry-After
    return _render(429, _("Too many attempts"), _("Too many attempts in a short time. Wait a minute and try again."))


def init_app(app: Flask) -> None:
    @app.errorhandler(PermissionDenied)
    def permission_denied(exc: PermissionDenied):
        db.session.rollback()
        return _render(403, _("Not allowed"), str(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(400, _("The form has expired"),
                       _("The form was sent without its security token, or the token is old. "
                         "Go back, reload the page and send it again."), code="csrf")

    @app.errorhandler(403)
    def forbidden(exc):
        return _render(403, _("Not allowed"), _described(exc, _("You may not open this page.")))

    @app.errorhandler(404)
    def not_found(exc):
        return _render(404, _("Page not found"), _("There is nothing at this address. Check the link or go back to the home page."))

    app.register_error_handler(400, _bad_request)

    @app.errorhandler(405)
    def method_not_allowed(exc):
        return _render(405, _("This action is not possible here"),
                       _("This address does not accept that kind of request. Go back and use the page's buttons."))

    @app.errorhandler(413)
    def too_large(exc):
        return _render(413, _("The file is too large"),
                       _described(exc, _("What you sent is larger than the site accepts. Send a smaller file or a "
                                         "smaller photo.")))

    app.register_error_handler(429, _too_many)

    _init_unavailable(app)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _render(500, _("Something went wrong"),
                       _("The server could not finish this request. Nothing was saved. Please try again."))

    @app.errorhandler(HTTPException)
    def other_http_error(exc: HTTPException):
        # Werkzeug's names and descriptions are English: say it in the page's language.
        return _render(exc.code or 500, _("The request could not be completed"),
                       _("The server answered with code %(code)s. Go back and try again.", code=exc.code))


def _init_unavailable(app: Flask) -> None:
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
