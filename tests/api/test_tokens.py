"""Personal access tokens (market/services/api_tokens.py, market/blueprints/api/auth.py): a program drives the
API with a token and no cookie; revoked, expired and unknown tokens get 401; a read-only token cannot write;
a token acts for its organisation only; the rate limit is per token; the account page makes and revokes them."""
import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import ApiToken, AuditEvent, Delivery, DeliveryStatus, ListingStatus, OrgStatus
from market.models.types import utcnow
from tests.api.conftest import bearer, make_token
from tests.conftest import log_in, submit


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.both_engines  # the memberships' loader criteria and the cursor queries, on PostgreSQL too
def test_a_token_alone_reads_listings_contracts_and_deliveries(app, api_world):
    w = api_world.parties
    secret = make_token(app, w.buyer_owner, w.buyer)
    client = app.test_client()  # no log-in: no cookie at all
    headers = bearer(secret)

    listings = client.get("/api/v1/listings", headers=headers)
    assert listings.status_code == 200 and w.listing in [item["id"] for item in listings.get_json()["items"]]

    contracts = client.get("/api/v1/contracts", headers=headers).get_json()
    assert [c["id"] for c in contracts["items"]] == [api_world.contract] and contracts["next"] is None
    assert contracts["items"][0]["buyer"]["id"] == w.buyer and contracts["items"][0]["state"] == "active"
    one = client.get(f"/api/v1/contracts/{api_world.contract}", headers=headers)
    assert one.status_code == 200 and one.get_json()["reference"] == contracts["items"][0]["reference"]

    deliveries = client.get(f"/api/v1/deliveries?contract={api_world.contract}", headers=headers).get_json()
    assert [d["id"] for d in deliveries["items"]] == api_world.deliveries
    assert [d["quantity"] for d in deliveries["items"]] == [2.0, 3.0]
    assert all(d["status"] == "recorded" and d["contract_id"] == api_world.contract for d in deliveries["items"])
    assert client.get_cookie("session") is None  # nothing was put in a session either

    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.last_used_at is not None


@pytest.mark.both_engines
def test_the_token_decides_for_its_organisation_only(app, api_world, client):
    """The buyer's owner is also a member of another cooperative: logged in they see both contracts; with a
    token for the buyer, only the buyer's, and the other one is a 404."""
    w = api_world.parties
    log_in(client, w.buyer_owner)
    both = {c["id"] for c in client.get("/api/v1/contracts").get_json()["items"]}
    assert both == {api_world.contract, api_world.other_contract}

    headers = bearer(make_token(app, w.buyer_owner, w.buyer))
    fresh = app.test_client()
    assert {c["id"] for c in fresh.get("/api/v1/contracts", headers=headers).get_json()["items"]} == {
        api_world.contract}
    _error(fresh.get(f"/api/v1/contracts/{api_world.other_contract}", headers=headers), 404, "not_found")
    me = fresh.get("/api/v1/me", headers=headers).get_json()
    assert [o["id"] for o in me["organisations"]] == [w.buyer] and me["token"]["scope"] == "read"
    # Even with the browser's cookie beside it, the header decides on /api/ paths.
    assert {c["id"] for c in client.get("/api/v1/contracts", headers=headers).get_json()["items"]} == {
        api_world.contract}


def test_revoked_expired_unknown_and_malformed_tokens_get_401(app, api_world):
    w = api_world.parties
    revoked, expired = make_token(app, w.buyer_owner, w.buyer), make_token(app, w.buyer_owner, w.buyer)
    with app.test_request_context():
        from market.models import User
        from market.services import api_tokens

        rows = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)).all()
        api_tokens.revoke(db.session.get(User, w.buyer_owner), rows[0])
        rows[1].expires_on = today() - timedelta(days=1)
        db.session.commit()
    client = app.test_client()
    url = f"/api/v1/contracts/{api_world.contract}"
    for secret in (revoked, expired, revoked[:-1] + ("A" if revoked[-1] != "A" else "B"), "lsm_nothing"):
        response = client.get(url, headers=bearer(secret))
        _error(response, 401, "invalid_token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    _error(client.get(url, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "invalid_token")
    _error(client.get(url), 401, "unauthorized")  # no token, no cookie
    # A public list stays open to a bad token? No: a request that shows a token is judged by it.
    assert client.get("/api/v1/listings", headers=bearer("lsm_nothing")).status_code == 200


def test_a_member_who_left_has_a_dead_token(app, api_world):
    w = api_world.parties
    secret = make_token(app, w.buyer_signer, w.buyer)
    with app.app_context():
        from market.models import Membership

        db.session.execute(sa.delete(Membership).where(Membership.user_id == w.buyer_signer))
        db.session.commit()
    _error(app.test_client().get("/api/v1/contracts", headers=bearer(secret)), 401, "invalid_token")


def test_a_read_only_token_cannot_write_a_read_write_token_can(app, api_world):
    w = api_world.parties
    url = f"/api/v1/contracts/{api_world.contract}/deliveries/{api_world.deliveries[0]}/confirm"
    client = app.test_client()
    error = _error(client.post(url, headers=bearer(make_token(app, w.buyer_owner, w.buyer))), 403, "read_only_token")
    assert error["message"].startswith("Mã này chỉ được đọc")  # in Vietnamese, the default language
    with app.app_context():
        assert db.session.get(Delivery, api_world.deliveries[0]).status == DeliveryStatus.RECORDED

    writer = make_token(app, w.buyer_owner, w.buyer, scope="write")
    response = client.post(url, headers=bearer(writer))  # no CSRF token: the header is the proof
    assert response.status_code == 200 and response.get_json()["status"] == "confirmed"
    with app.app_context():
        assert db.session.get(Delivery, api_world.deliveries[0]).status == DeliveryStatus.CONFIRMED
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "delivery.confirmed"))
        assert event.actor_id == w.buyer_owner and event.organisation_id == w.buyer
    # The seller's token may not confirm (the buyer does): the rule's 403, in the same shape.
    seller_writer = make_token(app, w.seller_owner, w.seller, scope="write")
    other = f"/api/v1/contracts/{api_world.contract}/deliveries/{api_world.deliveries[1]}/confirm"
    _error(client.post(other, headers=bearer(seller_writer)), 403, "forbidden")


def test_a_cookie_write_to_the_api_still_needs_csrf(app, api_world, client):
    w = api_world.parties
    log_in(client, w.buyer_owner)
    url = f"/api/v1/contracts/{api_world.contract}/deliveries/{api_world.deliveries[0]}/confirm"
    _error(client.post(url), 400, "csrf")
    with app.app_context():
        assert db.session.get(Delivery, api_world.deliveries[0]).status == DeliveryStatus.RECORDED


def test_a_token_opens_api_paths_only(app, api_world):
    secret = make_token(app, api_world.parties.buyer_owner, api_world.parties.buyer)
    response = app.test_client().get("/contracts/", headers=bearer(secret))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_targets_answer_staff_tokens_only(app, api_world, factory):
    staff = factory.department_staff()
    with app.app_context():
        from market.models import Membership

        department = db.session.scalar(sa.select(Membership.organisation_id).where(Membership.user_id == staff))
    client = app.test_client()
    response = client.get("/api/v1/targets", headers=bearer(make_token(app, staff, department)))
    assert response.status_code == 200 and response.get_json()["figures"]
    w = api_world.parties
    _error(client.get("/api/v1/targets", headers=bearer(make_token(app, w.buyer_owner, w.buyer))), 403, "forbidden")


def test_the_rate_limit_is_per_token(app, api_world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    w = api_world.parties
    first, second = make_token(app, w.buyer_owner, w.buyer), make_token(app, w.seller_owner, w.seller)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bearer(first)).status_code == 200
    response = client.get("/api/v1/contracts", headers=bearer(first))  # every /api/ route shares the budget
    _error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 61  # the window is a minute, counted in whole seconds
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200  # another token, another budget


def test_lists_page_with_an_opaque_cursor_and_filter(app, api_world, factory):
    w = api_world.parties
    ids = [w.listing] + [factory.listing(w.seller, [w.zone]) for _ in range(4)]
    hidden = [factory.listing(w.seller, [w.zone], status=ListingStatus.DRAFT),
              factory.listing(factory.org(status=OrgStatus.PENDING), [])]
    client = app.test_client()
    seen, url, pages = [], "/api/v1/listings?limit=2&crop=hoi", 0
    while url:
        body = client.get(url).get_json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        url, pages = body["next"], pages + 1
        assert url is None or ("crop=hoi" in url and "limit=2" in url)
    assert seen == sorted(set(seen)) and pages >= 3  # oldest first, each once
    with app.app_context():
        from market.models import SupplyListing

        others = {i.id for i in db.session.scalars(sa.select(SupplyListing).where(
            SupplyListing.organisation_id == api_world.other_seller))}
    assert set(seen) == set(ids) | others and not set(hidden) & set(seen)
    catalog = client.get("/listings").get_data(as_text=True)
    assert all(f"/listings/{i}\"" in catalog for i in ids)  # the page shows what the list shows
    assert client.get("/api/v1/listings?crop=que").get_json()["items"] == []

    error = _error(client.get("/api/v1/listings?cursor=not-ours"), 400, "invalid")
    assert set(error["fields"]) == {"cursor"}
    error = _error(client.get("/api/v1/listings?limit=1000"), 400, "invalid")
    assert set(error["fields"]) == {"limit"}
    error = _error(client.get("/api/v1/contracts?state=nonsense", headers=bearer(
        make_token(app, w.buyer_owner, w.buyer))), 400, "invalid")
    assert set(error["fields"]) == {"state"}


def test_orders_list_the_organisations_purchases(app, api_world):
    secret = make_token(app, api_world.chain_owner, api_world.chain)
    body = app.test_client().get("/api/v1/orders?side=buyer", headers=bearer(secret)).get_json()
    assert [o["id"] for o in body["items"]] == [api_world.order] and body["items"][0]["items"][0]["quantity"] == 2
    assert app.test_client().get("/api/v1/orders?side=seller", headers=bearer(secret)).get_json()["items"] == []


# --- the account page ---------------------------------------------------------------------------------------

def test_the_account_page_makes_a_token_shown_once_and_stored_hashed(app, api_world, client):
    w = api_world.parties
    log_in(client, w.buyer_owner)
    assert "/auth/account/tokens/" in client.get("/auth/account").get_data(as_text=True)
    page = submit(client, "/auth/account/tokens/", {
        "name": "Phần mềm mua hàng", "organisation_id": str(w.buyer), "scope": "write",
        "expires_on": (today() + timedelta(days=60)).isoformat()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert (token.name, token.scope, token.organisation_id) == ("Phần mềm mua hàng", "write", w.buyer)
        secret = next(part for part in html.split('"') if part.startswith(token.prefix) and len(part) > 40)
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.token_hash
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_type == "ApiToken")) == (
            "api_token.created")
        token_id = token.id
    assert secret not in client.get("/auth/account/tokens/").get_data(as_text=True)  # shown once
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).get_json()["token"]["id"] == token_id

    submit(client, f"/auth/account/tokens/{token_id}/revoke", {}, form_page="/auth/account/tokens/")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "api_token.revoked")) == 1
    _error(app.test_client().get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")


@pytest.mark.parametrize("expires_on, field", [(lambda: today() + timedelta(days=400), "expires_on"),
                                               (lambda: today() - timedelta(days=1), "expires_on")])
def test_a_token_lives_a_year_at_most(app, api_world, client, expires_on, field):
    log_in(client, api_world.parties.buyer_owner)
    page = submit(client, "/auth/account/tokens/", {"name": "ERP", "organisation_id": str(api_world.parties.buyer),
                                                    "scope": "read", "expires_on": expires_on().isoformat()})
    assert page.status_code == 400 and 'aria-invalid="true"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_only_the_owner_or_an_admin_revokes(app, api_world, client):
    w = api_world.parties
    make_token(app, w.seller_member, w.seller)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    log_in(client, w.buyer_owner)  # a stranger: told there is no such token, nothing changes
    submit(client, f"/auth/account/tokens/{token_id}/revoke", {}, form_page="/auth/account/tokens/")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None
    owner = app.test_client()
    log_in(owner, w.seller_owner)  # the cooperative's owner may revoke a member's token
    submit(owner, f"/auth/account/tokens/{token_id}/revoke", {}, form_page="/auth/account/tokens/")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at <= utcnow()


def test_every_api_error_has_the_one_shape(app, api_world, client):
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")
    _error(client.delete("/api/v1/listings"), 405, "method_not_allowed")
    _error(client.get("/api/v1/search?kind=nonsense"), 400, "invalid")  # a route that writes its own JSON
    _error(client.get("/api/v1/listings?limit=abc"), 400, "invalid")
