"""Vietnamese first, English second: the locale comes from the visitor's choice, else Vietnamese."""
from types import SimpleNamespace

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_login import current_user

from market import labels, numbers, permissions, pictures
from market.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    # One filter for every stored code: {{ listing.unit|label("unit") }}, {{ org.status|label("status") }}.
    app.jinja_env.filters["label"] = lambda code, kind: labels.label(kind, code)
    # Globals, so imported macros see them too: the state constants (`contract.state == ContractState.ACTIVE`,
    # never a raw string) and the permission predicates (`can.manage_org(current_user, org)`).
    app.jinja_env.globals.update(labels.CODES)
    app.jinja_env.globals["can"] = SimpleNamespace(**{
        name.removeprefix("can_"): rule for name, rule in vars(permissions).items()
        if name.startswith("can_") and callable(rule)})

    @app.context_processor
    def inject_locale():
        return {"current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}

    # Times are stored in UTC; Flask-Babel shows them in BABEL_DEFAULT_TIMEZONE (Asia/Ho_Chi_Minh).
    app.jinja_env.filters["datetime"] = lambda value, fmt="short": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""

    # Numbers and money the page's way (market.numbers): {{ listing.quantity|quantity(listing.unit|label("unit")) }},
    # {{ product.price|money }}, {{ zone.area_ha|number }}.
    app.jinja_env.filters["number"] = lambda value, digits=3: numbers.format_number(value, digits=digits)
    app.jinja_env.filters["money"] = lambda value, currency="VND": numbers.format_money(value, currency)
    app.jinja_env.filters["quantity"] = lambda value, unit="": numbers.format_quantity(value, unit)
    # The audit log in words: {{ e.action|action_label }}, {% for name, value in e.details|audit_details %}.
    app.jinja_env.filters["action_label"] = labels.action_label
    app.jinja_env.filters["audit_details"] = labels.audit_details
    # Card pictures (market.pictures): the seller's photo, else the crop's drawing.
    app.jinja_env.globals["card_picture_url"] = pictures.card_picture_url
    app.jinja_env.globals["crop_picture_url"] = pictures.crop_picture_url

    @app.before_request
    def wtforms_speak_the_page_language():
        """WTForms ships no Vietnamese: Flask-WTF (WTF_I18N_ENABLED) takes the translations it finds on the
        request, so its validators' messages come from our catalogue (market/i18n_wtforms.py lists them)."""
        request.wtforms_translations = get_translations()
