import pytest


def test_home_lists_plan_crops_in_vietnamese(client):
    html = client.get("/").get_data(as_text=True)
    assert 'lang="vi"' in html
    assert "Hồi" in html and "Thạch đen" in html
    # Hữu Liên cypress is a protected species, not a commodity.
    assert "Hoàng đàn" not in html


@pytest.mark.both_engines
def test_healthz_reports_database(client, database_url):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"engine": database_url.split(":")[0].split("+")[0], "ok": True}


def test_healthz_says_when_database_is_down(app):
    from market import create_app

    # A PostgreSQL URL on a port where nothing listens.
    broken = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                         "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}}})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded" and body["database"]["ok"] is False


def test_unknown_page_is_404_in_both_languages(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    client.get("/lang/en")
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_api_paths_get_json_errors(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
