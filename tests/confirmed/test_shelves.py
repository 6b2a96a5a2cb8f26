"""Retail shelves confirmed by the chain (market/services/shelves.py): the producer asks, the chain's members
confirm "since DATE", decline, or end "no longer since DATE"; periods never overlap; the pages show it."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import AuditEvent, Notification, OcopProduct, OrgKind, OrgStatus, PlacementStatus, ShelfPlacement
from market.services import shelves
from market.services.errors import PermissionDenied, ValidationFailed
from tests.confirmed.conftest import user
from tests.conftest import log_in, submit


def product(cast) -> OcopProduct:
    return db.session.get(OcopProduct, cast.product)


def ask(cast, chain=None, **data) -> ShelfPlacement:
    placement = shelves.request(user(cast.producer), product(cast), {"chain_id": str(chain or cast.chain), **data})
    db.session.commit()
    return placement


def in_context(app, work):
    """Run services in a request context of their own (a client's requests must not share its `g`)."""
    with app.test_request_context():
        result = work()
        db.session.commit()
        if isinstance(result, ShelfPlacement):
            db.session.refresh(result)
            db.session.expunge(result)
        db.session.remove()
        return result


def placements(product_id) -> list[tuple]:
    return [(p.status, p.since, p.ended_on) for p in db.session.scalars(
        sa.select(ShelfPlacement).where(ShelfPlacement.product_id == product_id).order_by(ShelfPlacement.id))]


# --- asking and answering -------------------------------------------------------------------------------

def test_a_request_counts_for_nothing_until_the_chain_confirms(req, cast):
    on = today()
    placement = ask(cast, note="Xin xác nhận")
    assert placement.status == PlacementStatus.REQUESTED and not placement.on_shelf(on)
    assert shelves.confirmed_now(product(cast)) == []
    # The chain's members are told, in their inbox.
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == cast.buyer, Notification.kind == "shelf.requested")) == 1

    shelves.confirm(user(cast.buyer), placement, on - timedelta(days=20))
    db.session.commit()
    placement = db.session.get(ShelfPlacement, placement.id)
    assert placement.on_shelf(on) and not placement.on_shelf(on - timedelta(days=21))
    assert placement.confirmed_by_id == cast.buyer and placement.confirmed_at is not None
    assert [p.chain_id for p in shelves.confirmed_now(product(cast))] == [cast.chain]
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "shelf.confirmed"))
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == cast.producer, Notification.kind == "shelf.confirmed")) == 1


def test_the_chain_ends_a_placement_no_longer_since_a_date(req, cast):
    on = today()
    placement = ask(cast)
    shelves.confirm(user(cast.buyer), placement, on - timedelta(days=100))
    shelves.end(user(cast.buyer), placement, on - timedelta(days=10))
    db.session.commit()
    placement = db.session.get(ShelfPlacement, placement.id)
    assert placement.state == "ended" and placement.ended_by_id == cast.buyer
    assert placement.on_shelf(on - timedelta(days=11)) and not placement.on_shelf(on - timedelta(days=10))
    page = shelves.for_chain(placement.chain)
    assert (page["requests"], page["current"], [p.id for p in page["history"]]) == ([], [], [placement.id])


def test_the_chain_declines_with_a_reason(req, cast):
    placement = ask(cast)
    with pytest.raises(ValidationFailed):
        shelves.decline(user(cast.buyer), placement, "")
    shelves.decline(user(cast.buyer), placement, "Chúng tôi không bán sản phẩm này.")
    db.session.commit()
    assert placements(cast.product) == [(PlacementStatus.DECLINED, None, None)]
    # Declined, the producer may ask again.
    ask(cast)
    assert [s for s, *_ in placements(cast.product)] == [PlacementStatus.DECLINED, PlacementStatus.REQUESTED]


@pytest.mark.parametrize("who", ["producer", "outsider"])
def test_only_the_chains_members_answer(req, cast, who):
    placement = ask(cast)
    with pytest.raises(PermissionDenied):
        shelves.confirm(user(getattr(cast, who)), placement, today())
    assert placements(cast.product) == [(PlacementStatus.REQUESTED, None, None)]


def test_a_chain_asks_nothing_for_a_producer(req, cast):
    with pytest.raises(PermissionDenied):
        shelves.request(user(cast.buyer), product(cast), {"chain_id": str(cast.chain)})


@pytest.mark.parametrize("kind, status", [
    (OrgKind.COOPERATIVE, OrgStatus.VERIFIED), (OrgKind.TOURIST_SHOP, OrgStatus.VERIFIED),
    (OrgKind.RETAIL_CHAIN, OrgStatus.PENDING),
])
def test_only_verified_retail_chains_are_asked(req, cast, factory, kind, status):
    other = factory.org(kind=kind, status=status)
    with pytest.raises(ValidationFailed) as caught:
        ask(cast, chain=other)
    assert list(caught.value.errors) == ["chain_id"]
    assert placements(cast.product) == []


def test_a_second_request_while_one_waits_is_refused(req, cast):
    ask(cast)
    with pytest.raises(ValidationFailed) as caught:
        ask(cast)
    assert "đang chờ" in str(caught.value)
    assert len(placements(cast.product)) == 1


def test_dates_in_the_future_are_refused(req, cast):
    placement = ask(cast)
    with pytest.raises(ValidationFailed) as caught:
        shelves.confirm(user(cast.buyer), placement, today() + timedelta(days=1))
    assert caught.value.errors["since"] == ["Ngày không được sau ngày hôm nay."]


# --- overlapping periods ---------------------------------------------------------------------------------

@pytest.mark.both_engines
def test_overlapping_placements_for_one_product_and_chain_are_refused(req, cast):
    """Stocked 1..60 days ago; a new request confirmed since 90 days ago would overlap: refused, in Vietnamese,
    nothing saved; since the day it ended it does not overlap (half-open periods)."""
    on = today()
    first = ask(cast)
    shelves.confirm(user(cast.buyer), first, on - timedelta(days=60))
    shelves.end(user(cast.buyer), first, on - timedelta(days=1))
    db.session.commit()
    second = ask(cast)
    with pytest.raises(ValidationFailed) as caught:
        shelves.confirm(user(cast.buyer), second, on - timedelta(days=90))
    message = caught.value.errors["since"][0]
    assert "không được chồng lên nhau" in message
    db.session.rollback()
    assert [s for s, *_ in placements(cast.product)] == [PlacementStatus.CONFIRMED, PlacementStatus.REQUESTED]
    shelves.confirm(user(cast.buyer), db.session.get(ShelfPlacement, second.id), on - timedelta(days=1))
    db.session.commit()
    assert placements(cast.product)[1] == (PlacementStatus.CONFIRMED, on - timedelta(days=1), None)


def test_another_chain_may_stock_the_same_product_at_the_same_time(req, cast, factory):
    on = today()
    shelves.confirm(user(cast.buyer), ask(cast), on - timedelta(days=30))
    shelves.confirm(user(cast.outsider), ask(cast, chain=cast.other_chain), on - timedelta(days=30))
    db.session.commit()
    assert sorted(p.chain_id for p in shelves.confirmed_now(product(cast))) == sorted([cast.chain, cast.other_chain])


@pytest.mark.both_engines
def test_the_database_refuses_two_open_placements_of_one_product_at_one_chain(req, cast):
    ask(cast)
    db.session.add(ShelfPlacement(product_id=cast.product, chain_id=cast.chain, status=PlacementStatus.REQUESTED))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- pages ------------------------------------------------------------------------------------------

def test_the_producer_asks_from_the_products_shelf_page(client, app, cast):
    log_in(client, cast.producer)
    url = f"/shelves/products/{cast.product}"
    response = submit(client, url, {"chain_id": str(cast.chain), "since": "", "note": "Đang bày bán"})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Chuỗi siêu thị Nông sản Sạch" in html and "Chờ chuỗi xác nhận" in html


def test_the_chains_page_lists_requests_current_shelf_and_history(client, app, cast):
    on = today()

    def work():
        ended = ask(cast, chain=cast.chain)
        shelves.confirm(user(cast.buyer), ended, on - timedelta(days=200))
        shelves.end(user(cast.buyer), ended, on - timedelta(days=100))
        ask(cast)
    in_context(app, work)
    log_in(client, cast.buyer)
    response = client.get("/shelves/", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sản phẩm trên quầy của chúng tôi" in html
    requests_part = html.split('id="requests"')[1].split('id="current"')[0]
    history_part = html.split('id="history"')[1]
    assert "Tinh dầu hồi" in requests_part and "Tinh dầu hồi" in history_part


def test_confirming_on_the_chains_page(client, app, cast):
    placement = in_context(app, lambda: ask(cast))
    log_in(client, cast.buyer)
    since = today() - timedelta(days=5)
    response = submit(client, f"/shelves/placements/{placement.id}/confirm", {"since": since.isoformat()},
                      form_page=f"/shelves/chains/{cast.chain}/")
    assert response.status_code == 302
    page = client.get(f"/products/{cast.product}").get_data(as_text=True)
    assert "Chuỗi siêu thị Nông sản Sạch" in page and "chuỗi đã xác nhận" in page


def test_an_overlap_on_the_page_is_answered_next_to_the_date(client, app, cast):
    on = today()

    def work():
        first = ask(cast)
        shelves.confirm(user(cast.buyer), first, on - timedelta(days=60))
        shelves.end(user(cast.buyer), first, on - timedelta(days=1))
        return ask(cast)
    second = in_context(app, work)
    log_in(client, cast.buyer)
    response = submit(client, f"/shelves/placements/{second.id}/confirm",
                      {"since": (on - timedelta(days=30)).isoformat()}, form_page=f"/shelves/chains/{cast.chain}/")
    assert response.status_code == 400
    assert "không được chồng lên nhau" in response.get_data(as_text=True)
    assert in_context(app, lambda: db.session.get(ShelfPlacement, second.id).status) == PlacementStatus.REQUESTED


def test_a_stranger_cannot_open_a_chains_page_or_answer(client, app, cast):
    placement = in_context(app, lambda: ask(cast))
    log_in(client, cast.outsider)
    assert client.get(f"/shelves/chains/{cast.chain}/").status_code == 403
    response = submit(client, f"/shelves/placements/{placement.id}/confirm", {"since": today().isoformat()},
                      form_page=f"/shelves/chains/{cast.other_chain}/")
    assert response.status_code == 403


def test_the_product_page_tells_confirmed_from_declared(client, app, cast):
    def work():
        shelves.confirm(user(cast.buyer), ask(cast), today() - timedelta(days=3))
        ask(cast, chain=cast.other_chain)
    in_context(app, work)
    html = client.get(f"/products/{cast.product}").get_data(as_text=True)
    assert "chuỗi đã xác nhận" in html
    assert "Chuỗi cửa hàng Xứ Lạng · người sản xuất tự khai, chuỗi chưa xác nhận" in html


def test_the_api_names_only_the_chains_that_confirmed(client, app, cast):
    def work():
        shelves.confirm(user(cast.buyer), ask(cast), today() - timedelta(days=3))
        ask(cast, chain=cast.other_chain)  # asked, not answered: not named
    in_context(app, work)
    body = client.get(f"/api/v1/products/{cast.product}").get_json()
    assert body["retail_chains"] == ["Chuỗi siêu thị Nông sản Sạch"]
