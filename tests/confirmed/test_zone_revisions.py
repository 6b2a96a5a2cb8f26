"""Material and non-material edits of a verified zone (market/services/zones.py): the name and households
change at once; code, kind, crop, commune, area or location wait as a revision, and the verified values keep
showing and counting (certified areas) until the department accepts or rejects it."""
import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import CertificateKind, GrowingZone, Notification, ReviewStatus, Revision, RevisionStatus, User
from market.services import targets, zones
from market.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import log_in, submit
from tests.factories import zone_data


def get_user(user_id) -> User:
    return db.session.get(User, user_id)


def zone(zone_id) -> GrowingZone:
    return db.session.get(GrowingZone, zone_id)


@pytest.fixture
def verified(factory):
    """A verified 40 ha zone with a valid VietGAP certificate, its cooperative and a member."""
    coop = factory.org()
    zone_id = factory.zone(coop, code="LS-VQ-HOI-9001", area=40)
    factory.certificate(zone_id, kind=CertificateKind.VIETGAP)
    return coop, factory.member(coop), zone_id


def certified(on=None) -> float:
    return targets.certified_area(targets.Scope(as_of=on or today()), CertificateKind.GAP_ORGANIC_ZONE)


def edit(user_id, zone_id, **changes):
    data = zone_data(**{"code": "LS-VQ-HOI-9001", "area_ha": "40", "households": "10", **changes})
    zones.update_zone(get_user(user_id), zone(zone_id), data)
    db.session.commit()


@pytest.mark.figures
def test_a_material_edit_leaves_the_verified_version_counted_until_decided(req, verified, factory):
    coop, member, zone_id = verified
    staff = factory.department_staff()
    assert certified() == 40
    edit(member, zone_id, area_ha="41")  # 40 ha to 41 ha: the example
    assert (zone(zone_id).status, zone(zone_id).area_ha) == (ReviewStatus.VERIFIED, 40)
    assert certified() == 40  # still counted, with its verified area
    revision = zones.pending_revision(zone(zone_id))
    zones.accept_revision(get_user(staff), revision)
    db.session.commit()
    assert (zone(zone_id).status, zone(zone_id).area_ha) == (ReviewStatus.VERIFIED, 41)
    assert certified() == 41
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == member, Notification.kind == "revision.decided")) == 1


@pytest.mark.figures
def test_a_rejected_revision_leaves_the_zone_as_verified(req, verified, factory):
    _coop, member, zone_id = verified
    staff = factory.department_staff()
    edit(member, zone_id, area_ha="400", crop_id=str(factory.crop_id("que")))
    revision = zones.pending_revision(zone(zone_id))
    with pytest.raises(ValidationFailed):
        zones.reject_revision(get_user(staff), revision, "")
    zones.reject_revision(get_user(staff), revision, "Diện tích không khớp bản đồ.")
    db.session.commit()
    z = zone(zone_id)
    assert (z.status, z.area_ha, z.crop.key) == (ReviewStatus.VERIFIED, 40, "hoi")
    assert db.session.get(Revision, revision.id).status == RevisionStatus.REJECTED
    assert zones.pending_revision(z) is None and certified() == 40


def test_non_material_edits_apply_at_once_and_keep_the_zone_verified(req, verified):
    _coop, member, zone_id = verified
    edit(member, zone_id, name="Đồi hồi mới", households="25")
    z = zone(zone_id)
    assert (z.name, z.households, z.status) == ("Đồi hồi mới", 25, ReviewStatus.VERIFIED)
    assert zones.pending_revision(z) is None


def test_a_second_edit_updates_the_same_pending_revision_and_undoing_withdraws_it(req, verified):
    _coop, member, zone_id = verified
    edit(member, zone_id, area_ha="41")
    edit(member, zone_id, area_ha="42", latitude="21,9", longitude="106,5")
    revisions = db.session.scalars(sa.select(Revision).where(Revision.object_id == zone_id)).all()
    assert len(revisions) == 1 and revisions[0].proposed["area_ha"] == 42
    assert revisions[0].proposed["latitude"] == 21.9 and revisions[0].previous["area_ha"] == 40
    edit(member, zone_id)  # back to the verified values
    assert zones.pending_revision(zone(zone_id)) is None
    assert db.session.get(Revision, revisions[0].id).status == RevisionStatus.WITHDRAWN


def test_only_the_department_decides(req, verified):
    _coop, member, zone_id = verified
    edit(member, zone_id, area_ha="41")
    with pytest.raises(PermissionDenied):
        zones.accept_revision(get_user(member), zones.pending_revision(zone(zone_id)))


@pytest.mark.both_engines
def test_a_code_taken_meanwhile_blocks_acceptance(req, verified, factory):
    coop, member, zone_id = verified
    staff = factory.department_staff()
    edit(member, zone_id, code="LS-VQ-HOI-9555")
    factory.zone(coop, code="LS-VQ-HOI-9555")
    with pytest.raises(ValidationFailed) as caught:
        zones.accept_revision(get_user(staff), zones.pending_revision(zone(zone_id)))
    assert list(caught.value.errors) == ["code"]
    db.session.rollback()
    assert zone(zone_id).code == "LS-VQ-HOI-9001"


def test_the_zone_page_says_a_revision_is_under_review(client, app, verified, factory):
    _coop, member, zone_id = verified
    log_in(client, member)
    with app.app_context():
        data = zone_data(code="LS-VQ-HOI-9001", area_ha="41")
    response = submit(client, f"/workspace/{_coop}/zones/{zone_id}/edit", data)
    assert response.status_code == 302
    html = client.get("/zones/LS-VQ-HOI-9001").get_data(as_text=True)
    assert "Một đề nghị sửa đổi đang được Sở xem xét." in html
    assert "40 ha" in html  # the verified area is what the page shows
    assert "Diện tích (ha): 40 → 41" in html  # the holder sees what waits


def test_the_department_queue_lists_and_accepts_a_revision(client, app, verified, factory):
    _coop, member, zone_id = verified
    with app.test_request_context():
        edit(member, zone_id, area_ha="41")
        revision_id = zones.pending_revision(zone(zone_id)).id
        db.session.remove()
    staff = factory.department_staff()
    log_in(client, staff)
    html = client.get("/department/").get_data(as_text=True)
    assert "Thay đổi của các vùng đã xác minh đang chờ quyết định" in html and "LS-VQ-HOI-9001" in html
    response = submit(client, f"/department/zone-revisions/{revision_id}/accept", {}, form_page="/department/")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(GrowingZone, zone_id).area_ha == 41


@pytest.mark.figures
def test_an_accepted_revision_changes_the_zone_from_the_acceptance_day_only(req, verified, factory):
    # Issue 10a: the correction is recorded with its day (models/history.py); yesterday keeps 40 ha.
    from datetime import timedelta

    from market.models import FactChange

    _coop, member, zone_id = verified
    staff = factory.department_staff()
    yesterday = today() - timedelta(days=1)
    assert certified(yesterday) == 40
    edit(member, zone_id, area_ha="41")
    zones.accept_revision(get_user(staff), zones.pending_revision(zone(zone_id)))
    db.session.commit()
    assert certified() == 41
    assert certified(yesterday) == 40  # the report of yesterday is unchanged
    change = db.session.scalar(sa.select(FactChange).where(FactChange.subject == "growing_zone",
                                                           FactChange.subject_id == zone_id))
    assert (change.before, change.after, change.effective_on) == ({"area_ha": 40.0}, {"area_ha": 41.0}, today())
