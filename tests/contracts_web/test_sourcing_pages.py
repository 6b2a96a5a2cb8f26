"""Sourcing over HTTP (market/blueprints/sourcing): a buyer posts a need, a cooperative whose zones fit offers,
and the buyer turns the offer into a contract proposal."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    CertificateKind,
    Contract,
    Notification,
    OfferStatus,
    OrgKind,
    RequestStatus,
    SourcingOffer,
    SourcingRequest,
)
from tests.conftest import submit
from tests.contracts_web.conftest import browser_for
from tests.contracts_web.test_contract_pages import count, error_of, text
from tests.factories import Factory, commune_id, crop_id, input_value


def request_form(app, **changes) -> dict:
    on = today()
    with app.app_context():
        hoi, van_quan = str(crop_id("hoi")), str(commune_id("Văn Quan"))
    data = {"title": "Cần 20 tấn hồi khô loại 1", "crop_id": hoi, "product_form": "dried", "grade": "Loại 1",
            "quantity": "20", "unit": "tan", "delivery_start": (on + timedelta(days=15)).isoformat(),
            "delivery_end": (on + timedelta(days=60)).isoformat(), "max_price_per_unit": "100000",
            "required_certificates": [CertificateKind.PLANTING_AREA_CODE], "preferred_commune_ids": [van_quan],
            "note": "Giao tại kho Đồng Đăng"}
    data.update(changes)
    return data


def post_request(deal, client=None, **changes):
    return submit(client or deal.buyer_client, "/sourcing/new", request_form(deal.app, **changes))


@pytest.fixture
def wanted(deal) -> int:
    response = post_request(deal)
    assert response.status_code == 302, text(response)
    with deal.app.app_context():
        return db.session.scalar(sa.select(SourcingRequest.id))


def offer(deal, request_id: int, client=None, **changes):
    data = {"quantity": "8", "price_per_unit": "98000", "zone_ids": [str(deal.zone)], "note": "Hồi phơi nắng"}
    data.update(changes)
    return submit(client or deal.seller_client, f"/sourcing/{request_id}/offers", data,
                  form_page=f"/sourcing/{request_id}")


def offer_id(deal) -> int:
    with deal.app.app_context():
        return db.session.scalar(sa.select(SourcingOffer.id).order_by(SourcingOffer.id.desc()))


def test_a_buyer_posts_a_request_and_fitting_cooperatives_are_told(deal, wanted):
    with deal.app.app_context():
        item = db.session.get(SourcingRequest, wanted)
        assert item.buyer_id == deal.buyer and item.quantity == 20 and item.max_price_per_unit == 100000
        assert item.required_certificates == [CertificateKind.PLANTING_AREA_CODE]
        assert db.session.scalar(sa.select(Notification).where(Notification.user_id == deal.seller_user,
                                                               Notification.kind == "sourcing.request"))
    html = text(deal.buyer_client.get(f"/sourcing/{wanted}"))
    assert "Cần 20 tấn hồi khô loại 1" in html and "Planting-area code" in html and "Văn Quan" in html
    assert "Close the request" in html


def test_a_request_whose_window_has_begun_is_refused_by_the_field(deal):
    response = post_request(deal, delivery_start=(today() - timedelta(days=1)).isoformat())
    assert response.status_code == 200
    assert error_of(text(response), "delivery_start") == \
        "The delivery window has already begun; choose a later date."
    assert count(deal.app, SourcingRequest) == 0


def test_only_buyers_post_requests(deal, client):
    assert deal.seller_client.get("/sourcing/new").status_code == 403
    assert post_request(deal, client=deal.seller_client).status_code == 403
    response = client.get("/sourcing/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert count(deal.app, SourcingRequest) == 0


def test_a_cooperative_sees_the_requests_its_zones_fit(deal, wanted, factory, app):
    assert "Cần 20 tấn hồi khô loại 1" in text(deal.seller_client.get("/sourcing/"))
    # A cooperative growing another crop does not see it, and has no offer form.
    other = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Na Chi Lăng", commune="Chi Lăng")
    Factory(app).zone(other, code="LS-CL-NA-0001", crop="na", commune="Chi Lăng")
    stranger = browser_for(app, factory.member(other))
    assert "Cần 20 tấn hồi khô loại 1" not in text(stranger.get("/sourcing/"))
    assert 'name="price_per_unit"' not in text(stranger.get(f"/sourcing/{wanted}"))
    assert offer(deal, wanted, client=stranger).status_code == 403


def test_a_cooperative_offers_from_its_fitting_zones_and_the_buyer_turns_it_into_a_proposal(deal, wanted):
    page = text(deal.seller_client.get(f"/sourcing/{wanted}"))
    assert deal.zone_code in page and 'name="zone_ids"' in page
    response = offer(deal, wanted)
    assert response.status_code == 302
    new_offer = offer_id(deal)
    buyer_page = text(deal.buyer_client.get(f"/sourcing/{wanted}"))
    assert "HTX Hồi Văn Quan" in buyer_page and "98,000" in buyer_page
    assert f"/sourcing/offers/{new_offer}/propose" in buyer_page

    form = text(deal.buyer_client.get(f"/sourcing/offers/{new_offer}/propose"))
    assert input_value(form, "quantity") == "8" and input_value(form, "price_per_unit") == "98000"
    assert input_value(form, "delivery_start") == (today() + timedelta(days=15)).isoformat()
    assert 'name="note"' in form  # the buyer may write to the cooperative with the proposal
    data = {"crop_id": str(crop_id_in(deal)), "product_form": "dried", "grade": "Loại 1", "quantity": "8",
            "unit": "tan", "price_per_unit": "98000", "delivery_start": (today() + timedelta(days=15)).isoformat(),
            "delivery_end": (today() + timedelta(days=60)).isoformat(), "zone_ids": [str(deal.zone)],
            "deposit_pct": "20", "payment_days": "15", "payment_terms": "", "cancellation_terms": ""}
    response = submit(deal.buyer_client, f"/sourcing/offers/{new_offer}/propose", data)
    assert response.status_code == 302
    with deal.app.app_context():
        contract = db.session.scalar(sa.select(Contract))
        assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
        assert contract.state == "proposed" and contract.offer_id == new_offer
        assert contract.current.terms.deposit_pct == 20
        assert db.session.get(SourcingOffer, new_offer).status == OfferStatus.ACCEPTED
    # An accepted offer cannot be turned into a second contract.
    again = submit(deal.buyer_client, f"/sourcing/offers/{new_offer}/propose", data)
    assert again.status_code == 200 and "This offer is no longer open." in text(again)
    assert count(deal.app, Contract) == 1


def crop_id_in(deal) -> int:
    with deal.app.app_context():
        return crop_id("hoi")


def test_an_offer_from_a_zone_that_does_not_fit_is_refused(deal, wanted, app):
    bare = Factory(app).zone(deal.seller, code="LS-VQ-HOI-0099")  # no planting-area code certificate
    response = offer(deal, wanted, zone_ids=[str(bare)])
    assert response.status_code == 200
    assert "is not a valid choice" in text(response) or error_of(text(response), "zone_ids")
    response = offer(deal, wanted, zone_ids=[])
    assert error_of(text(response), "zone_ids") == "Choose the zones the goods will come from."
    assert count(app, SourcingOffer) == 0


def test_the_seller_withdraws_its_offer_and_others_do_not_see_it(deal, wanted, factory):
    assert offer(deal, wanted).status_code == 302
    the_offer = offer_id(deal)
    outsider = browser_for(deal.app, factory.member(factory.org(kind=OrgKind.RETAIL_CHAIN, name="Siêu thị khác")))
    assert "HTX Hồi Văn Quan" not in text(outsider.get(f"/sourcing/{wanted}"))
    assert outsider.get(f"/sourcing/offers/{the_offer}/propose").status_code == 404
    page = f"/sourcing/{wanted}"
    assert submit(deal.seller_client, f"/sourcing/offers/{the_offer}/withdraw", {"confirmed": "1"}, form_page=page
                  ).status_code == 302
    with deal.app.app_context():
        assert db.session.get(SourcingOffer, the_offer).status == OfferStatus.WITHDRAWN
    assert f"/sourcing/offers/{the_offer}/propose" not in text(deal.buyer_client.get(page))


def test_closing_a_request_declines_open_offers_and_hides_it(deal, wanted, factory):
    assert offer(deal, wanted).status_code == 302
    page = f"/sourcing/{wanted}"
    assert submit(deal.seller_client, f"/sourcing/{wanted}/close", {"confirmed": "1"}, form_page=page).status_code == 403
    assert submit(deal.buyer_client, f"/sourcing/{wanted}/close", {"confirmed": "1"}, form_page=page).status_code == 302
    with deal.app.app_context():
        assert db.session.get(SourcingRequest, wanted).status == RequestStatus.CLOSED
        assert db.session.get(SourcingOffer, offer_id(deal)).status == OfferStatus.DECLINED
    other = browser_for(deal.app, factory.member(factory.org(kind=OrgKind.COOPERATIVE, name="HTX khác")))
    assert other.get(page).status_code == 404
    assert deal.seller_client.get(page).status_code == 200  # it made an offer: it may still read it
    assert re.search(r"badge-closed", text(deal.buyer_client.get("/sourcing/")))


def test_department_staff_and_other_members_see_every_open_request(deal, wanted, factory):
    staff = browser_for(deal.app, factory.department_staff())
    assert "Cần 20 tấn hồi khô loại 1" in text(staff.get("/sourcing/"))
    html = text(staff.get(f"/sourcing/{wanted}"))
    assert "Close the request" not in html and 'name="price_per_unit"' not in html
    assert "Post a sourcing request" not in text(staff.get("/sourcing/"))
