"""market/services/zones.py: registering and editing zones, adding certificates, the department's review."""
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    CertificateKind,
    GrowingZone,
    Organisation,
    OrgKind,
    OrgStatus,
    ReviewStatus,
    Role,
    User,
)
from market.services import zones
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import certificate_data, count, zone_data


def get_org(org_id) -> Organisation:
    return db.session.get(Organisation, org_id)


def get_user(user_id) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def coop(factory):
    return factory.org(name="HTX Hồi Văn Quan")


@pytest.fixture
def owner(factory, coop):
    return factory.member(coop, Role.OWNER)


@pytest.fixture
def staff(factory):
    return factory.department_staff()


# --- registering ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", Role.ALL)
def test_any_member_registers_a_pending_zone_with_an_audit_event(req, factory, coop, role):
    actor = get_user(factory.member(coop, role))
    zone = zones.register_zone(actor, get_org(coop), zone_data(code=" ls-vq-hoi-9001 ", latitude="21,86",
                                                               longitude="106,55"))
    db.session.commit()
    zone = db.session.get(GrowingZone, zone.id)
    assert zone.code == "LS-VQ-HOI-9001"  # spaces dropped, upper case
    assert zone.status == ReviewStatus.PENDING and zone.state(today()) == ReviewStatus.PENDING
    assert zone.organisation_id == coop and zone.area_ha == 12.5 and zone.households == 10
    assert (zone.latitude, zone.longitude) == (21.86, 106.55)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "zone.registered"))
    assert event.actor_id == actor.id and event.organisation_id == coop
    assert event.object_type == "GrowingZone" and event.object_id == str(zone.id)
    assert event.details["code"] == "LS-VQ-HOI-9001"


def test_an_unverified_cooperative_may_register_zones(req, factory):
    org = factory.org(status=OrgStatus.PENDING)
    zone = zones.register_zone(get_user(factory.member(org)), get_org(org), zone_data())
    assert zone.status == ReviewStatus.PENDING


@pytest.mark.both_engines
@pytest.mark.parametrize("taken, offered", [("LS-VQ-1", "ls-vq-1"), ("LS-VQ-1", "LS-VQ-1"), ("LS-VQ-1", " Ls-vQ- 1")])
def test_a_code_is_registered_once_ignoring_case(req, cat, factory, coop, owner, taken, offered):
    cat.zone(factory.org(), code=taken)  # by another organisation
    with pytest.raises(ValidationFailed) as caught:
        zones.register_zone(get_user(owner), get_org(coop), zone_data(code=offered))
    assert list(caught.value.errors) == ["code"]
    assert count(GrowingZone) == 1 and count(AuditEvent) == 0


BAD_ZONES = [
    ({"code": "LS VQ#1"}, "code"),
    ({"code": "LS_VQ_1"}, "code"),
    ({"code": "LS--VQ"}, "code"),
    ({"code": "-LSVQ"}, "code"),
    ({"code": "HỒI-01"}, "code"),
    ({"code": "X" * 41}, "code"),
    ({"code": ""}, "code"),
    ({"area_ha": "0"}, "area_ha"),
    ({"area_ha": "-3"}, "area_ha"),
    ({"area_ha": "1e9"}, "area_ha"),
    ({"area_ha": "abc"}, "area_ha"),
    ({"area_ha": "NaN"}, "area_ha"),
    ({"area_ha": "inf"}, "area_ha"),
    ({"area_ha": ""}, "area_ha"),
    ({"households": "-1"}, "households"),
    ({"households": "2,5"}, "households"),
    ({"latitude": "21,8"}, "longitude"),
    ({"longitude": "106,5"}, "latitude"),
    ({"latitude": "91", "longitude": "106,5"}, "latitude"),
    ({"latitude": "21,8", "longitude": "-181"}, "longitude"),
    ({"crop_id": ""}, "crop_id"),
    ({"crop_id": "999999"}, "crop_id"),
    ({"commune_id": "abc"}, "commune_id"),
    ({"kind": "orchard"}, "kind"),
]


@pytest.mark.parametrize("change, field", BAD_ZONES, ids=[f"{f}={list(c.values())}" for c, f in BAD_ZONES])
def test_bad_zone_input_names_the_field_and_saves_nothing(req, coop, owner, change, field):
    with pytest.raises(ValidationFailed) as caught:
        zones.register_zone(get_user(owner), get_org(coop), zone_data(**change))
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field] and all(caught.value.errors[field])
    assert count(GrowingZone) == 0 and count(AuditEvent) == 0


def test_area_with_a_decimal_comma_is_understood(req, coop, owner):
    zone = zones.register_zone(get_user(owner), get_org(coop), zone_data(area_ha="12,75"))
    assert zone.area_ha == 12.75


def test_crop_outside_trade_is_refused(req, coop, owner):
    from tests.factories import crop_id
    with pytest.raises(ValidationFailed) as caught:
        zones.register_zone(get_user(owner), get_org(coop), zone_data(crop_id=str(crop_id("hoang_dan"))))
    assert "crop_id" in caught.value.errors


@pytest.mark.parametrize("kind", [OrgKind.RETAIL_CHAIN, OrgKind.ENTERPRISE, OrgKind.TOURIST_SHOP])
def test_buyers_cannot_register_zones(req, factory, kind):
    org = factory.org(kind=kind)
    with pytest.raises(PermissionDenied):
        zones.register_zone(get_user(factory.member(org)), get_org(org), zone_data())
    assert count(GrowingZone) == 0


def test_a_user_of_another_organisation_cannot_register(req, factory, coop):
    outsider = factory.member(factory.org())
    with pytest.raises(PermissionDenied):
        zones.register_zone(get_user(outsider), get_org(coop), zone_data())
    with pytest.raises(PermissionDenied):  # department staff verify; they do not register for others
        zones.register_zone(get_user(factory.department_staff()), get_org(coop), zone_data())
    assert count(GrowingZone) == 0


# --- editing --------------------------------------------------------------------------------------

def test_changing_the_area_of_a_verified_zone_waits_for_the_department(req, cat, coop, owner):
    """A material change becomes a pending revision; the zone keeps its verified values meanwhile
    (tests/confirmed/test_zone_revisions.py follows it through the department's decision)."""
    zone_id = cat.zone(coop, code="LS-VQ-HOI-9001", area=12.5)
    zone = db.session.get(GrowingZone, zone_id)
    zones.update_zone(get_user(owner), zone, zone_data(area_ha="20"))
    db.session.commit()
    zone = db.session.get(GrowingZone, zone_id)
    assert zone.area_ha == 12.5 and zone.status == ReviewStatus.VERIFIED
    assert zones.pending_revision(zone).proposed["area_ha"] == 20
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "zone.revision_submitted"))
    assert event.details["changes"]["area_ha"] == ["12.5", "20.0"]


def test_changing_the_area_of_a_rejected_zone_sends_it_back_for_review(req, cat, coop, owner):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-9001", area=12.5, status=ReviewStatus.REJECTED)
    zone = db.session.get(GrowingZone, zone_id)
    zone.status_reason = "note"
    zones.update_zone(get_user(owner), zone, zone_data(area_ha="20"))
    db.session.commit()
    zone = db.session.get(GrowingZone, zone_id)
    assert zone.area_ha == 20 and zone.status == ReviewStatus.PENDING and zone.status_reason is None
    assert zones.pending_revision(zone) is None


def test_changing_only_the_name_keeps_a_verified_zone_verified(req, cat, coop, owner):
    zone_id = cat.zone(coop, code="LS-VQ-HOI-9001", area=12.5)
    zones.update_zone(get_user(owner), db.session.get(GrowingZone, zone_id), zone_data(name="Đồi mới", households="12"))
    db.session.commit()
    zone = db.session.get(GrowingZone, zone_id)
    assert zone.name == "Đồi mới" and zone.households == 12 and zone.status == ReviewStatus.VERIFIED


def test_a_zone_keeps_its_own_code_on_edit_but_cannot_take_another(req, cat, coop, owner):
    cat.zone(coop, code="LS-VQ-HOI-9002")
    zone_id = cat.zone(coop, code="LS-VQ-HOI-9001")
    zones.update_zone(get_user(owner), db.session.get(GrowingZone, zone_id), zone_data(code="ls-vq-hoi-9001"))
    with pytest.raises(ValidationFailed) as caught:
        zones.update_zone(get_user(owner), db.session.get(GrowingZone, zone_id), zone_data(code="ls-vq-hoi-9002"))
    assert list(caught.value.errors) == ["code"]


def test_a_recalled_zone_cannot_be_edited(req, cat, coop, owner):
    zone_id = cat.zone(coop, status=ReviewStatus.RECALLED, area=12.5)
    with pytest.raises(PermissionDenied):
        zones.update_zone(get_user(owner), db.session.get(GrowingZone, zone_id), zone_data(area_ha="13"))
    db.session.rollback()
    zone = db.session.get(GrowingZone, zone_id)
    assert zone.area_ha == 12.5 and zone.status == ReviewStatus.RECALLED


def test_another_organisation_cannot_edit_a_zone(req, cat, factory, coop):
    zone_id = cat.zone(coop)
    with pytest.raises(PermissionDenied):
        zones.update_zone(get_user(factory.member(factory.org())), db.session.get(GrowingZone, zone_id),
                          zone_data(area_ha="13"))


# --- certificates ---------------------------------------------------------------------------------

@pytest.fixture
def zone_id(cat, coop):
    return cat.zone(coop, code="LS-VQ-HOI-9001")


def add(owner, zone_id, **changes):
    return zones.add_certificate(get_user(owner), db.session.get(GrowingZone, zone_id), certificate_data(**changes))


def test_adding_a_certificate_leaves_it_pending_and_not_valid(req, owner, zone_id):
    cert = add(owner, zone_id)
    db.session.commit()
    cert = db.session.get(Certificate, cert.id)
    assert cert.status == ReviewStatus.PENDING and not cert.is_valid(today())
    assert db.session.scalar(sa.select(AuditEvent.details).where(AuditEvent.action == "certificate.added"))["number"] \
        == "VG-LS-2026-001"


@pytest.mark.parametrize("changes, field", [
    ({"issued_on": today() - timedelta(days=10), "expires_on": today() - timedelta(days=11)}, "expires_on"),
    ({"issued_on": today() + timedelta(days=10), "expires_on": today() + timedelta(days=11)}, "issued_on"),
    ({"issued_on": today() + timedelta(days=1)}, "issued_on"),
    ({"issued_on": today() - timedelta(days=800), "expires_on": today() - timedelta(days=1)}, "expires_on"),
    ({"expires_on": None}, "expires_on"),
    ({"kind": CertificateKind.PLANTING_AREA_CODE, "expires_on": None}, "expires_on"),
    ({"issued_on": None}, "issued_on"),
    ({"number": "  "}, "number"),
    ({"issuer": ""}, "issuer"),
    ({"kind": "iso9001"}, "kind"),
], ids=["expiry-before-issue", "issued-in-future", "issued-tomorrow", "already-expired", "no-expiry-vietgap",
        "no-expiry-code", "no-issue-date", "no-number", "no-issuer", "unknown-kind"])
def test_bad_certificates_are_refused_on_the_right_field(req, owner, zone_id, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        add(owner, zone_id, **changes)
    assert list(caught.value.errors) == [field]
    assert count(Certificate) == 0 and count(AuditEvent) == 0


def test_certificate_issued_today_and_expiring_today_is_accepted(req, owner, zone_id):
    cert = add(owner, zone_id, issued_on=today(), expires_on=today())
    assert cert.issued_on == cert.expires_on == today()


def test_geographical_indication_needs_no_expiry(req, owner, zone_id):
    cert = add(owner, zone_id, kind=CertificateKind.GEOGRAPHICAL_INDICATION, number="CDDL-00045",
               issuer="Cục Sở hữu trí tuệ", issued_on=today() - timedelta(days=3000), expires_on=None)
    db.session.commit()
    assert db.session.get(Certificate, cert.id).expires_on is None


def test_another_organisation_cannot_add_a_certificate(req, factory, zone_id):
    with pytest.raises(PermissionDenied):
        add(factory.member(factory.org()), zone_id)
    assert count(Certificate) == 0


# --- the department's review ----------------------------------------------------------------------

def _zone(zone_id):
    return db.session.get(GrowingZone, zone_id)


def _cert(cert_id):
    return db.session.get(Certificate, cert_id)


def test_staff_verify_a_pending_zone(req, cat, coop, staff):
    zone_id = cat.zone(coop, status=ReviewStatus.PENDING)
    zones.verify_zone(get_user(staff), _zone(zone_id))
    db.session.commit()
    zone = _zone(zone_id)
    assert zone.status == ReviewStatus.VERIFIED and zone.status_changed_by_id == staff
    assert zone.status_changed_at is not None and zone.status_reason is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "zone.verified"))
    assert event.actor_id == staff and event.organisation_id == coop and event.object_id == str(zone_id)


def test_staff_reject_a_pending_zone_with_a_reason(req, cat, coop, staff):
    zone_id = cat.zone(coop, status=ReviewStatus.PENDING)
    zones.reject_zone(get_user(staff), _zone(zone_id), "  Diện tích không khớp hồ sơ  ")
    db.session.commit()
    zone = _zone(zone_id)
    assert zone.status == ReviewStatus.REJECTED and zone.status_reason == "Diện tích không khớp hồ sơ"
    assert zone.status_changed_by_id == staff
    assert db.session.scalar(sa.select(AuditEvent.details).where(AuditEvent.action == "zone.rejected"))["reason"] \
        == "Diện tích không khớp hồ sơ"


def test_staff_recall_a_verified_zone_with_a_reason(req, cat, coop, staff):
    zone_id = cat.zone(coop, status=ReviewStatus.VERIFIED)
    zones.recall_zone(get_user(staff), _zone(zone_id), "Mã số bị thu hồi")
    db.session.commit()
    assert _zone(zone_id).status == ReviewStatus.RECALLED and _zone(zone_id).state(today()) == ReviewStatus.RECALLED
    assert _zone(zone_id).status_changed_by_id == staff
    assert count(AuditEvent) == 1


def test_a_rejected_zone_can_be_verified_after_correction(req, cat, coop, staff):
    zone_id = cat.zone(coop, status=ReviewStatus.REJECTED)
    zones.verify_zone(get_user(staff), _zone(zone_id))
    assert _zone(zone_id).status == ReviewStatus.VERIFIED


@pytest.mark.parametrize("reason", [None, "", "    ", "abcd", " ab  "])
@pytest.mark.parametrize("action, status", [("reject", ReviewStatus.PENDING), ("recall", ReviewStatus.VERIFIED)])
def test_reject_and_recall_need_a_reason_of_five_characters(req, cat, coop, staff, action, status, reason):
    zone_id = cat.zone(coop, status=status)
    cert_id = cat.certificate(cat.zone(coop), status=status)
    with pytest.raises(ValidationFailed) as caught:
        getattr(zones, f"{action}_zone")(get_user(staff), _zone(zone_id), reason)
    assert list(caught.value.errors) == ["reason"]
    with pytest.raises(ValidationFailed) as caught:
        getattr(zones, f"{action}_certificate")(get_user(staff), _cert(cert_id), reason)
    assert list(caught.value.errors) == ["reason"]
    db.session.rollback()
    assert _zone(zone_id).status == status and _cert(cert_id).status == status
    assert count(AuditEvent) == 0


@pytest.mark.parametrize("action, status", [
    ("recall", ReviewStatus.PENDING), ("recall", ReviewStatus.REJECTED), ("recall", ReviewStatus.RECALLED),
    ("verify", ReviewStatus.RECALLED), ("verify", ReviewStatus.VERIFIED),
    ("reject", ReviewStatus.VERIFIED), ("reject", ReviewStatus.RECALLED), ("reject", ReviewStatus.REJECTED),
])
def test_review_refuses_actions_the_status_does_not_allow(req, cat, coop, staff, action, status):
    zone_id = cat.zone(coop, status=status)
    cert_id = cat.certificate(cat.zone(coop), status=status)
    args = () if action == "verify" else ("Lý do đầy đủ",)
    with pytest.raises(ValidationFailed) as caught:
        getattr(zones, f"{action}_zone")(get_user(staff), _zone(zone_id), *args)
    assert list(caught.value.errors) == ["status"]
    with pytest.raises(ValidationFailed) as caught:
        getattr(zones, f"{action}_certificate")(get_user(staff), _cert(cert_id), *args)
    assert list(caught.value.errors) == ["status"]
    assert _zone(zone_id).status == status and _cert(cert_id).status == status


def test_staff_verify_reject_and_recall_certificates(req, cat, coop, staff):
    zone_id = cat.zone(coop)
    first = cat.certificate(zone_id, status=ReviewStatus.PENDING)
    second = cat.certificate(zone_id, status=ReviewStatus.PENDING)
    zones.verify_certificate(get_user(staff), _cert(first))
    zones.reject_certificate(get_user(staff), _cert(second), "Bản scan không đọc được")
    db.session.commit()
    assert _cert(first).status == ReviewStatus.VERIFIED and _cert(first).is_valid(today())
    assert _cert(first).status_changed_by_id == staff and _cert(second).status_changed_by_id == staff
    assert _cert(second).status == ReviewStatus.REJECTED and _cert(second).status_reason == "Bản scan không đọc được"
    zones.recall_certificate(get_user(staff), _cert(first), "Chứng nhận bị đình chỉ")
    db.session.commit()
    assert _cert(first).status == ReviewStatus.RECALLED and not _cert(first).is_valid(today())
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["certificate.verified", "certificate.rejected", "certificate.recalled"]
    assert set(db.session.scalars(sa.select(AuditEvent.organisation_id))) == {coop}


def test_non_staff_cannot_review(req, cat, factory, coop, owner):
    zone_id = cat.zone(coop, status=ReviewStatus.PENDING)
    cert_id = cat.certificate(zone_id, status=ReviewStatus.PENDING)
    pending_department = factory.org(kind=OrgKind.DEPARTMENT, status=OrgStatus.PENDING, name="Sở giả mạo")
    commune_office = factory.org(kind=OrgKind.COMMUNE_OFFICE, name="UBND xã Văn Quan")
    for actor in (owner, factory.member(pending_department), factory.member(commune_office)):
        with pytest.raises(PermissionDenied):
            zones.verify_zone(get_user(actor), _zone(zone_id))
        with pytest.raises(PermissionDenied):
            zones.verify_certificate(get_user(actor), _cert(cert_id))
        with pytest.raises(PermissionDenied):
            zones.reject_zone(get_user(actor), _zone(zone_id), "Lý do đầy đủ")
    assert _zone(zone_id).status == ReviewStatus.PENDING and _cert(cert_id).status == ReviewStatus.PENDING
    assert count(AuditEvent) == 0


def test_review_queue_lists_pending_zones_and_certificates(req, cat, coop):
    pending_zone = cat.zone(coop, status=ReviewStatus.PENDING)
    cat.zone(coop, status=ReviewStatus.VERIFIED)
    pending_cert = cat.certificate(pending_zone, status=ReviewStatus.PENDING)
    cat.certificate(pending_zone, status=ReviewStatus.REJECTED)
    queued_zones, queued_certs = zones.review_queue()
    assert [z.id for z in queued_zones] == [pending_zone] and [c.id for c in queued_certs] == [pending_cert]


def test_services_report_errors_outside_a_request(ctx, factory):
    """Outside a request (CLI, jobs) the locale falls back to the default instead of reading the session."""
    org = factory.org()
    actor = db.session.get(User, factory.member(org))
    with pytest.raises(ValidationFailed):
        zones.register_zone(actor, get_org(org), zone_data(area_ha="abc"))


def test_editing_a_rejected_zone_returns_it_to_the_queue(req, cat, coop, owner):
    zone_id = cat.zone(coop, status=ReviewStatus.REJECTED, area=12.5)
    zone = db.session.get(GrowingZone, zone_id)
    zone.status_reason = "Diện tích không khớp"
    db.session.commit()
    zones.update_zone(get_user(owner), db.session.get(GrowingZone, zone_id), zone_data(area_ha="11,8"))
    db.session.commit()
    zone = db.session.get(GrowingZone, zone_id)
    assert zone.status == ReviewStatus.PENDING and zone.status_reason is None and zone.area_ha == 11.8
    assert [z.id for z in zones.review_queue()[0]] == [zone_id]


def test_certificate_dates_are_judged_on_the_provinces_calendar(req, monkeypatch, owner, zone_id):
    """At 00:30 in Lạng Sơn it is still the previous day in UTC: a certificate that expired 'yesterday'
    (local) is refused, and one issued 'today' (local) is accepted."""
    from datetime import date, datetime

    import market.clock

    class LateEvening(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 3, 14, 17, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(market.clock, "datetime", LateEvening)
    assert market.clock.today() == date(2026, 3, 15)
    with pytest.raises(ValidationFailed) as caught:
        add(owner, zone_id, issued_on=date(2025, 3, 1), expires_on=date(2026, 3, 14))
    assert list(caught.value.errors) == ["expires_on"]
    cert = add(owner, zone_id, issued_on=date(2026, 3, 15), expires_on=date(2027, 3, 15))
    assert cert.issued_on == date(2026, 3, 15)
