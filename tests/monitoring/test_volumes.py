"""Contracted and delivered volume and value (targets.volumes) and the report date (targets.check_as_of),
worked out by hand on AS_OF = 2026-06-15.

    contract  buyer<-seller   crop  state      active since  terms                 deliveries (quantity, day, status)
    C1        E <- A (VQ)     hồi   active     2026-03-02    1000 kg x 95 000      300 04-01 confirmed, 200 05-01
                                                                                   recorded, 100 05-10 disputed,
                                                                                   150 06-15 confirmed, 50 06-16
                                                                                   confirmed (after the date)
    C2        E <- A (VQ)     hồi   completed  2026-02-01    500 kg x 90 000       500 03-01 confirmed
    C3        E <- A (VQ)     hồi   active     2026-03-10    3 tan x 90 000 000    1.5 04-10 confirmed
    C4        E <- B (CL)     quế   disputed   2026-05-01    2000 kg x 48 000      800 05-20 confirmed
    C5        E <- A (VQ)     hồi   cancelled  2026-03-01    700 kg x 95 000       100 03-20 confirmed
    C6        E <- A (VQ)     hồi   signed     -             400 kg x 95 000       -
    C7        E <- B (CL)     quế   active     2026-06-20    900 kg x 48 000       -

Rows by crop, the seller's commune and unit (C5 cancelled, C6 not active, C7 active after the date):
    hồi, Văn Quan, kg:  contracted 1000 + 500 = 1500; value 95 000 000 + 45 000 000 = 140 000 000;
                        delivered 300 + 150 + 500 = 950; value 300x95 000 + 150x95 000 + 500x90 000 = 87 750 000
    hồi, Văn Quan, tan: contracted 3; value 270 000 000; delivered 1.5; value 135 000 000
    quế, Chi Lăng, kg:  contracted 2000; value 96 000 000; delivered 800; value 38 400 000"""
from datetime import date, timedelta

import pytest

from market.clock import today
from market.models import ContractState, OrgKind
from market.services import targets
from market.services.errors import ValidationFailed

# Both engines: the figures are computed in SQL (sums, dates).
pytestmark = pytest.mark.both_engines

CONFIRMED, RECORDED, DISPUTED = "confirmed", "recorded", "disputed"


@pytest.fixture
def contracts(world):
    a, b = world.org(commune="Văn Quan"), world.org(commune="Chi Lăng")
    e = world.org(OrgKind.ENTERPRISE, commune="Đông Kinh")
    c = world.contract
    c(e, a, ContractState.ACTIVE, activated=date(2026, 3, 2), quantity=1000, price=95_000, deliveries=[
        (300, date(2026, 4, 1), CONFIRMED), (200, date(2026, 5, 1), RECORDED), (100, date(2026, 5, 10), DISPUTED),
        (150, date(2026, 6, 15), CONFIRMED), (50, date(2026, 6, 16), CONFIRMED)])
    c(e, a, ContractState.COMPLETED, activated=date(2026, 2, 1), quantity=500, price=90_000,
      deliveries=[(500, date(2026, 3, 1), CONFIRMED)])
    c(e, a, ContractState.ACTIVE, activated=date(2026, 3, 10), quantity=3, unit="tan", price=90_000_000,
      deliveries=[(1.5, date(2026, 4, 10), CONFIRMED)])
    c(e, b, ContractState.DISPUTED, activated=date(2026, 5, 1), crop="que", quantity=2000, price=48_000,
      deliveries=[(800, date(2026, 5, 20), CONFIRMED)])
    c(e, a, ContractState.CANCELLED, activated=date(2026, 3, 1), quantity=700, price=95_000,
      deliveries=[(100, date(2026, 3, 20), CONFIRMED)])
    c(e, a, ContractState.SIGNED, activated=date(2026, 3, 1), quantity=400, price=95_000)
    c(e, b, ContractState.ACTIVE, activated=date(2026, 6, 20), crop="que", quantity=900, price=48_000)


HOI_KG = {"crop": "Hồi", "commune": "Văn Quan", "unit": "kg", "contracted": 1500.0, "contracted_value": 140_000_000,
          "delivered": 950.0, "delivered_value": 87_750_000}
HOI_TAN = {"crop": "Hồi", "commune": "Văn Quan", "unit": "tan", "contracted": 3.0, "contracted_value": 270_000_000,
           "delivered": 1.5, "delivered_value": 135_000_000}
QUE_KG = {"crop": "Quế", "commune": "Chi Lăng", "unit": "kg", "contracted": 2000.0, "contracted_value": 96_000_000,
          "delivered": 800.0, "delivered_value": 38_400_000}


def volumes(world, **scope):
    with world.context():
        rows = targets.volumes(world.scope(**scope))
    return sorted(rows, key=lambda r: (r["crop"], r["commune"], r["unit"]))


def test_volumes_by_crop_commune_and_unit(world, contracts):
    assert volumes(world) == [HOI_KG, HOI_TAN, QUE_KG]


def test_volumes_by_commune_and_crop(world, contracts):
    assert volumes(world, commune="Chi Lăng") == [QUE_KG]
    assert volumes(world, commune="Văn Quan") == [HOI_KG, HOI_TAN]
    assert volumes(world, commune="Đông Kinh") == []  # the buyer's commune does not count: the seller's does
    assert volumes(world, crop="que") == [QUE_KG]
    assert volumes(world, crop="hoi", commune="Chi Lăng") == []


def test_volumes_on_other_dates(world, contracts):
    # 2026-06-16: C1's 50 kg of that day is confirmed: 1000 kg delivered, worth 87 750 000 + 4 750 000.
    assert volumes(world, as_of=date(2026, 6, 16))[0] == {**HOI_KG, "delivered": 1000.0,
                                                          "delivered_value": 92_500_000}
    # 2026-06-20: C7 is active too (nothing delivered): quế gets 900 kg more under contract.
    assert volumes(world, as_of=date(2026, 6, 20))[2] == {**QUE_KG, "delivered": 800.0, "contracted": 2900.0,
                                                          "contracted_value": 139_200_000}
    # 2026-03-05: only C2 (delivered 500 on 03-01) and C1 (nothing delivered yet): hồi kg 1500, delivered 500.
    assert volumes(world, as_of=date(2026, 3, 5)) == [{**HOI_KG, "delivered": 500.0, "delivered_value": 45_000_000}]


def test_linkage_chain_rows_count_confirmed_deliveries_up_to_the_date(world, contracts):
    with world.context():
        rows = targets.linkage_chains(world.scope())["chains"]
    assert sorted((r["crop"], r["unit"], r["contracted"], r["delivered"], r["state"]) for r in rows) == [
        ("Hồi", "kg", 500.0, 500.0, "completed"), ("Hồi", "kg", 1000.0, 450.0, "active"),
        ("Hồi", "tan", 3.0, 1.5, "active"), ("Quế", "kg", 2000.0, 800.0, "disputed")]


# --- the report date ---------------------------------------------------------------------------------

@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 6, 15), "today"])
def test_a_date_from_the_start_of_the_plan_to_today_is_accepted(world, day):
    day = today() if day == "today" else day
    with world.context():
        assert targets.check_as_of(day) == day


def test_no_date_means_today(world):
    with world.context():
        assert targets.check_as_of(None) == today()


@pytest.mark.parametrize("day", ["tomorrow", date(2031, 1, 1), date(2025, 12, 31), date(2020, 1, 1)])
def test_a_future_date_or_one_before_the_plan_is_refused(world, day):
    day = today() + timedelta(days=1) if day == "tomorrow" else day
    with world.context():
        with pytest.raises(ValidationFailed) as caught:
            targets.check_as_of(day)
    assert list(caught.value.errors) == ["as_of"]
    message = caught.value.errors["as_of"][0]
    expected = "The date cannot be in the future." if day > today() else \
        "The plan starts on 1 January 2026: choose that date or a later one."
    assert message == world.gettext(expected)
