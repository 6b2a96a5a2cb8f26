"""Certified area (cert_*_ha) and verified zone area by crop (targets.area_by_crop), by hand on
AS_OF = 2026-06-15. Zones are registered on 2026-01-05 unless said otherwise; every certificate is verified
unless said otherwise. "gap" is the GAP/organic/planting-area-code group (vietgap, globalgap, organic,
planting_area_code).

    zone  crop       commune      ha     status    certificates                                   gap    forest  sfm
    Z1    hồi        Văn Quan     10     verified  vietgap valid + organic valid                  10     -       -
    Z2    hồi        Văn Quan     20     verified  vietgap expired 2026-06-14                     -      -       -
    Z3    quế        Chi Lăng     5.5    verified  planting_area_code expiring ON 2026-06-15      5.5    -       -
    Z4    hồi        Văn Quan     7      verified  vietgap valid but pending                      -      -       -
    Z5    hồi        Văn Quan     8      recalled  vietgap valid                                  -      -       -
    Z6    thông (F)  Đình Lập     100    verified  forest_code valid + sfm valid                  -      100     100
    Z7    thông (F)  Đình Lập     50     verified  forest_code valid, sfm expired 2026-06-14      -      50      -
    Z8    keo (F)    Văn Quan     30.25  verified  sfm valid                                      -      -       30.25
    Z9    hồi        Văn Quan     4      verified  vietgap issued 2026-06-16                      -      -       -
    Z10   hồi        Văn Quan     3      verified  geographical_indication (no expiry)            -      -       -
    Z11   hồi        Văn Quan     2      verified  vietgap valid, zone registered 2026-06-20      2      -       -
    Z12   na         Chi Lăng     6      verified  planting_area_code expired 2026-06-14          -      -       -
    Z13   mắc ca     Lộc Bình     22     pending   -                                              -      -       -
    Z14   hồi        Văn Quan     1.25   verified  globalgap + planting_area_code + vietgap       1.25   -       -
                                                   (three of the group: its area once)
    totals                                                                                        18.75  150     130.25
(F: planted forest. Z11 was registered after the date, but its certificate was issued on 2025-06-01:
a zone counts from its real start, the earliest issue day of its verified certificates.)"""
from datetime import UTC, date, datetime

import pytest

from market.models import ReviewStatus, ZoneKind
from market.services import targets

V = ReviewStatus.VERIFIED
VALID = (date(2025, 6, 1), date(2027, 6, 1))

pytestmark = pytest.mark.figures


@pytest.fixture
def zones(world):
    a = world.org()
    b = world.org(commune="Chi Lăng")
    g = world.org("farmer_group", commune="Đình Lập")
    z = world.zone
    forest = ZoneKind.PLANTED_FOREST
    z(a, 10, certificates=[("vietgap", *VALID, V), ("organic", *VALID, V)])                             # Z1
    z(a, 20, certificates=[("vietgap", date(2024, 6, 1), date(2026, 6, 14), V)])                        # Z2
    z(b, 5.5, crop="que", commune="Chi Lăng",
      certificates=[("planting_area_code", date(2025, 6, 1), date(2026, 6, 15), V)])                    # Z3
    z(a, 7, certificates=[("vietgap", *VALID, ReviewStatus.PENDING)])                                   # Z4
    z(a, 8, status=ReviewStatus.RECALLED, certificates=[("vietgap", *VALID, V)])                        # Z5
    z(g, 100, crop="thong", commune="Đình Lập", kind=forest,
      certificates=[("forest_code", *VALID, V), ("sfm", *VALID, V)])                                    # Z6
    z(g, 50, crop="thong", commune="Đình Lập", kind=forest,
      certificates=[("forest_code", *VALID, V), ("sfm", date(2024, 6, 1), date(2026, 6, 14), V)])       # Z7
    z(a, 30.25, crop="keo", kind=forest, certificates=[("sfm", *VALID, V)])                             # Z8
    z(a, 4, certificates=[("vietgap", date(2026, 6, 16), date(2028, 6, 16), V)])                        # Z9
    z(a, 3, certificates=[("geographical_indication", date(2020, 1, 1), None, V)])                      # Z10
    z(a, 2, created_at=datetime(2026, 6, 20, 3, tzinfo=UTC),
      certificates=[("vietgap", *VALID, V)])                                                            # Z11
    z(b, 6, crop="na", commune="Chi Lăng",
      certificates=[("planting_area_code", date(2024, 6, 1), date(2026, 6, 14), V)])                    # Z12
    z(world.org(commune="Lộc Bình"), 22, crop="mac_ca", commune="Lộc Bình", status=ReviewStatus.PENDING)  # Z13
    z(a, 1.25, certificates=[("globalgap", *VALID, V), ("planting_area_code", *VALID, V),
                             ("vietgap", *VALID, V)])                                                   # Z14


AREA_KEYS = ("cert_gap_organic_zone_ha", "cert_planted_forest_ha", "cert_sfm_ha")


def areas(world, **scope):
    values = world.values(**scope)
    return tuple(values[k] for k in AREA_KEYS)


def test_certified_area_by_group(world, zones):
    assert areas(world) == (18.75, 150.0, 130.25)
    figures = world.figures()
    assert [(figures[k].section, figures[k].goal, figures[k].unit) for k in AREA_KEYS] == [
        ("certification", 2000, "ha"), ("certification", 5000, "ha"), ("certification", 20000, "ha")]


def test_certified_area_on_other_dates(world, zones):
    # 2026-06-14: Z2's vietgap, Z12's code and Z7's sfm expire that day (still valid), Z3 too; Z9 not yet.
    # gap: Z1 10 + Z2 20 + Z3 5.5 + Z11 2 + Z12 6 + Z14 1.25 = 44.75; forest 150; sfm: Z6 100 + Z7 50 + Z8 30.25.
    assert areas(world, as_of=date(2026, 6, 14)) == (44.75, 150.0, 180.25)
    # 2026-06-16: Z3's code expired, Z9's vietgap issued: Z1 10 + Z9 4 + Z11 2 + Z14 1.25 = 17.25.
    assert areas(world, as_of=date(2026, 6, 16)) == (17.25, 150.0, 130.25)
    assert areas(world, as_of=date(2026, 6, 20)) == (17.25, 150.0, 130.25)


def test_commune_and_crop_filters(world, zones):
    assert areas(world, commune="Văn Quan") == (13.25, 0.0, 30.25)     # Z1 Z11 Z14 | - | Z8
    assert areas(world, commune="Chi Lăng") == (5.5, 0.0, 0.0)         # Z3
    assert areas(world, commune="Đình Lập") == (0.0, 150.0, 100.0)     # Z6 Z7 | Z6
    assert areas(world, crop="hoi") == (13.25, 0.0, 0.0)               # Z1 Z11 Z14
    assert areas(world, crop="que") == (5.5, 0.0, 0.0)                 # Z3
    assert areas(world, crop="thong") == (0.0, 150.0, 100.0)
    assert areas(world, crop="keo") == (0.0, 0.0, 30.25)
    assert areas(world, commune="Chi Lăng", crop="hoi") == (0.0, 0.0, 0.0)
    assert areas(world, commune="Văn Quan", crop="keo") == (0.0, 0.0, 30.25)


def test_area_by_crop(world, zones):
    # Verified zones registered by the date whose code (planting-area or forest) is not expired:
    # hồi Z1 10 + Z2 20 + Z4 7 + Z9 4 + Z10 3 + Z11 2 + Z14 1.25 = 47.25 (Z5 recalled; Z11 from its certificate);
    # quế Z3 5.5 (its code expires on the day: still valid); thông Z6 100 + Z7 50 = 150; keo Z8 30.25;
    # na: Z12's code expired -> 0; mắc ca: Z13 pending -> 0.
    with world.context():
        rows = targets.area_by_crop(world.scope())
        by_crop = {r["key"]: r["value"] for r in rows}
        hoi = next(r for r in rows if r["key"] == "hoi")
        na_only = targets.area_by_crop(world.scope(crop="na"))
        chi_lang = {r["key"]: r["value"] for r in targets.area_by_crop(world.scope(commune="Chi Lăng"))}
        later = {r["key"]: r["value"] for r in targets.area_by_crop(world.scope(as_of=date(2026, 6, 16)))}
    assert by_crop == {"thong": 150.0, "hoi": 47.25, "keo": 30.25, "que": 5.5, "mac_ca": 0.0, "na": 0.0,
                       "duoc_lieu": 0.0, "quyt": 0.0, "hong": 0.0, "thach_den": 0.0, "de": 0.0, "dua": 0.0}
    assert "hoang_dan" not in by_crop  # not a tradable crop
    goals = [r["goal_min"] for r in rows]
    assert goals == sorted(goals, reverse=True)  # largest plan first
    assert (hoi["name_vi"], hoi["name_en"], hoi["goal_min"], hoi["goal_max"]) == ("Hồi", "Star anise", 55000, 56000)
    assert [(r["key"], r["value"]) for r in na_only] == [("na", 0.0)]
    assert (chi_lang["que"], chi_lang["na"], chi_lang["hoi"]) == (5.5, 0.0, 0.0)
    assert (later["que"], later["hoi"]) == (0.0, 47.25)  # Z3's code expired on the 15th
