"""Pages say exactly what was checked, and the department's OCOP queue, recall confirmation and revision
review work from plain HTML forms (no JavaScript)."""
import re

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import GrowingZone, OcopCertificate, OcopProduct, ReviewStatus, User
from market.services import zones
from tests.conftest import log_in, log_in_en, submit


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def public_id(app, product_id):
    with app.app_context():
        return db.session.get(OcopProduct, product_id).public_id


@pytest.fixture
def seller(factory):
    return factory.org(name="HTX Hồi Văn Quan")


def test_qr_page_of_a_declared_product_says_declared_not_verified(app, client, factory, seller):
    product = factory.product(seller, stars=5, ocop=ReviewStatus.PENDING)
    english(client)
    html = html_of(client.get(f"/verify/product/{public_id(app, product)}"))
    assert 'data-ocop-state="declared"' in html and "OCOP (declared, awaiting verification)" in html
    assert "Declared by the seller, not verified." in html
    assert "★★★★★<" not in html and "Checked against the department" not in html


def test_qr_page_of_a_verified_product_says_who_when_against_what_and_until(app, client, factory, seller):
    product = factory.product(seller, stars=4)
    english(client)
    html = html_of(client.get(f"/verify/product/{public_id(app, product)}"))
    assert 'data-trust="verified"' in html and "★★★★<" in html
    assert re.search(r"Verified by Sở Nông nghiệp|Verified by Department", html) or "Verified by" in html
    assert "against the department&#39;s register (imported)" in html and "Valid until" in html


def test_qr_page_of_a_recalled_product_says_when_and_why(app, client, factory, seller):
    product = factory.product(seller, ocop=ReviewStatus.RECALLED)
    english(client)
    html = html_of(client.get(f"/verify/product/{public_id(app, product)}"))
    assert 'data-trust="recalled"' in html and "Recalled by the department on" in html
    assert "Thu hồi để kiểm tra" in html and "★★★★<" not in html


def test_zone_pages_say_document_review_or_register(app, client, factory, seller):
    imported = factory.zone(seller, code="LS-VQ-HOI-0601")
    reviewed = factory.zone(seller, code="LS-VQ-HOI-0602", status=ReviewStatus.PENDING)
    staff = factory.department_staff()
    with app.test_request_context():
        zones.verify_zone(db.session.get(User, staff), db.session.get(GrowingZone, reviewed))
        db.session.commit()
    english(client)
    assert "against the department&#39;s register" not in html_of(client.get("/zones/LS-VQ-HOI-0602"))
    assert "against review of the certificate document" in html_of(client.get("/zones/LS-VQ-HOI-0602"))
    assert "against the department&#39;s register (imported)" in html_of(client.get("/zones/LS-VQ-HOI-0601"))
    assert imported


def test_department_verifies_a_declared_product_from_its_queue(app, client, factory, seller):
    product = factory.product(seller, ocop=ReviewStatus.PENDING)
    staff = factory.department_staff()
    log_in_en(client, staff)
    queue = html_of(client.get("/department/"))
    assert "data-ocop-queue" in queue
    with app.app_context():
        certificate_id = db.session.get(OcopProduct, product).ocop_certificate_id
    response = submit(client, f"/department/ocop/{certificate_id}/verify", {}, form_page="/department/")
    assert response.status_code == 302
    with app.app_context():
        certificate = db.session.get(OcopCertificate, certificate_id)
        assert (certificate.status, certificate.verified_against) == (ReviewStatus.VERIFIED, "document")


def test_recall_goes_through_a_confirmation_page_with_a_reason(app, client, factory, seller):
    product = factory.product(seller)
    staff = factory.department_staff()
    log_in_en(client, staff)
    with app.app_context():
        certificate_id = db.session.get(OcopProduct, product).ocop_certificate_id
    url = f"/department/ocop/{certificate_id}/confirm/recall"
    page = html_of(client.get(url))
    assert "HTX Hồi Văn Quan" in page and "data-told" in page
    refused = submit(client, url, {"reason": "x"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(OcopCertificate, certificate_id).status == ReviewStatus.VERIFIED
    done = submit(client, url, {"reason": "Sản phẩm không đạt khi kiểm tra lại"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(OcopCertificate, certificate_id).status == ReviewStatus.RECALLED
    assert "Lift the recall" in html_of(client.get(f"/department/ocop/{certificate_id}"))


def test_zone_recall_link_is_on_the_zone_page_for_staff_only(app, client, factory, seller):
    factory.zone(seller, code="LS-VQ-HOI-0603")
    assert "confirm/recall" not in html_of(client.get("/zones/LS-VQ-HOI-0603"))
    log_in(client, factory.department_staff())
    assert "confirm/recall" in html_of(client.get("/zones/LS-VQ-HOI-0603"))


def test_a_pending_revision_shows_on_the_product_page_and_is_accepted_from_the_queue(app, client, factory, seller):
    owner = factory.member(seller)
    product = factory.product(seller, name="Tinh dầu hồi")
    log_in_en(client, owner)
    with app.app_context():
        p = db.session.get(OcopProduct, product)
        form = {"name": "Tinh dầu hồi mới", "category": "spice", "stars": str(p.stars),
                "certificate_number": p.certificate_number,
                "certificate_issued_on": p.certificate_issued_on.isoformat(),
                "certificate_expires_on": p.certificate_expires_on.isoformat(), "unit": "chai", "price": "180000",
                "stock": "10", "min_order_qty": "1", "crop_id": ""}
    edit_url = f"/workspace/{seller}/products/{product}/edit"
    response = submit(client, edit_url, form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = html_of(client.get(f"/products/{product}"))
    assert 'data-revision="pending"' in page and "<h1>Tinh dầu hồi</h1>" in page
    staff = factory.department_staff()
    log_in_en(client, staff)
    queue = html_of(client.get("/department/"))
    revision_id = re.search(r"/department/revisions/(\d+)/accept", queue).group(1)
    assert submit(client, f"/department/revisions/{revision_id}/accept", {}, form_page="/department/").status_code == 302
    with app.app_context():
        assert db.session.get(OcopProduct, product).name == "Tinh dầu hồi mới"


def test_dashboard_says_only_verified_certificates_count(client, factory):
    log_in_en(client, factory.department_staff())
    html = html_of(client.get("/dashboard/"))
    assert 'data-basis="ocop_valid"' in html and "Only OCOP certificates verified by the department" in html


def test_conflicts_show_in_the_department_queue(app, client, factory, seller):
    other = factory.org(name="HTX Quế Tràng Định")
    product = factory.product(seller)
    with app.app_context():
        number = db.session.get(OcopProduct, product).certificate_number
        db.session.execute(sa.update(OcopProduct).where(OcopProduct.id == factory.product(other, ocop=None))
                           .values(certificate_number=number))
        db.session.commit()
    log_in_en(client, factory.department_staff())
    html = html_of(client.get("/department/"))
    assert "data-ocop-conflicts" in html and "HTX Quế Tràng Định declares" in html


def test_a_zone_is_recalled_and_lifted_through_its_confirmation_pages(app, client, factory, seller):
    zone = factory.zone(seller, code="LS-VQ-HOI-0604")
    product = factory.product(seller, [zone])
    log_in_en(client, factory.department_staff())
    url = f"/department/zone/{zone}/confirm/recall"
    assert "Recall zone LS-VQ-HOI-0604?" in html_of(client.get(url))
    assert submit(client, url, {"reason": "Vùng trồng bị phát hiện dùng thuốc cấm"}).status_code == 302
    assert 'data-trust="recalled"' in html_of(client.get("/zones/LS-VQ-HOI-0604"))
    assert "badge-recalled" in html_of(client.get(f"/products/{product}"))
    queue = html_of(client.get("/department/"))
    assert "data-recalled" in queue and "Vùng trồng bị phát hiện dùng thuốc cấm" in queue
    lift = f"/department/zone/{zone}/confirm/lift"
    assert submit(client, lift, {"reason": "Đã kiểm tra lại, đạt yêu cầu"}).status_code == 302
    assert 'data-trust="verified"' in html_of(client.get("/zones/LS-VQ-HOI-0604"))
