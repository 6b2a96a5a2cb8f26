"""When the database cannot be reached (a restart, a failover) pages and the API answer 503 with Retry-After,
a message in Vietnamese, and the security headers: never a 500, never a closed connection."""
import socket

import pytest

from market import create_app


@pytest.fixture
def unreachable_app():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{port}/x",
                       "JOBS_IMMEDIATE": True})


@pytest.mark.parametrize("path", ["/", "/listings", "/products/1", "/auth/login", "/api/v1/search?q=hoi"])
def test_pages_answer_503_while_the_database_is_down(unreachable_app, path):
    client = unreachable_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:some-token"  # a logged-in visitor: the user loader needs the database too
    response = client.get(path)
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"] == "5"
    assert "Content-Security-Policy" in response.headers
    if path.startswith("/api/"):
        assert response.get_json()["error"]["status"] == 503
    else:
        assert "Cơ sở dữ liệu tạm thời không trả lời được" in response.get_data(as_text=True)
