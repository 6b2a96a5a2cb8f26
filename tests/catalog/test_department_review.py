"""The department's review of zones and certificates over HTTP (department.review_item)."""
import pytest

from market.extensions import db
from market.models import Certificate, GrowingZone, ReviewStatus, Role
from tests.conftest import log_in, submit


@pytest.fixture
def coop(factory):
    return factory.org(name="HTX Hồi Văn Quan")


@pytest.fixture
def staff(client, factory):
    user_id = factory.department_staff()
    log_in(client, user_id)
    return user_id


def form_page(coop) -> str:
    """Any page with a CSRF token works; the organisation review page does not depend on the queue's links."""
    return f"/department/organisations/{coop}"


def state(app, model, item_id):
    with app.app_context():
        item = db.session.get(model, item_id)
        return item.status, item.status_reason, item.status_changed_by_id


def test_staff_verify_a_pending_zone(client, app, cat, coop, staff):
    zone_id = cat.zone(coop, status=ReviewStatus.PENDING)
    response = submit(client, f"/department/zone/{zone_id}/verify", {}, form_page=form_page(coop))
    assert response.status_code == 302 and response.headers["Location"].endswith("/department/")
    assert state(app, GrowingZone, zone_id) == (ReviewStatus.VERIFIED, None, staff)


def test_staff_reject_a_certificate_with_a_reason(client, app, cat, coop, staff):
    cert_id = cat.certificate(cat.zone(coop), status=ReviewStatus.PENDING)
    submit(client, f"/department/certificate/{cert_id}/reject", {"reason": "Bản scan bị mờ", "confirmed": "1"},
           form_page=form_page(coop))
    assert state(app, Certificate, cert_id) == (ReviewStatus.REJECTED, "Bản scan bị mờ", staff)


def test_a_short_reason_changes_nothing(client, app, cat, coop, staff):
    zone_id = cat.zone(coop, status=ReviewStatus.VERIFIED)
    response = submit(client, f"/department/zone/{zone_id}/recall", {"reason": "sai", "confirmed": "1"}, form_page=form_page(coop))
    assert response.status_code == 302
    assert state(app, GrowingZone, zone_id)[0] == ReviewStatus.VERIFIED


def test_recalling_a_pending_zone_changes_nothing(client, app, cat, coop, staff):
    zone_id = cat.zone(coop, status=ReviewStatus.PENDING)
    submit(client, f"/department/zone/{zone_id}/recall", {"reason": "Mã số bị thu hồi", "confirmed": "1"}, form_page=form_page(coop))
    assert state(app, GrowingZone, zone_id) == (ReviewStatus.PENDING, None, None)


def test_members_of_a_cooperative_cannot_review(client, app, cat, factory, coop):
    zone_id = cat.zone(coop, status=ReviewStatus.PENDING)
    log_in(client, factory.member(coop, Role.OWNER))
    response = submit(client, f"/department/zone/{zone_id}/verify", {}, form_page=f"/workspace/{coop}/")
    assert response.status_code == 403
    assert state(app, GrowingZone, zone_id)[0] == ReviewStatus.PENDING


def test_unknown_item_is_404(client, coop, staff):
    assert submit(client, "/department/zone/987654/verify", {}, form_page=form_page(coop)).status_code == 404


def test_the_queue_lists_pending_zones_and_certificates(client, cat, coop, staff):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-0077", status=ReviewStatus.PENDING)
    cat.certificate(zone_id, number="VG-CHO-DUYET", status=ReviewStatus.PENDING)
    response = client.get("/department/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "LS-VQ-HOI-0077" in html and "VG-CHO-DUYET" in html
    assert f"/department/zone/{zone_id}/verify" in html
