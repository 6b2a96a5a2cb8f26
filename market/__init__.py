"""The Lạng Sơn linkage market: create_app() builds the Flask application."""

from flask import Flask

from market.config import INSTANCE_DIR, PROJECT_DIR, Config


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment's settings, with `config` overriding them (tests)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_mapping(Config.load())
    if config:
        app.config.from_mapping(config)
    # The remember-me cookie opens the account as the session cookie does: same flags, unless set apart.
    for flag in ("SECURE", "HTTPONLY", "SAMESITE"):
        if not (config and f"REMEMBER_COOKIE_{flag}" in config):
            app.config[f"REMEMBER_COOKIE_{flag}"] = app.config[f"SESSION_COOKIE_{flag}"]
    if app.config.get("PROXY_FIX"):
        # Behind a reverse proxy: absolute URLs (QR codes, e-mailed links) use the public host and scheme.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    import market.models  # noqa: F401  (registers every table)
    from market import cli, effects, errors, extensions, i18n, inputs, jobs, search, security, web

    extensions.db.init_app(app)
    _enforce_sqlite_foreign_keys()
    extensions.migrate.init_app(app, extensions.db, render_as_batch=True, compare_type=True)
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    effects.init_app(app)
    jobs.init_app(app)
    search.init_app(app)
    _init_login(app)
    inputs.init_app(app)  # before the blueprints: their <int:...> rules use its converter

    from market.blueprints.auth.routes import bp as auth_bp
    from market.blueprints.banking.routes import bp as banking_bp
    from market.blueprints.catalog.routes import bp as catalog_bp
    from market.blueprints.contracts.routes import bp as contracts_bp
    from market.blueprints.conversations.routes import bp as conversations_bp
    from market.blueprints.dashboard.routes import api_bp as targets_api_bp
    from market.blueprints.dashboard.routes import bp as dashboard_bp
    from market.blueprints.department.routes import bp as department_bp
    from market.blueprints.disputes.routes import bp as disputes_bp
    from market.blueprints.documents.routes import bp as documents_bp
    from market.blueprints.gs1.routes import bp as gs1_bp
    from market.blueprints.imports.routes import bp as imports_bp
    from market.blueprints.main.routes import bp as main_bp
    from market.blueprints.maps.routes import bp as maps_bp
    from market.blueprints.media.routes import bp as media_bp
    from market.blueprints.notifications.routes import bp as notifications_bp
    from market.blueprints.orders.routes import bp as orders_bp
    from market.blueprints.orgs.routes import bp as orgs_bp
    from market.blueprints.payments.routes import bp as payments_bp
    from market.blueprints.pwa.routes import bp as pwa_bp
    from market.blueprints.reporting.routes import bp as reporting_bp
    from market.blueprints.saved_searches.routes import bp as saved_searches_bp
    from market.blueprints.search.routes import api_bp as search_api_bp
    from market.blueprints.search.routes import bp as search_bp
    from market.blueprints.shelves.routes import bp as shelves_bp
    from market.blueprints.sourcing.routes import bp as sourcing_bp
    from market.blueprints.todo.routes import bp as todo_bp
    from market.blueprints.trace.routes import bp as trace_bp
    from market.blueprints.workspace.routes import bp as workspace_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(orgs_bp, url_prefix="/orgs")
    app.register_blueprint(department_bp, url_prefix="/department")
    app.register_blueprint(catalog_bp)
    app.register_blueprint(workspace_bp, url_prefix="/workspace")
    app.register_blueprint(media_bp, url_prefix="/media")
    app.register_blueprint(trace_bp, url_prefix="/verify")
    app.register_blueprint(imports_bp, url_prefix="/department/import")
    app.register_blueprint(search_bp)
    app.register_blueprint(search_api_bp, url_prefix="/api/v1")
    app.register_blueprint(contracts_bp, url_prefix="/contracts")
    app.register_blueprint(sourcing_bp, url_prefix="/sourcing")
    app.register_blueprint(orders_bp, url_prefix="/orders")
    app.register_blueprint(payments_bp, url_prefix="/payments")
    app.register_blueprint(notifications_bp, url_prefix="/inbox")
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(targets_api_bp, url_prefix="/api/v1")
    app.register_blueprint(maps_bp, url_prefix="/map")
    app.register_blueprint(pwa_bp)
    app.register_blueprint(banking_bp, url_prefix="/workspace")
    app.register_blueprint(documents_bp, url_prefix="/documents")
    app.register_blueprint(conversations_bp, url_prefix="/messages")
    app.register_blueprint(disputes_bp, url_prefix="/disputes")
    app.register_blueprint(todo_bp, url_prefix="/todo")
    app.register_blueprint(shelves_bp, url_prefix="/shelves")
    app.register_blueprint(reporting_bp, url_prefix="/reporting")
    app.register_blueprint(gs1_bp)  # GS1 Digital Link paths (/01/..., /414/...) sit at the root, as the standard has them
    app.register_blueprint(saved_searches_bp, url_prefix="/saved-searches")

    from market.blueprints import api

    api.init_app(app)  # after the other blueprints: it documents and rate-limits every /api/ route
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    from market.services import mail as mail_service

    mail_service.init_app(app)
    return app


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from market.blueprints.api import auth as api_auth
    from market.extensions import login_manager
    from market.services import sessions

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = _l("Please log in again to open this page.")
    login_manager.needs_refresh_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        if api_auth.carries_token():  # /api/ with a personal access token: the token decides, not the cookie
            return api_auth.load()
        return sessions.load(user_id)

    api_auth.init_app(app)


def _enforce_sqlite_foreign_keys() -> None:
    """SQLite ignores foreign keys (and ON DELETE rules) unless each connection turns them on."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(_enforce_sqlite_foreign_keys, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    _enforce_sqlite_foreign_keys.done = True
