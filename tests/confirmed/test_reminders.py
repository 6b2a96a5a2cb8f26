"""Renewal reminders (market/services/reminders.py, `flask market remind-renewals`): 90, 30 and 7 days before a
zone code, a zone certificate or an OCOP certificate expires; to the owning organisation (and the department
for OCOP); each certificate and threshold once, even when the command runs twice at once."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    CertificateKind,
    Notification,
    OcopCertificate,
    OrgKind,
    ReviewStatus,
    SentReminder,
)
from market.services import reminders
from tests.conftest import log_in
from tests.orders.race import interleave


@pytest.fixture
def holder(factory):
    coop = factory.org(name="HTX Hồi Văn Quan")
    return coop, factory.member(coop), factory.zone(coop, code="LS-VQ-HOI-0007")


def inbox(user_id) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.message).where(
        Notification.user_id == user_id, Notification.kind == "renewal.reminder").order_by(Notification.id)))


def ocop_certificate(factory, org_id, expires_in: int, status=ReviewStatus.VERIFIED) -> int:
    with factory.app.app_context():
        on = today()
        certificate = OcopCertificate(number=f"OCOP-{factory._next()}/QĐ-UBND", stars=4, issued_on=on - timedelta(days=600),
                                      expires_on=on + timedelta(days=expires_in), product_name="Tinh dầu hồi",
                                      organisation_id=org_id, status=status)
        db.session.add(certificate)
        db.session.commit()
        return certificate.id


@pytest.mark.parametrize("days_left, sent", [(91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (0, 7),
                                             (-1, None)])
def test_the_nearest_threshold_reached(days_left, sent):
    assert reminders.threshold(days_left) == sent


@pytest.mark.both_engines
def test_each_certificate_and_threshold_is_reminded_once(req, factory, holder, outbox):
    coop, member, zone_id = holder
    on = today()
    factory.certificate(zone_id, kind=CertificateKind.PLANTING_AREA_CODE, expires_on=on + timedelta(days=80),
                        number="VN-LSOR-0007")
    factory.certificate(zone_id, kind=CertificateKind.VIETGAP, expires_on=on + timedelta(days=200))  # not yet
    factory.certificate(zone_id, kind=CertificateKind.ORGANIC, expires_on=on + timedelta(days=20),
                        status=ReviewStatus.PENDING)  # never verified: no reminder
    assert reminders.send_due(on) == 1
    db.session.commit()
    assert reminders.send_due(on) == 0  # run again the same day
    assert reminders.send_due(on + timedelta(days=5)) == 0  # still the 90-day threshold
    db.session.commit()
    assert reminders.send_due(on + timedelta(days=50)) == 1  # 30 days left
    assert reminders.send_due(on + timedelta(days=75)) == 1  # 5 days left: the 7-day reminder
    db.session.commit()
    messages = inbox(member)
    assert len(messages) == 3
    assert messages[0].startswith("Mã số vùng VN-LSOR-0007 (Mã số vùng trồng · LS-VQ-HOI-0007) hết hạn ngày")
    assert "còn 80 ngày" in messages[0] and "còn 30 ngày" in messages[1] and "còn 5 ngày" in messages[2]
    assert sorted(r.days_before for r in db.session.scalars(sa.select(SentReminder))) == [7, 30, 90]


def test_e_mails_go_out_after_the_command_commits(runner, factory, holder, outbox):
    coop, member, zone_id = holder
    factory.certificate(zone_id, kind=CertificateKind.VIETGAP, expires_on=today() + timedelta(days=7))
    result = runner.invoke(args=["market", "remind-renewals"])
    assert result.exit_code == 0 and "renewal reminders sent: 1" in result.output
    assert len(outbox) == 1 and "VietGAP" in outbox[0].subject
    assert "renewal reminders sent: 0" in runner.invoke(args=["market", "remind-renewals"]).output
    assert len(outbox) == 1


def test_ocop_certificates_are_reminded_to_the_producer_and_the_department(req, factory, holder):
    coop, member, _zone = holder
    staff = factory.department_staff()
    ocop_certificate(factory, coop, 25)
    ocop_certificate(factory, coop, 25, status=ReviewStatus.PENDING)  # declared only: not the department's record
    assert reminders.send_due() == 1
    db.session.commit()
    assert len(inbox(member)) == 1 and "Giấy chứng nhận OCOP" in inbox(member)[0]
    assert inbox(staff) == [f"HTX Hồi Văn Quan: {inbox(member)[0]}"]
    link = db.session.scalar(sa.select(Notification.link).where(Notification.user_id == staff))
    assert link.startswith("/department/ocop/")  # the department's record, not the producer's workspace


def test_a_renewed_certificate_is_reminded_again(req, factory, holder):
    coop, member, zone_id = holder
    cert_id = factory.certificate(zone_id, kind=CertificateKind.VIETGAP, expires_on=today() + timedelta(days=6))
    assert reminders.send_due() == 1
    db.session.commit()
    from market.models import Certificate
    db.session.get(Certificate, cert_id).expires_on = today() + timedelta(days=85)  # renewed, new expiry
    db.session.commit()
    assert reminders.send_due() == 1


def test_the_workspace_lists_what_expires_next_ocop_included(client, app, factory, holder):
    coop, member, zone_id = holder
    factory.certificate(zone_id, kind=CertificateKind.FOREST_CODE, expires_on=today() + timedelta(days=40),
                        number="VN-LSRT-0001")
    ocop_certificate(factory, coop, 12)
    log_in(client, member)
    html = client.get(f"/workspace/{coop}/").get_data(as_text=True)
    part = html.split('id="expiring"')[1].split("</section>")[0]
    assert part.index("Giấy chứng nhận OCOP") < part.index("VN-LSRT-0001")  # soonest first
    assert "còn 12 ngày" in part and "còn 40 ngày" in part


@pytest.mark.postgres
def test_two_runs_at_once_send_each_reminder_once(app, factory, holder, database_url):
    """Two transactions on two connections: the second waits on the first's uncommitted sent_reminder row,
    then finds it taken and sends nothing."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer at a time into the whole file: the race runs on PostgreSQL")
    coop, member, zone_id = holder
    factory.certificate(zone_id, kind=CertificateKind.VIETGAP, expires_on=today() + timedelta(days=30))
    other = factory.org(kind=OrgKind.COOPERATIVE)
    factory.member(other)
    factory.certificate(factory.zone(other), kind=CertificateKind.ORGANIC, expires_on=today() + timedelta(days=3))
    first, second = interleave(app, reminders.send_due, reminders.send_due)
    assert first.error is None and second.error is None, (first.error, second.error)
    assert (first.result, second.result) == (2, 0)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SentReminder.id))) == 2
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "renewal.reminder")) == 2
