"""The reporting tests' world: FiguresWorld (tests/factories.py) with a department and three commune offices,
and a movable clock for the reporting calendar (services/reporting.py reads `market.clock.today`)."""
from datetime import date

import pytest

from market import clock
from tests.factories import FiguresWorld


@pytest.fixture
def world(app):
    return FiguresWorld(app)


@pytest.fixture
def day(monkeypatch):
    """`day(date)` sets the reporting calendar's today (the figures' own rules keep the real date)."""
    def set_day(value: date) -> None:
        monkeypatch.setattr(clock, "today", lambda: value)
    return set_day


@pytest.fixture
def cast(world):
    """The department, and commune officers of Văn Quan, Chi Lăng and Bắc Sơn; a producer in Văn Quan in a
    chain with a processor of Chi Lăng."""
    a = world.org(name="HTX Hồi A", commune="Văn Quan")
    e = world.processor(name="Công ty E", commune="Chi Lăng")  # its facility verified: it counts for linkage
    contract = world.contract(e, a, activated=date(2026, 3, 2), crop="hoi", quantity=12_000, unit="tan")
    world.zone(a, 12.5, certificates=[("vietgap", date(2025, 6, 1), date(2027, 6, 1), "verified")])
    return {"department": world.department_staff(), "van_quan": world.commune_officer("Văn Quan"),
            "chi_lang": world.commune_officer("Chi Lăng"), "bac_son": world.commune_officer("Bắc Sơn"),
            "a": a, "e": e, "contract": contract}
