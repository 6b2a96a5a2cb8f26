"""Security headers on every response: a Content-Security-Policy without inline script or style, no framing,
no MIME sniffing, no referrer sent to other sites.

A few lines rather than a library: the policy is one string, and a route that needs another one (uploaded
files, under a sandbox) sets its own header first, which is kept. Templates therefore hold no <script> block,
no on*= handler and no style= attribute: scripts and styles are files under static/.

MAP_TILE_HOST (or the host of MAP_TILE_URL) is the one outside origin images may come from: the map tiles.
"""
from urllib.parse import urlsplit

from flask import Flask, request

REFERRER_POLICY = "same-origin"
STRIPE_CHECKOUT = "https://checkout.stripe.com"  # other sites never learn which page (ids, search words) a link came from


def _tile_host(app: Flask) -> str | None:
    host = app.config.get("MAP_TILE_HOST")
    if not host and app.config.get("MAP_TILE_URL"):
        parts = urlsplit(app.config["MAP_TILE_URL"])
        host = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
    if host:
        host = host.replace("{s}.", "*.").rstrip("/")
    return host or None


def content_security_policy(app: Flask) -> str:
    images = " ".join(filter(None, ["'self'", "data:", _tile_host(app)]))
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        # Paying by card posts to this site, which redirects to Stripe Checkout: browsers apply form-action to
        # that redirect too.
        f"form-action 'self' {STRIPE_CHECKOUT}",
    ])


# Uploaded files: whatever one holds (a PDF with script, an SVG smuggled in), it runs nothing and reaches nothing.
UPLOAD_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'none'"


def init_app(app: Flask) -> None:
    policy = content_security_policy(app)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers that predate it
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure and app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
