"""OCOP figures, worked out by hand on AS_OF = 2026-06-15 (90 days later is 2026-09-13).

    product  stars  certificate                 retail chains   valid on 15 June?
    P1       4      2025-06-01 .. 2027-06-01    R               yes
    P2       5      2026-01-10 .. 2028-01-01    R               yes
    P3       4      2025-06-01 .. 2026-08-01    -               yes, expires within 90 days
    P4       3      2025-06-01 .. 2026-06-15    -               yes: the expiry day counts; within 90 days
    P5       4      2024-06-01 .. 2026-06-14    R               no: expired the day before
    P6       5      2026-06-16 .. 2029-06-16    R               no: issued the day after
    P7       3      2026-06-15 .. 2029-06-15    -               yes: the issue day counts
    P8       5      2025-06-01 .. 2028-06-01    R               no: its producer U is not verified
    P9       4      2025-06-01 .. 2028-06-01    R and R2        yes (in retail once, though in two chains)
    P10      3      2025-06-01 .. 2026-09-13    -               yes, expires on day 90: within 90 days
    P11      3      2025-06-01 .. 2026-09-14    -               yes, day 91: not within 90 days

    valid: P1 P2 P3 P4 P7 P9 P10 P11 = 8; four stars P1 P3 P9 = 3; five stars P2 = 1
    valid 4-5 star: P1 P2 P3 P9 = 4, of which in a retail chain P1 P2 P9 = 3 -> 75.0 %
    expiring within 90 days: P3 P4 P10 = 3
All in cooperative A (Văn Quan) except P8 (U, pending) and P11 (B, Chi Lăng, crop quýt)."""
from datetime import date

import pytest

from market.models import OrgKind, OrgStatus
from tests.factories import AS_OF

pytestmark = pytest.mark.figures


@pytest.fixture
def ocop(world):
    a = world.org(OrgKind.COOPERATIVE, commune="Văn Quan")
    b = world.org(OrgKind.COOPERATIVE, commune="Chi Lăng")
    u = world.org(OrgKind.COOPERATIVE, status=OrgStatus.PENDING, commune="Văn Quan")
    r, r2 = world.org(OrgKind.RETAIL_CHAIN), world.org(OrgKind.RETAIL_CHAIN)
    p = world.product
    p(a, 4, issued_on=date(2025, 6, 1), expires_on=date(2027, 6, 1), retailers=[r], crop="hoi")       # P1
    p(a, 5, issued_on=date(2026, 1, 10), expires_on=date(2028, 1, 1), retailers=[r], crop="hoi")      # P2
    p(a, 4, issued_on=date(2025, 6, 1), expires_on=date(2026, 8, 1), crop="que")                      # P3
    p(a, 3, issued_on=date(2025, 6, 1), expires_on=date(2026, 6, 15))                                 # P4
    p(a, 4, issued_on=date(2024, 6, 1), expires_on=date(2026, 6, 14), retailers=[r])                  # P5
    p(a, 5, issued_on=date(2026, 6, 16), expires_on=date(2029, 6, 16), retailers=[r])                 # P6
    p(a, 3, issued_on=date(2026, 6, 15), expires_on=date(2029, 6, 15))                                # P7
    p(u, 5, issued_on=date(2025, 6, 1), expires_on=date(2028, 6, 1), retailers=[r])                   # P8
    p(a, 4, issued_on=date(2025, 6, 1), expires_on=date(2028, 6, 1), retailers=[r, r2], crop="hoi")   # P9
    p(a, 3, issued_on=date(2025, 6, 1), expires_on=date(2026, 9, 13))                                 # P10
    p(b, 3, issued_on=date(2025, 6, 1), expires_on=date(2026, 9, 14), crop="quyt")                    # P11


OCOP_KEYS = ("ocop_valid", "ocop_four_star", "ocop_five_star", "ocop_retail_share", "ocop_expiring_90_days")


def ocop_values(world, **scope):
    values = world.values(**scope)
    return tuple(values[k] for k in OCOP_KEYS)


def test_every_ocop_figure_on_the_date(world, ocop):
    figures = world.figures()
    assert ocop_values(world) == (8, 3, 1, 75.0, 3)
    assert figures["ocop_retail_share"].detail == {"in_retail": 3, "four_five_star": 4, "three_star_in_retail": 0}
    assert figures["ocop_retail_share"].unit == "%"
    assert figures["ocop_valid"].goal == 200 and figures["ocop_four_star"].goal == 20
    assert figures["ocop_five_star"].goal == 1 and figures["ocop_retail_share"].goal == 100
    expiring = figures["ocop_expiring_90_days"]
    assert (expiring.section, expiring.goal, expiring.unit) == ("ocop", None, "product")
    assert expiring.label == world.gettext("OCOP certificates expiring in the next 90 days", "vi")
    assert world.figures(locale="en")["ocop_expiring_90_days"].label == (
        "OCOP certificates expiring in the next 90 days")


def test_the_figures_move_with_the_date(world, ocop):
    # 2026-06-14: P4 P5 valid, P7 not yet -> P1 P2 P3 P4 P5 P9 P10 P11 = 8; four stars P1 P3 P5 P9 = 4;
    # valid 4-5 star P1 P2 P3 P5 P9 = 5, in retail P1 P2 P5 P9 = 4 -> 80.0 %; expiring by 2026-09-12: P3 P4 P5 = 3.
    assert ocop_values(world, as_of=AS_OF.replace(day=14)) == (8, 4, 1, 80.0, 3)
    # 2026-06-16: P4 expired, P6 issued -> P1 P2 P3 P6 P7 P9 P10 P11 = 8; five stars P2 P6 = 2;
    # valid 4-5 star P1 P2 P3 P6 P9 = 5, in retail P1 P2 P6 P9 = 4 -> 80.0 %; by 2026-09-14: P3 P10 P11 = 3.
    assert ocop_values(world, as_of=AS_OF.replace(day=16)) == (8, 3, 2, 80.0, 3)


def test_commune_and_crop_scopes(world, ocop):
    # Văn Quan (A's products, U is not verified): P1 P2 P3 P4 P7 P9 P10 = 7; 4-5 star 4, in retail 3;
    # expiring P3 P4 P10.
    assert ocop_values(world, commune="Văn Quan") == (7, 3, 1, 75.0, 3)
    # Chi Lăng: P11 only, a 3-star product: no 4-5 star product, so the share is 0 (not a division error).
    assert ocop_values(world, commune="Chi Lăng") == (1, 0, 0, 0.0, 0)
    # Crop hồi: P1 P2 P9, all 4-5 star and in retail.
    assert ocop_values(world, crop="hoi") == (3, 2, 1, 100.0, 0)
    # Crop quế: P3, 4 stars, not in retail, expiring.
    assert ocop_values(world, crop="que") == (1, 1, 0, 0.0, 1)


def test_retail_share_two_of_three(world):
    a, r = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.RETAIL_CHAIN)
    world.product(a, 4, retailers=[r])
    world.product(a, 5, retailers=[r])
    world.product(a, 4)
    world.product(a, 3, retailers=[r])  # 3 stars: not part of the share, though in a retail chain
    figure = world.figures()["ocop_retail_share"]
    assert figure.value == 66.7  # round(100 * 2 / 3, 1)
    assert figure.detail == {"in_retail": 2, "four_five_star": 3, "three_star_in_retail": 1}


def test_no_four_or_five_star_product_gives_a_zero_share(world):
    a, r = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.RETAIL_CHAIN)
    world.product(a, 3, retailers=[r])
    world.product(a, 4, expires_on=date(2026, 6, 1), retailers=[r])  # expired
    figure = world.figures()["ocop_retail_share"]
    assert (figure.value, figure.detail) == (0.0, {"in_retail": 0, "four_five_star": 0, "three_star_in_retail": 1})
    assert figure.progress == 0.0


def test_an_empty_market_has_zero_everywhere(world):
    values = world.values()
    assert all(v == 0 for v in values.values())
    core = ["linkage_orgs", "ocop_valid", "ocop_four_star", "ocop_five_star", "ocop_retail_share",
            "ocop_expiring_90_days", "ocop_tourist_shops", "cert_gap_organic_zone_ha", "cert_planted_forest_ha",
            "cert_sfm_ha", "organic_hoi_ha", "contracts_coded_zones_pct", "volume_contracted_t", "volume_delivered_t"]
    assert set(core) <= set(values)
    assert {"processors_hoi", "processors_keo", "processors_que"} <= set(values)
    # One verified-zone-area figure per crop the plan gives an area for (hoàng đàn is conservation, not a crop).
    assert sorted(k for k in values if k.startswith("zone_area_")) == sorted(
        f"zone_area_{k}" for k in ("thong", "hoi", "keo", "que", "mac_ca", "na", "quyt", "hong", "thach_den",
                                   "de", "dua", "duoc_lieu"))
