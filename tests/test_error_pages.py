"""Error pages, the rate limiter's 429 and Flask-Login's message speak Vietnamese by default (issue 12)."""
import pytest
from flask import abort

from market import create_app
from market.extensions import limiter

STATUSES = (400, 403, 404, 405, 413, 429, 500)
ENGLISH = ("Bad Request", "Forbidden", "Not Found", "Method Not Allowed", "Request Entity Too Large",
           "Too Many Requests", "Internal Server Error", "The browser (or proxy)", "Please log in to access")


@pytest.fixture(scope="module")
def error_app(tmp_path_factory):
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('errors')}/unused.sqlite3"})

    @app.get("/_test/abort/<int:status>")
    def _abort(status: int):
        if status == 500:
            raise RuntimeError("boom")
        abort(status)

    @app.get("/_test/limited")
    @limiter.limit("1 per minute")
    def _limited():
        return "ok"

    return app


@pytest.mark.parametrize("status", STATUSES)
def test_every_error_page_is_in_vietnamese(error_app, status):
    response = error_app.test_client().get(f"/_test/abort/{status}")
    html = response.get_data(as_text=True)
    assert response.status_code == status and '<html lang="vi">' in html
    assert not any(english in html for english in ENGLISH), html


def test_the_rate_limiter_answers_in_vietnamese(error_app):
    client = error_app.test_client()
    client.get("/_test/limited")
    response = client.get("/_test/limited")
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and "quá nhiều" in html.lower()
    assert "Too Many Requests" not in html


def test_flask_login_asks_in_vietnamese(client):
    response = client.get("/workspace/", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Please log in" not in html and "Vui lòng đăng nhập" in html
