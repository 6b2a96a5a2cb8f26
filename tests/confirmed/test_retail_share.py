"""The retail-share figure counts only what the chains confirmed, for verified 4-5 star certificates valid on
the day (market/services/targets.py: retail_share). Worked out by hand on AS_OF = 2026-06-15:

    product  stars (verified?)   placement at chain R                                   counts?
    P1       4 (yes)            confirmed since 2026-03-01                               yes
    P2       5 (yes)            requested only (the seller's old tick, migrated)         no
    P3       4 (yes)            confirmed since 2026-01-10, ended 2026-06-01            no: ended before the day
    P4       4 (yes)            confirmed since 2026-06-01, but confirmed on 2026-07-01  no: not yet confirmed then
    P5       5 (no: declared)   confirmed since 2026-02-01                               no: stars not verified
    P6       3 (yes)            confirmed since 2026-02-01                               apart: a 3-star product
    P7       4 (yes)            declined                                                 no

    4-5 star with verified certificates: P1 P2 P3 P4 P7 = 5; on a shelf on the day: P1 -> 20.0 %
"""
from datetime import date

import pytest

from market.models import OrgKind, PlacementStatus, ReviewStatus
from tests.factories import AS_OF

pytestmark = pytest.mark.figures


@pytest.fixture
def shelves_world(world):
    a, r = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.RETAIL_CHAIN)
    p = world.product
    world.placement(p(a, 4), r, since=date(2026, 3, 1))                                                # P1
    world.placement(p(a, 5), r, status=PlacementStatus.REQUESTED)                                      # P2
    world.placement(p(a, 4), r, since=date(2026, 1, 10), ended_on=date(2026, 6, 1))                    # P3
    world.placement(p(a, 4), r, since=date(2026, 6, 1), confirmed_on=date(2026, 7, 1))                 # P4
    world.placement(p(a, 5, ocop=ReviewStatus.PENDING), r, since=date(2026, 2, 1))                                # P5
    world.placement(p(a, 3), r, since=date(2026, 2, 1))                                                # P6
    world.placement(p(a, 4), r, status=PlacementStatus.DECLINED)                                       # P7
    return world


def test_only_confirmed_placements_of_verified_four_and_five_star_products_count(shelves_world):
    figure = shelves_world.figures(AS_OF)["ocop_retail_share"]
    assert figure.value == 20.0
    assert figure.detail == {"in_retail": 1, "four_five_star": 5, "three_star_in_retail": 1}


def test_a_past_figure_is_not_rewritten_by_a_later_confirmation_or_end(shelves_world):
    # 2026-05-31: P1 on the shelf, P3 still on it (ended 1 June), P4 not yet: 2 of 5.
    assert shelves_world.figures(date(2026, 5, 31))["ocop_retail_share"].detail["in_retail"] == 2
    # 2026-07-01: P4 confirmed that day counts from then on; P1 too: 2 of 5.
    assert shelves_world.figures(date(2026, 7, 1))["ocop_retail_share"].detail["in_retail"] == 2
    # 2026-02-28: only P3 (since 10 January).
    assert shelves_world.figures(date(2026, 2, 28))["ocop_retail_share"].detail["in_retail"] == 1


def test_the_day_a_placement_ends_it_no_longer_counts(world):
    a, r = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.RETAIL_CHAIN)
    world.placement(world.product(a, 4), r, since=date(2026, 1, 10), ended_on=AS_OF)
    assert world.figures(AS_OF)["ocop_retail_share"].value == 0.0
    assert world.figures(date(2026, 6, 14))["ocop_retail_share"].value == 100.0


def test_the_dashboard_says_what_each_figure_counts(client, shelves_world):
    from tests.conftest import log_in

    log_in(client, shelves_world.department_staff())
    html = client.get(f"/dashboard/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    cards = {key: html.split(f'data-key="{key}"')[1].split("</li>")[0]
             for key in ("ocop_retail_share", "cert_gap_organic_zone_ha", "cert_planted_forest_ha", "cert_sfm_ha")}
    assert "chuỗi bán lẻ tự xác nhận" in cards["ocop_retail_share"]
    assert "Sản phẩm 3 sao trên quầy chuỗi: 1" in cards["ocop_retail_share"]
    for key in ("cert_gap_organic_zone_ha", "cert_planted_forest_ha", "cert_sfm_ha"):
        assert "Chỉ tính các vùng được Sở xác minh" in cards[key]
