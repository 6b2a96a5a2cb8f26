"""Figures as of a past date never change when a later change takes effect after it, and back-dated entries count
from their real dates (market/services/facts.py). Each world is worked out by hand on AS_OF = 2026-06-15."""
from datetime import date

import pytest

from market.models import GrowingZone, OcopCertificate, OrgKind, ReviewStatus
from tests.factories import AS_OF

pytestmark = pytest.mark.figures
V = ReviewStatus.VERIFIED


def test_a_certificate_recalled_after_the_report_still_counts_before_the_recall(world):
    # Two verified 4-star products; P2's certificate is recalled on 2026-09-01, after the report of 2026-06-15.
    a = world.org()
    world.product(a, 4)
    p2 = world.product(a, 4)
    before = world.values()
    assert (before["ocop_valid"], before["ocop_four_star"]) == (2, 2)
    with world.context():
        from market.extensions import db
        from market.models import OcopProduct

        cert_id = db.session.get(OcopProduct, p2).ocop_certificate_id
    world.change(OcopCertificate, cert_id, effective_on=date(2026, 9, 1), status=ReviewStatus.RECALLED)
    assert world.values() == before  # the past is unchanged
    assert world.values(as_of=date(2026, 8, 31))["ocop_valid"] == 2
    assert world.values(as_of=date(2026, 9, 1))["ocop_valid"] == 1


def test_a_recall_lifted_later_leaves_a_gap_only_while_it_ran(world):
    a = world.org()
    p = world.product(a, 5)
    with world.context():
        from market.extensions import db
        from market.models import OcopProduct

        cert_id = db.session.get(OcopProduct, p).ocop_certificate_id
    world.change(OcopCertificate, cert_id, effective_on=date(2026, 7, 1), status=ReviewStatus.RECALLED)
    world.change(OcopCertificate, cert_id, effective_on=date(2026, 8, 1), status=V)
    assert [world.values(as_of=d)["ocop_five_star"] for d in (
        date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 31), date(2026, 8, 1))] == [1, 0, 0, 1]


def test_a_back_dated_certificate_verified_today_counts_from_its_issue_day(world):
    # Declared (pending) with a 2024 certificate, verified today: it counts on 2026-06-15 too (a late entry).
    a = world.org()
    p = world.product(a, 4, issued_on=date(2024, 3, 1), ocop=ReviewStatus.PENDING)
    assert world.values()["ocop_valid"] == 0
    with world.context():
        from market.extensions import db
        from market.models import OcopProduct

        cert_id = db.session.get(OcopProduct, p).ocop_certificate_id
    world.change(OcopCertificate, cert_id, status=V)
    assert world.values()["ocop_valid"] == 1
    assert world.values(as_of=date(2026, 1, 1))["ocop_valid"] == 1


def test_zones_imported_today_count_from_their_certificates_issue_day(world):
    # A zone registered today (created now), with a VietGAP issued 2024-05-01: it counts on 2026-06-15.
    a = world.org()
    from datetime import UTC, datetime

    world.zone(a, 40, created_at=datetime.now(UTC),
               certificates=[("vietgap", date(2024, 5, 1), date(2027, 5, 1), V)])
    assert world.values()["cert_gap_organic_zone_ha"] == 40.0
    assert world.values()["zone_area_hoi"] == 40.0


def test_a_correction_of_a_verified_zone_counts_from_its_acceptance_day(world):
    # Z: 30 ha of hồi with a valid planting-area code; a correction to 12 ha of quế accepted on 2026-08-01.
    a = world.org()
    z = world.zone(a, 30, certificates=[("planting_area_code", date(2025, 6, 1), date(2028, 6, 1), V)])
    before = world.values()
    assert (before["cert_gap_organic_zone_ha"], before["zone_area_hoi"], before["zone_area_que"]) == (30.0, 30.0, 0.0)
    world.change(GrowingZone, z, effective_on=date(2026, 8, 1), area_ha=12.0, crop_id=world.crop_id("que"))
    assert world.values() == before
    after = world.values(as_of=date(2026, 8, 1))
    assert (after["cert_gap_organic_zone_ha"], after["zone_area_hoi"], after["zone_area_que"]) == (12.0, 0.0, 12.0)


def test_a_zone_recalled_after_the_report_keeps_its_past(world):
    a = world.org()
    z = world.zone(a, 8, certificates=[("organic", date(2025, 6, 1), date(2028, 6, 1), V)])
    assert world.values()["organic_hoi_ha"] == 8.0
    world.change(GrowingZone, z, effective_on=date(2026, 10, 1), status=ReviewStatus.RECALLED)
    assert world.values()["organic_hoi_ha"] == 8.0
    assert world.values(as_of=date(2026, 10, 1))["organic_hoi_ha"] == 0.0


def test_share_of_contracts_supplied_from_coded_zones(world):
    # C1 names zone Z (valid code), C2 names none: 1 of 2 = 50 %.
    from market.extensions import db
    from market.models import Contract, ContractState, ContractVersion

    a, e = world.org(), world.org(OrgKind.ENTERPRISE)
    z = world.zone(a, 5, certificates=[("planting_area_code", date(2025, 6, 1), date(2028, 6, 1), V)])
    c1 = world.contract(e, a, ContractState.ACTIVE)
    world.contract(e, a, ContractState.ACTIVE)
    with world.context():
        code = db.session.get(GrowingZone, z).code
        version = db.session.get(Contract, c1).versions[0]
        db.session.execute(ContractVersion.__table__.update().where(ContractVersion.id == version.id).values(
            terms={**version.terms_json, "zone_codes": [code]}))
        db.session.commit()
    figure = world.figures()["contracts_coded_zones_pct"]
    assert (figure.value, figure.detail) == (50.0, {"supplied": 1, "contracts": 2})
    assert figure.goal is None and figure.on_track is None  # the plan sets no number


def test_tourist_shop_sales_count_verified_products_on_their_shelves(world):
    a, shop, chain = world.org(), world.org(OrgKind.TOURIST_SHOP), world.org(OrgKind.RETAIL_CHAIN)
    world.product(a, 3, retailers=[shop])
    world.product(a, 4, retailers=[chain])            # a retail chain, not a tourist shop
    world.product(a, 4, retailers=[shop], ocop=ReviewStatus.PENDING)  # not verified
    figure = world.figures(AS_OF)["ocop_tourist_shops"]
    assert (figure.value, figure.detail["on_shelves"]) == (1, 1)
