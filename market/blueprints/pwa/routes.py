"""Installable and readable offline: the web app manifest, the service worker (served from the site
root so that its scope is the whole site) and the page shown offline for what was never opened."""
import hashlib
import json
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from market import access

bp = Blueprint("pwa", __name__)

# What every page needs, kept by the service worker when it installs (hashed names, see market/web.py).
SHELL_FILES = ("css/site.css", "js/search.js", "js/copy.js", "js/offline.js", "js/map.js",
               "img/icon.svg", "img/icon-192.png")


@bp.get("/manifest.webmanifest")
@access.rule(access.PUBLIC)
def manifest():
    body = {
        "name": _("Lạng Sơn linkage market"),
        "short_name": _("LS market"),
        "description": _("A market linking Lạng Sơn's cooperatives with processors, retail chains and "
                         "tourist-site shops, for the province's 2026-2030 plan."),
        "lang": "vi",
        "start_url": url_for("main.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f8f6",
        "theme_color": "#1f6f43",
        "icons": [
            {"src": url_for("static", filename="img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": url_for("static", filename="img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="img/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any maskable"},
        ],
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/sw.js")
@access.rule(access.PUBLIC)
def service_worker():
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    shell += [url_for("pwa.offline"), url_for("pwa.offline", form=1)]
    source = Path(current_app.static_folder, "js", "sw.js").read_text(encoding="utf-8")
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    body = (source.replace("__VERSION__", version).replace("__SHELL__", json.dumps(shell))
            .replace("__OFFLINE__", url_for("pwa.offline")))
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.cache_control.no_cache = True  # browsers look for a new worker on every visit
    return response


@bp.get("/offline")
@access.rule(access.PUBLIC)
def offline():
    return render_template("pwa/offline.html", form=bool(request.args.get("form")))
