"""Plausibility on entry and import (market/services/plausibility.py): certificates a kind of zone may hold,
area bounds with a warning band that needs an explicit confirmation and a hard limit that refuses."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import Certificate, CertificateKind, GrowingZone, Organisation, User, ZoneKind
from market.services import importer, zones
from market.services.errors import ValidationFailed
from tests.conftest import log_in, submit
from tests.factories import certificate_data, count, zone_data
from tests.imports.conftest import HOI, THONG, ZONE_HEADER, confirm, csv_bytes, token_of, upload


def get_user(user_id) -> User:
    return db.session.get(User, user_id)


def register(owner, coop, **overrides):
    return zones.register_zone(get_user(owner), db.session.get(Organisation, coop), zone_data(**overrides))


@pytest.fixture
def coop(factory):
    org = factory.org()
    return org, factory.member(org)


# --- areas in the form --------------------------------------------------------------------------

def test_a_99999_ha_zone_is_refused_in_vietnamese_and_nothing_is_saved(req, coop):
    org, owner = coop
    with pytest.raises(ValidationFailed) as caught:
        register(owner, org, area_ha="99999", confirm_area="y")  # even confirmed
    assert caught.value.errors["area_ha"] == [
        "99.999 ha vượt quá 5.000 ha, mức tối đa của một vùng trồng: hãy kiểm tra đơn vị "
        "(nhập mét vuông thành héc-ta?). Chưa có gì được lưu."]
    db.session.rollback()
    assert count(GrowingZone) == 0


@pytest.mark.parametrize("kind, area, crop, needs_confirmation", [
    (ZoneKind.PLANTING_AREA, "500", "hoi", False), (ZoneKind.PLANTING_AREA, "501", "hoi", True),
    (ZoneKind.PLANTING_AREA, "301", "na", True),  # an orchard crop warns sooner
    (ZoneKind.PLANTING_AREA, "299", "na", False),
    (ZoneKind.PLANTED_FOREST, "4999", "thong", False), (ZoneKind.PLANTED_FOREST, "5001", "thong", True),
])
def test_a_large_area_needs_an_explicit_confirmation(req, coop, kind, area, crop, needs_confirmation):
    org, owner = coop
    data = {"kind": kind, "area_ha": area, "crop_id": str(db.session.scalar(sa.text(
        "SELECT id FROM crop WHERE key = :k"), {"k": crop}))}
    if needs_confirmation:
        with pytest.raises(ValidationFailed) as caught:
            register(owner, org, **data)
        assert list(caught.value.errors) == ["confirm_area"]
        assert "lớn bất thường" in caught.value.errors["confirm_area"][0]
        db.session.rollback()
    zone = register(owner, org, confirm_area="y", **data)
    db.session.commit()
    assert zone.area_ha == float(area)


def test_a_forest_zone_over_its_hard_limit_is_refused(req, coop):
    org, owner = coop
    with pytest.raises(ValidationFailed) as caught:
        register(owner, org, kind=ZoneKind.PLANTED_FOREST, area_ha="20001", confirm_area="y")
    assert "20.000 ha" in caught.value.errors["area_ha"][0] and "rừng trồng" in caught.value.errors["area_ha"][0]


def test_a_99999_ha_zone_through_the_form_gets_the_message_next_to_the_area(client, app, coop):
    org, owner = coop
    log_in(client, owner)
    with app.app_context():
        data = zone_data(area_ha="99999", confirm_area="y")
    response = submit(client, f"/workspace/{org}/zones/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "99.999 ha vượt quá 5.000 ha" in html and "Chưa có gì được lưu." in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(GrowingZone.id))) == 0


def test_the_form_shows_the_confirmation_next_to_the_box(client, app, coop):
    org, owner = coop
    log_in(client, owner)
    with app.app_context():
        data = zone_data(area_ha="800")
    response = submit(client, f"/workspace/{org}/zones/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "lớn bất thường" in html and 'name="confirm_area"' in html
    assert submit(client, f"/workspace/{org}/zones/new", {**data, "confirm_area": "y"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(GrowingZone.area_ha)) == 800


# --- certificates a kind of zone may hold --------------------------------------------------------

@pytest.mark.parametrize("zone_kind, certificate_kind, allowed", [
    (ZoneKind.PLANTING_AREA, CertificateKind.SFM, False),
    (ZoneKind.PLANTING_AREA, CertificateKind.FOREST_CODE, False),
    (ZoneKind.PLANTING_AREA, CertificateKind.PLANTING_AREA_CODE, True),
    (ZoneKind.PLANTING_AREA, CertificateKind.VIETGAP, True),
    (ZoneKind.PLANTED_FOREST, CertificateKind.PLANTING_AREA_CODE, False),
    (ZoneKind.PLANTED_FOREST, CertificateKind.SFM, True),
    (ZoneKind.PLANTED_FOREST, CertificateKind.FOREST_CODE, True),
    (ZoneKind.PLANTED_FOREST, CertificateKind.ORGANIC, True),
])
def test_certificate_kinds_per_zone_kind(req, factory, coop, zone_kind, certificate_kind, allowed):
    org, owner = coop
    zone = db.session.get(GrowingZone, factory.zone(org, kind=zone_kind, crop="na"))
    if allowed:
        zones.add_certificate(get_user(owner), zone, certificate_data(kind=certificate_kind))
        db.session.commit()
        assert count(Certificate) == 1
    else:
        with pytest.raises(ValidationFailed) as caught:
            zones.add_certificate(get_user(owner), zone, certificate_data(kind=certificate_kind))
        assert list(caught.value.errors) == ["kind"]
        db.session.rollback()
        assert count(Certificate) == 0


def test_a_zone_cannot_become_a_forest_while_it_holds_a_planting_area_code(req, factory, coop):
    org, owner = coop
    zone_id = factory.zone(org, code="LS-VQ-HOI-9001", status="pending")
    factory.certificate(zone_id, kind=CertificateKind.PLANTING_AREA_CODE)
    with pytest.raises(ValidationFailed) as caught:
        zones.update_zone(get_user(owner), db.session.get(GrowingZone, zone_id),
                          zone_data(kind=ZoneKind.PLANTED_FOREST))
    assert list(caught.value.errors) == ["kind"]


@pytest.mark.figures
def test_an_fsc_certificate_on_an_orchard_counts_for_nothing(req, factory, coop):
    """Rows imported before the rule: the figures ignore a certificate the zone kind cannot hold."""
    from market.clock import today
    from market.services import targets

    org, _owner = coop
    orchard = factory.zone(org, crop="na", area=30)
    forest = factory.zone(org, crop="thong", kind=ZoneKind.PLANTED_FOREST, area=200)
    factory.certificate(orchard, kind=CertificateKind.SFM)
    factory.certificate(forest, kind=CertificateKind.SFM)
    assert targets.certified_area(targets.Scope(as_of=today()), (CertificateKind.SFM,)) == 200


# --- import --------------------------------------------------------------------------------------

def zone_row(code, *, kind="vùng trồng", tax=HOI, crop="Hồi", area="12,5", certificate=None):
    return [code, kind, tax, "Văn Quan", crop, area, "18", *(certificate or ["", "", "", "", ""])]


def fsc():
    return ["sfm", "FSC-C000001", "FSC", "15/03/2025", "14/03/2028"]


@pytest.mark.both_engines
def test_import_refuses_impossible_rows_and_flags_unusual_ones(req_en, orgs, staff):
    data = csv_bytes(ZONE_HEADER, [
        zone_row("LS-VQ-HOI-0001", area="99999"),                        # refused: over the hard limit
        zone_row("LS-VQ-NA-0002", crop="Na", certificate=fsc()),          # refused: FSC on a crop zone
        zone_row("LS-VQ-HOI-0003", area="800"),                           # flagged: needs confirmation
        zone_row("LS-DL-THONG-0004", kind="rừng trồng", tax=THONG, crop="Thông", area="1200", certificate=fsc()),
    ])
    preview = importer.preview_import("zones", data, "zones.csv")
    errors = {r.line: dict(r.errors) for r in preview.rows if r.errors}
    assert set(errors) == {2, 3}
    assert "99,999 ha is more than 5,000 ha" in errors[2]["area_ha"]
    assert errors[3]["cert_kind"] == "This certificate is for planted forests only; this zone is a crop zone."
    assert [(r.line, bool(r.flags)) for r in preview.rows if r.ok] == [(4, True), (5, False)]


@pytest.mark.both_engines
def test_flagged_rows_are_saved_only_once_confirmed(req_en, orgs, staff):
    rows = [zone_row("LS-VQ-HOI-0003", area="800"), zone_row("LS-VQ-HOI-0005")]
    table = importer.read_table(csv_bytes(ZONE_HEADER, rows), "zones.csv", "zones")
    with pytest.raises(importer.OutliersUnconfirmed):
        importer.commit_import(get_user(staff), "zones", table)
    db.session.rollback()
    assert count(GrowingZone) == 0
    counts = importer.commit_import(get_user(staff), "zones", table, confirm_outliers=True)
    db.session.commit()
    assert counts["zones"] == 2 and count(GrowingZone) == 2


def test_the_preview_flags_rows_and_the_confirmation_needs_the_tick(app, staff_client, orgs, upload_dir):
    response = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, [zone_row("LS-VQ-HOI-0003", area="800")]),
                      "vung.csv")
    html = response.get_data(as_text=True)
    assert 'id="flag-2"' in html and 'name="confirm_outliers"' in html
    token = token_of(html)
    refused = confirm(staff_client, token)
    assert refused.status_code == 409 and "tick that you checked the flagged rows" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(GrowingZone.id))) == 0
    done = submit(staff_client, "/department/import/confirm", {"token": token, "confirm_outliers": "y"},
                  form_page="/department/import/", follow_redirects=True)
    assert done.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(GrowingZone.area_ha)) == 800
