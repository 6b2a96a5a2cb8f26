"""The pages of issue 11 part B, without JavaScript: next-step links (and why they are missing), the to-do home
after login, threads with attachments, inspection and dispute forms, and confirmation pages for destructive
actions. Pages are read in Vietnamese (the default) unless a test switches to English."""
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from market.extensions import db
from market.models import (
    Contract,
    ContractState,
    Conversation,
    Delivery,
    DeliveryStatus,
    Dispute,
    DisputeState,
    Message,
    OfferStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    Role,
    SourcingOffer,
    SourcingRequest,
)
from tests.conftest import PASSWORD, log_in, submit
from tests.factories import MINIMAL_PDF, crop_id

_APP = []


@pytest.fixture(autouse=True)
def _app(app):
    _APP[:] = [app]


def q(read):
    """`read()` in an application context of its own (never the one a request uses): what is committed now."""
    with _APP[0].app_context():
        try:
            return read()
        finally:
            db.session.remove()


def get(model, ident):
    return db.session.get(model, ident)


def count(model) -> int:
    return q(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def first(model):
    return db.session.scalar(sa.select(model).order_by(model.id))


def save(*rows) -> list[int]:
    def work():
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]
    return q(work)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def status(client, url) -> int:
    """The status of a (file) response, closed so no file stays open."""
    with client.get(url) as response:
        return response.status_code


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


# --- next steps -----------------------------------------------------------------------------------

def test_a_listing_leads_a_buyer_to_propose_or_ask(client, world, factory, app):
    listing = f"/listings/{world.listing}"
    html = page(client, listing)  # a visitor: log in first
    assert "Đăng nhập để đề xuất hợp đồng hoặc hỏi người bán" in html
    log_in(client, world.buyer_owner)
    html = page(client, listing)
    assert f'href="/contracts/new?listing={world.listing}"' in html and "Đề xuất hợp đồng" in html
    assert f'href="/messages/new?about=listing&amp;id={world.listing}"' in html and "Hỏi người bán" in html
    assert page(client, f"/contracts/new?listing={world.listing}")  # the form it leads to opens
    pending = factory.org(kind=OrgKind.RETAIL_CHAIN, status=OrgStatus.PENDING, name="Chuỗi Chờ Duyệt")
    log_in(client, factory.member(pending))
    html = page(client, listing)
    assert "/contracts/new?listing=" not in html and 'data-why="unverified"' in html
    assert "phải được Sở xác minh trước khi đề xuất hợp đồng" in html
    log_in(client, world.seller_owner)  # its own listing: no next step for the seller
    assert 'id="next"' not in page(client, listing)


def test_a_product_offers_order_to_shops_and_a_quote_to_chains(client, world, factory):
    product = factory.product(world.seller)
    url = f"/products/{product}"
    shop = factory.org(kind=OrgKind.TOURIST_SHOP, name="Cửa hàng Đồng Đăng")
    log_in(client, factory.member(shop))
    html = page(client, url)
    assert 'href="#cart-quantity"' in html and "Xin báo giá" not in html
    chain = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi Xanh")
    log_in(client, factory.member(chain))
    html = page(client, url)
    assert f'href="/messages/new?about=product&amp;id={product}&amp;quote=1"' in html
    # The quote request is a conversation with the producer, its first words written for them.
    assert "Xin gửi chúng tôi báo giá cho" in page(client, f"/messages/new?about=product&id={product}&quote=1")


def test_a_sourcing_request_says_why_a_cooperative_cannot_offer(client, world, factory):
    other_coop = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Không Có Vùng")
    [request_id] = q(lambda: save(SourcingRequest(
        buyer_id=world.buyer, crop_id=crop_id("hoi"), product_form="dried", title="Cần hồi", quantity=5, unit="tan",
        delivery_start=date(2030, 1, 1), delivery_end=date(2030, 2, 1))))
    log_in(client, factory.member(other_coop))
    html = page(client, f"/sourcing/{request_id}")
    assert 'data-why="no-zone"' in html and f"/messages/new?about=request&amp;id={request_id}" in html
    log_in(client, world.seller_owner)  # fitting zones: the offer form and its link
    html = page(client, f"/sourcing/{request_id}")
    assert 'href="#offer"' in html and 'id="offer"' in html


# --- the to-do home -------------------------------------------------------------------------------

def test_after_login_a_member_lands_on_what_waits_for_them(client, world, build):
    build.contract(ContractState.PROPOSED, signed=False)
    active = build.contract(ContractState.ACTIVE, deliveries=((4.0, DeliveryStatus.RECORDED),))
    email = q(lambda: world.user("buyer_signer").email)
    response = submit(client, "/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/todo/"
    html = page(client, "/todo/")
    assert html.count('data-todo="sign"') == 1 and 'data-todo="inspect"' in html
    delivery_id = q(lambda: get(Contract, active).deliveries[0].id)
    assert f"/contracts/{active}/deliveries/{delivery_id}/inspect" in html
    log_in(client, world.seller_member)  # a plain member signs nothing and inspects nothing
    html = page(client, "/todo/")
    assert 'data-todo="sign"' not in html and 'data-todo="inspect"' not in html


# --- threads ----------------------------------------------------------------------------------------

def test_a_message_to_a_stranger_is_refused_on_the_page_and_nothing_is_saved(client, world, factory):
    stranger = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Lạ Mặt")
    log_in(client, world.buyer_owner)
    url = f"/messages/new?about=listing&id={world.listing}"
    response = submit(client, "/messages/new", {"about": "listing", "id": str(world.listing), "to": str(stranger),
                                                "org_id": str(world.buyer), "body": "Chào"}, form_page=url)
    assert response.status_code == 400
    assert "Bạn chưa có giao dịch nào với HTX Lạ Mặt" in response.get_data(as_text=True)
    assert count(Conversation) == 0 and count(Message) == 0


def test_a_thread_with_attachments_is_for_its_two_organisations_only(client, world, factory, upload_dir):
    log_in(client, world.buyer_owner)
    url = f"/messages/new?about=listing&id={world.listing}"
    response = client.post("/messages/new", data={
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page(client, url)).group(1),
        "about": "listing", "subject_id": str(world.listing), "org_id": str(world.buyer), "body": "Gửi mẫu hợp đồng và ảnh kho",
        "files": [(io.BytesIO(MINIMAL_PDF), "mau-hop-dong.pdf"), (io.BytesIO(jpeg()), "kho.jpg")]},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    thread_id = q(lambda: first(Conversation).id)
    uploads = q(lambda: [(u.id, u.original_name, u.stored_name) for u in first(Message).attachments])
    assert sorted(name for _id, name, _stored in uploads) == ["kho.jpg", "mau-hop-dong.pdf"]
    log_in(client, world.seller_signer)
    html = page(client, f"/messages/{thread_id}")
    assert "Gửi mẫu hợp đồng và ảnh kho" in html
    for upload_id, name, _stored in uploads:
        assert status(client, f"/messages/{thread_id}/files/{upload_id}/{name}") == 200
    outsider = factory.member(factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi Tò Mò"))
    log_in(client, outsider)
    assert client.get(f"/messages/{thread_id}").status_code == 404
    for upload_id, name, stored in uploads:
        assert status(client, f"/messages/{thread_id}/files/{upload_id}/{name}") == 404
        assert status(client, f"/media/{upload_id}/{stored}") == 404  # not public through /media either
    # The seller answers from the page; the buyer's owner sees it unread in the menu.
    log_in(client, world.seller_signer)
    assert submit(client, f"/messages/{thread_id}", {"body": "Đã nhận, cảm ơn"},
                  form_page=f"/messages/{thread_id}").status_code == 302
    log_in(client, world.buyer_owner)
    assert 'data-thread="%d" class="unread"' % thread_id in page(client, "/messages/")


# --- inspection and disputes on the contract page -----------------------------------------------------

def test_inspection_page_refuses_bad_figures_in_vietnamese_then_records(client, world, build, upload_dir):
    contract_id = build.contract(ContractState.ACTIVE, quantity="12", deliveries=((10.0, DeliveryStatus.RECORDED),))
    delivery_id = q(lambda: get(Contract, contract_id).deliveries[0].id)
    url = f"/contracts/{contract_id}/deliveries/{delivery_id}/inspect"
    log_in(client, world.seller_owner)
    assert client.get(url).status_code == 403
    log_in(client, world.buyer_owner)
    bad = submit(client, url, {"received_quantity": "10", "accepted_quantity": "0", "rejected_quantity": "12",
                               "rejection_reason": "Ẩm"})
    assert bad.status_code == 400
    assert "Số lượng từ chối không được lớn hơn 10 tấn đã giao." in bad.get_data(as_text=True)
    assert q(lambda: get(Delivery, delivery_id).status) == DeliveryStatus.RECORDED
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page(client, url)).group(1)
    good = client.post(url, data={"csrf_token": token, "received_quantity": "10", "accepted_quantity": "7",
                                  "rejected_quantity": "3", "rejection_reason": "Ẩm mốc", "weigh_ticket": "PC-12",
                                  "photos": [(io.BytesIO(jpeg()), "lo-hang.jpg")]}, content_type="multipart/form-data")
    assert good.status_code == 302
    assert q(lambda: [p.original_name for p in get(Delivery, delivery_id).photos]) == ["lo-hang.jpg"]
    html = page(client, f"/contracts/{contract_id}")
    assert f'data-inspection="{delivery_id}"' in html and "PC-12" in html
    public = q(lambda: get(Delivery, delivery_id).public_id)
    assert 'data-accepted="7.0"' in page(client, f"/contracts/deliveries/{public}")  # the public origin page


def test_disputes_through_the_contract_page_and_the_department(client, world, build, factory):
    contract_id = build.contract(ContractState.ACTIVE, quantity="12", deliveries=((10.0, DeliveryStatus.RECORDED),))
    show = f"/contracts/{contract_id}"
    log_in(client, world.buyer_owner)
    assert submit(client, f"/disputes/contracts/{contract_id}", {"reason": "x"}, form_page=show).status_code == 302
    assert count(Dispute) == 0  # too short: flashed, nothing saved
    submit(client, f"/disputes/contracts/{contract_id}", {"reason": "Giao thiếu phiếu cân"}, form_page=show)
    dispute_id = q(lambda: first(Dispute).id)
    assert q(lambda: (get(Dispute, dispute_id).state, get(Contract, contract_id).state)) == (
        DisputeState.OPEN, ContractState.DISPUTED)
    log_in(client, world.seller_owner)
    submit(client, f"/disputes/{dispute_id}/answer", {"answer": "Phiếu cân gửi kèm lần sau"}, form_page=show)
    submit(client, f"/disputes/{dispute_id}/refer", {}, form_page=show)
    assert q(lambda: get(Dispute, dispute_id).state) == DisputeState.REFERRED
    staff = factory.department_staff()
    log_in(client, staff)
    assert f'data-dispute="{dispute_id}"' in page(client, "/disputes/")
    thread_id = q(lambda: first(Conversation).id)
    assert "Giao thiếu phiếu cân" in page(client, f"/messages/{thread_id}")  # the department reads the thread
    submit(client, f"/disputes/{dispute_id}/mediate", {"outcome": "Hai bên thống nhất bổ sung phiếu cân"},
           form_page=show)
    assert q(lambda: (get(Dispute, dispute_id).state, get(Contract, contract_id).state)) == (
        DisputeState.CLOSED, ContractState.ACTIVE)


# --- confirmation of destructive actions, without JavaScript ------------------------------------------------

@pytest.mark.parametrize("what", ["cancel_contract", "withdraw_offer"])
def test_destructive_actions_ask_first_on_a_page_of_their_own(client, world, build, what):
    if what == "cancel_contract":
        contract_id = build.contract(ContractState.PROPOSED)
        form_page, url, data = f"/contracts/{contract_id}", f"/contracts/{contract_id}/cancel", {
            "reason": "Mất mùa do sương muối"}
        log_in(client, world.seller_owner)

        def state():
            return q(lambda: get(Contract, contract_id).state), ContractState.PROPOSED, ContractState.CANCELLED
    else:
        def rows():
            request = SourcingRequest(buyer_id=world.buyer, crop_id=crop_id("hoi"), product_form="dried",
                                      title="Cần hồi khô", quantity=5, unit="tan", delivery_start=date(2030, 1, 1),
                                      delivery_end=date(2030, 2, 1))
            return save(request, SourcingOffer(request=request, seller_id=world.seller, quantity=5,
                                               price_per_unit=90_000))
        request_id, offer_id = q(rows)
        form_page, url, data = f"/sourcing/{request_id}", f"/sourcing/offers/{offer_id}/withdraw", {}
        log_in(client, world.seller_owner)

        def state():
            return q(lambda: get(SourcingOffer, offer_id).status), OfferStatus.SUBMITTED, OfferStatus.WITHDRAWN
    asked = submit(client, url, data, form_page=form_page)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Thao tác này không hoàn tác được." in html
    assert 'name="confirmed" value="1"' in html and f'action="{url}"' in html
    now, before, after = state()
    assert now == before
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = client.post(url, data={**data, "csrf_token": token, "confirmed": "1"})
    assert done.status_code == 302
    now, before, after = state()
    assert now == after


def test_role_member_reads_no_thread(client, world):
    """A plain member (field worker) has no Messages of the organisation: the list is empty for them."""
    log_in(client, world.seller_member)
    assert "Chưa có cuộc trao đổi nào." in page(client, "/messages/")
    assert Role.MEMBER  # the role the world gives seller_member


def test_the_department_confirms_before_rejecting_an_application(client, factory):
    applicant = factory.org(kind=OrgKind.COOPERATIVE, status=OrgStatus.PENDING, name="HTX Mới Đăng Ký")
    log_in(client, factory.department_staff())
    url = f"/department/organisations/{applicant}/reject"
    asked = submit(client, url, {"reason": "Thiếu mã số thuế"}, form_page="/department/")
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    assert q(lambda: get(Organisation, applicant).status) == OrgStatus.PENDING
