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

Rows by crop and the seller's commune, masses in tonnes (1 tấn = 10 tạ = 1,000 kg), summed over the contracts
activated by the date (C2 completed on 2026-03-03 stays: it was contracted and delivered; C5 was cancelled on
2026-03-06 and its delivery came after: nothing of it counts on the date; C6 not active, C7 active after it):
    hồi, Văn Quan:  contracted 1 + 0.5 + 3 = 4.5 t; value 95 000 000 + 45 000 000 + 270 000 000 = 410 000 000;
                    delivered 0.3 + 0.15 + 0.5 + 1.5 = 2.45 t;
                    value 300x95 000 + 150x95 000 + 500x90 000 + 1.5x90 000 000 = 222 750 000
    quế, Chi Lăng:  contracted 2 t; value 96 000 000; delivered 0.8 t; value 38 400 000"""
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


HOI = {"crop": "Hồi", "commune": "Văn Quan", "unit": "tan", "contracted": 4.5, "contracted_value": 410_000_000,
       "delivered": 2.45, "delivered_value": 222_750_000}
QUE = {"crop": "Quế", "commune": "Chi Lăng", "unit": "tan", "contracted": 2.0, "contracted_value": 96_000_000,
       "delivered": 0.8, "delivered_value": 38_400_000}
KEYS = tuple(HOI)


def volumes(world, **scope):
    with world.context():
        rows = targets.volumes(world.scope(**scope))
    return [{k: r[k] for k in KEYS} for r in sorted(rows, key=lambda r: (r["crop"], r["commune"], r["unit"]))]


def test_volumes_by_crop_and_commune_in_tonnes(world, contracts):
    assert volumes(world) == [HOI, QUE]
    figures = world.figures()
    assert (figures["volume_contracted_t"].value, figures["volume_delivered_t"].value) == (6.5, 3.25)
    assert figures["volume_contracted_t"].detail["value"] == 506_000_000
    assert "1.000 kg" in figures["volume_contracted_t"].basis or "1,000 kg" in figures["volume_contracted_t"].basis


def test_volumes_by_commune_and_crop(world, contracts):
    assert volumes(world, commune="Chi Lăng") == [QUE]
    assert volumes(world, commune="Văn Quan") == [HOI]
    assert volumes(world, commune="Đông Kinh") == []  # the buyer's commune does not count: the seller's does
    assert volumes(world, crop="que") == [QUE]
    assert volumes(world, crop="hoi", commune="Chi Lăng") == []


def test_volumes_on_other_dates(world, contracts):
    # 2026-06-16: C1's 50 kg of that day is confirmed: 2.5 t delivered, worth 222 750 000 + 4 750 000.
    assert volumes(world, as_of=date(2026, 6, 16))[0] == {**HOI, "delivered": 2.5, "delivered_value": 227_500_000}
    # 2026-06-20: C7 is active too (nothing delivered): quế gets 0.9 t more under contract.
    assert volumes(world, as_of=date(2026, 6, 20))[1] == {**QUE, "contracted": 2.9, "contracted_value": 139_200_000}
    # 2026-03-05: C1, C2 and C5 (cancelled the next day: on the 5th it was a contract) are active:
    # 1 + 0.5 + 0.7 = 2.2 t, value 95 000 000 + 45 000 000 + 66 500 000; delivered C2's 0.5 t.
    assert volumes(world, as_of=date(2026, 3, 5)) == [{**HOI, "contracted": 2.2, "contracted_value": 206_500_000,
                                                       "delivered": 0.5, "delivered_value": 45_000_000}]


def test_a_past_volume_is_unchanged_by_a_later_cancellation(world, contracts):
    before = volumes(world, as_of=date(2026, 6, 15))
    from datetime import UTC, datetime

    from market.models import Contract

    with world.context():
        import sqlalchemy as sa

        from market.extensions import db

        c1 = db.session.scalar(sa.select(Contract.id).where(Contract.state == ContractState.ACTIVE)
                               .order_by(Contract.activated_at))
    world.change(Contract, c1, state=ContractState.CANCELLED, cancelled_at=datetime(2026, 7, 1, 3, tzinfo=UTC))
    assert volumes(world, as_of=date(2026, 6, 15)) == before
    # From 2026-07-01 C1 contracts nothing more; what it delivered before (0.45 t) stays.
    after = volumes(world, as_of=date(2026, 7, 1))[0]
    assert (after["contracted"], after["delivered"]) == (3.5, 2.5)


def test_mixed_units_are_converted_and_litres_kept_apart(world):
    a, e = world.org(commune="Văn Quan"), world.org(OrgKind.ENTERPRISE)
    c = world.contract
    c(e, a, quantity=20, unit="ta", price=9_000_000, deliveries=[(5, date(2026, 4, 1), CONFIRMED)])   # 2 t, 0.5 t
    c(e, a, quantity=1500, unit="kg", price=95_000, deliveries=[(500, date(2026, 4, 1), CONFIRMED)])  # 1.5 t, 0.5 t
    c(e, a, quantity=2, unit="tan", price=90_000_000)                                                # 2 t
    c(e, a, quantity=300, unit="lit", price=1_200_000, deliveries=[(100, date(2026, 4, 2), CONFIRMED)])
    with world.context():
        rows = {r["unit"]: r for r in targets.volumes(world.scope())}
    assert (rows["tan"]["contracted"], rows["tan"]["delivered"]) == (5.5, 1.0)
    assert sorted(rows["tan"]["original_units"]) == ["kg", "ta", "tan"]
    assert (rows["lit"]["contracted"], rows["lit"]["delivered"]) == (300.0, 100.0)
    figures = world.figures()
    assert figures["volume_contracted_t"].value == 5.5
    assert figures["volume_contracted_t"].detail["other_units"] == {"lit": 300.0}
    assert figures["volume_delivered_t"].detail["other_units"] == {"lit": 100.0}


def test_linkage_chain_rows_count_confirmed_deliveries_up_to_the_date(world, contracts):
    with world.context():
        rows = targets.linkage_chains(world.scope())["chains"]
    # C2 completed on 2026-03-03: no longer a running chain on the date.
    assert sorted((r["crop"], r["unit"], r["contracted"], r["delivered"], r["state"]) for r in rows) == [
        ("Hồi", "kg", 1000.0, 450.0, "active"), ("Hồi", "tan", 3.0, 1.5, "active"),
        ("Quế", "kg", 2000.0, 800.0, "disputed")]


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
