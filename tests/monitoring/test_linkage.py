"""Linkage chains (targets.linkage_chains, figure "linkage_orgs"), worked out by hand on AS_OF = 2026-06-15.

The base world, in every test:
    A  cooperative, verified, Văn Quan
    E1 enterprise,  verified, Đông Kinh   -- C1: E1 buys from A, hồi, active since 2026-03-02
    E2 enterprise,  verified, Chi Lăng    -- C2: E2 buys from A, quế, active since 2026-04-01
    -> contracted {A, E1, E2}: A once although it has two contracts, each enterprise once: 3.
Each test adds one thing and says what it changes."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import ContractState, DeclaredChain, OrgKind, OrgStatus, Upload, User
from market.services import chains, targets
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import AS_OF, DAY, pdf


@pytest.fixture
def base(world):
    a = world.org(OrgKind.COOPERATIVE, commune="Văn Quan", name="HTX Hồi A")
    e1 = world.org(OrgKind.ENTERPRISE, commune="Đông Kinh", name="Công ty E1")
    e2 = world.org(OrgKind.ENTERPRISE, commune="Chi Lăng", name="Công ty E2")
    c1 = world.contract(e1, a, ContractState.ACTIVE, activated=date(2026, 3, 2), crop="hoi")
    c2 = world.contract(e2, a, ContractState.ACTIVE, activated=date(2026, 4, 1), crop="que")
    return {"a": a, "e1": e1, "e2": e2, "c1": c1, "c2": c2}


def linkage(world, **scope):
    figure = world.figures(**scope)["linkage_orgs"]
    return figure.value, figure.detail


@pytest.mark.figures
def test_a_cooperative_with_two_contracts_counts_once_and_each_enterprise_once(world, base):
    assert linkage(world) == (3, {"contracted": 3, "declared": 0})
    with world.context():
        result = targets.linkage_chains(world.scope())
    assert [o["name"] for o in result["contracted"]] == ["Công ty E1", "Công ty E2", "HTX Hồi A"]
    by_name = {o["name"]: o["contracts"] for o in result["contracted"]}
    c1, c2 = world.reference(base["c1"]), world.reference(base["c2"])
    assert by_name == {"HTX Hồi A": [c1, c2], "Công ty E1": [c1], "Công ty E2": [c2]}
    assert result["declared"] == []
    assert len(result["chains"]) == 2


@pytest.mark.figures
def test_the_figure_carries_its_goal_unit_and_date(world, base):
    figure = world.figures()["linkage_orgs"]
    # plan.json: 30 processing enterprises and cooperatives by 2030.
    assert (figure.section, figure.goal, figure.goal_max, figure.unit, figure.as_of) == (
        "linkage", 30, 30, "org", "2026-06-15")
    assert figure.label == "Doanh nghiệp, HTX chế biến tham gia chuỗi liên kết sản xuất - tiêu thụ"
    assert world.figures(locale="en")["linkage_orgs"].label == (
        "Processing enterprises and cooperatives in production-consumption linkage chains")
    assert figure.progress == pytest.approx(3 / 30)


@pytest.mark.figures
def test_a_cancelled_contract_adds_nobody(world, base):
    # B and E3 were linked from 2026-03-01, but the contract was cancelled: it never counts, not even for the
    # days it was active.
    b, e3 = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.ENTERPRISE)
    world.contract(e3, b, ContractState.CANCELLED, activated=date(2026, 3, 1))
    assert linkage(world) == (3, {"contracted": 3, "declared": 0})
    assert linkage(world, as_of=date(2026, 3, 3))[0] == 2  # C2 is not active yet: A and E1


@pytest.mark.figures
def test_a_signed_contract_not_yet_active_adds_nobody(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.ENTERPRISE)
    world.contract(e3, b, ContractState.SIGNED, activated=date(2026, 3, 1))  # signed 2026-02-28, never activated
    for state in (ContractState.DRAFT, ContractState.PROPOSED):
        world.contract(e3, b, state, activated=None)
    assert linkage(world)[0] == 3


@pytest.mark.figures
@pytest.mark.parametrize("state", [ContractState.COMPLETED, ContractState.DISPUTED])
def test_completed_and_disputed_contracts_count(world, base, state):
    # B and E3 join: 3 + 2 = 5.
    b, e3 = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.ENTERPRISE)
    world.contract(e3, b, state, activated=date(2026, 2, 10))
    assert linkage(world) == (5, {"contracted": 5, "declared": 0})


@pytest.mark.figures
def test_a_contract_activated_after_the_date_does_not_count_on_it(world, base):
    # C3: E3 buys from B, active since 2026-06-16 (10:00 in Lạng Sơn).
    b, e3 = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.ENTERPRISE)
    world.contract(e3, b, ContractState.ACTIVE, activated=AS_OF + DAY)
    assert linkage(world, as_of=AS_OF)[0] == 3
    assert linkage(world, as_of=AS_OF + DAY)[0] == 5  # the day it became active counts
    # And earlier in the year: on 2026-03-15 only C1 (A, E1) was active.
    assert linkage(world, as_of=date(2026, 3, 15))[0] == 2
    assert linkage(world, as_of=date(2026, 3, 1))[0] == 0


@pytest.mark.figures
def test_a_contract_activated_on_the_date_counts(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.ENTERPRISE)
    world.contract(e3, b, ContractState.ACTIVE, activated=datetime(2026, 6, 15, 16, 59, tzinfo=UTC))
    # 16:59 UTC is 23:59 in Lạng Sơn on 2026-06-15: active on the date.
    assert linkage(world)[0] == 5


def test_the_activation_day_is_the_day_in_lang_son_not_in_utc(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.ENTERPRISE)
    # 2026-06-15 19:00 UTC = 2026-06-16 02:00 in Lạng Sơn: not active yet on 15 June.
    world.contract(e3, b, ContractState.ACTIVE, activated=datetime(2026, 6, 15, 19, 0, tzinfo=UTC))
    assert linkage(world, as_of=AS_OF + DAY)[0] == 5
    assert linkage(world, as_of=AS_OF)[0] == 3


@pytest.mark.figures
def test_an_unverified_organisation_never_counts(world, base):
    # A (already counted) contracts with a pending enterprise; a rejected cooperative contracts with E1 (already
    # counted): the verified parties are counted once as before, the unverified ones never.
    pending = world.org(OrgKind.ENTERPRISE, status=OrgStatus.PENDING)
    rejected = world.org(OrgKind.COOPERATIVE, status=OrgStatus.REJECTED)
    world.contract(pending, base["a"], ContractState.ACTIVE)
    world.contract(base["e1"], rejected, ContractState.COMPLETED)
    assert linkage(world) == (3, {"contracted": 3, "declared": 0})


@pytest.mark.figures
def test_retail_chains_and_shops_are_buyers_not_processors(world, base):
    # R (retail chain) buys from B, S (tourist shop) buys from G (farmer group): B and G count, R and S do not.
    b, g = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.FARMER_GROUP)
    r, s = world.org(OrgKind.RETAIL_CHAIN), world.org(OrgKind.TOURIST_SHOP)
    world.contract(r, b, ContractState.ACTIVE)
    world.contract(s, g, ContractState.ACTIVE)
    assert linkage(world)[0] == 5
    with world.context():
        counted = {o["id"] for o in targets.linkage_chains(world.scope())["contracted"]}
    assert counted == {base["a"], base["e1"], base["e2"], b, g}


@pytest.mark.figures
def test_commune_and_crop_scopes(world, base):
    # Văn Quan: only A (E1 is in Đông Kinh, E2 in Chi Lăng). Chi Lăng: E2. Crop hồi: C1 only -> A, E1.
    assert linkage(world, commune="Văn Quan")[0] == 1
    assert linkage(world, commune="Chi Lăng")[0] == 1
    assert linkage(world, commune="Bắc Sơn")[0] == 0
    assert linkage(world, crop="hoi")[0] == 2
    assert linkage(world, crop="que")[0] == 2  # C2: A, E2
    assert linkage(world, crop="na")[0] == 0
    assert linkage(world, commune="Chi Lăng", crop="hoi")[0] == 0


# --- declared chains ------------------------------------------------------------------------------

@pytest.mark.figures
def test_a_declared_chain_counts_apart_from_contracted_ones(world, base, upload_dir):
    staff = world.department_staff()
    e4 = world.org(OrgKind.ENTERPRISE, name="Công ty E4")
    chain_id = world.declare(staff, e4, started_on=date(2026, 2, 1))
    assert linkage(world) == (4, {"contracted": 3, "declared": 1})
    with world.context():
        declared = targets.linkage_chains(world.scope())["declared"]
        chain = db.session.get(DeclaredChain, chain_id)
        assert chain.evidence.kind == "pdf" and (upload_dir / chain.evidence.stored_name).exists()
    assert [(o["name"], o["partners"]) for o in declared] == [("Công ty E4", ["Công ty TNHH Thu mua Đồng Đăng"])]
    # Before it started (2026-02-01) it did not count.
    assert linkage(world, as_of=date(2026, 1, 31)) == (0, {"contracted": 0, "declared": 0})
    assert linkage(world, as_of=date(2026, 2, 1)) == (1, {"contracted": 0, "declared": 1})


@pytest.mark.figures
def test_an_organisation_both_contracted_and_declared_counts_once_under_contracted(world, base, upload_dir):
    staff = world.department_staff()
    world.declare(staff, base["a"], partner="Công ty X")
    world.declare(staff, base["a"], partner="Công ty Y")
    assert linkage(world) == (3, {"contracted": 3, "declared": 0})
    # Before C1 (2026-03-02) A was linked through its declared chains only.
    assert linkage(world, as_of=date(2026, 3, 1)) == (1, {"contracted": 0, "declared": 1})
    with world.context():
        declared = targets.linkage_chains(world.scope(as_of=date(2026, 3, 1)))["declared"]
    assert declared[0]["partners"] == ["Công ty X", "Công ty Y"]  # one organisation, two partners


@pytest.mark.figures
def test_a_declared_chain_runs_from_its_start_to_its_end_day(world, base, upload_dir):
    staff = world.department_staff()
    ended_before = world.org(OrgKind.ENTERPRISE)
    ends_on_the_date = world.org(OrgKind.COOPERATIVE)
    starts_after = world.org(OrgKind.FARMER_GROUP)
    world.declare(staff, ended_before, started_on=date(2026, 1, 10), ended_on=AS_OF - DAY)
    world.declare(staff, ends_on_the_date, started_on=date(2026, 1, 10), ended_on=AS_OF)
    world.declare(staff, starts_after, started_on=AS_OF + DAY)
    # Only the chain ending on the date itself runs on it: 3 + 1.
    assert linkage(world) == (4, {"contracted": 3, "declared": 1})
    assert linkage(world, as_of=AS_OF - DAY) == (5, {"contracted": 3, "declared": 2})
    assert linkage(world, as_of=AS_OF + DAY) == (4, {"contracted": 3, "declared": 1})


@pytest.mark.figures
def test_a_declared_chain_of_an_organisation_unverified_since_does_not_count(world, base, upload_dir):
    staff = world.department_staff()
    e4 = world.org(OrgKind.ENTERPRISE)
    world.declare(staff, e4)
    with world.context():
        from market.models import Organisation

        db.session.get(Organisation, e4).status = OrgStatus.REJECTED
        db.session.commit()
    assert linkage(world) == (3, {"contracted": 3, "declared": 0})


@pytest.mark.figures
def test_a_declared_chain_counts_in_its_commune_and_crop_only(world, base, upload_dir):
    staff = world.department_staff()
    e4 = world.org(OrgKind.ENTERPRISE, commune="Bắc Sơn")
    world.declare(staff, e4, crop_id=world.crop_id("quyt"))
    assert linkage(world, commune="Bắc Sơn") == (1, {"contracted": 0, "declared": 1})
    assert linkage(world, commune="Văn Quan") == (1, {"contracted": 1, "declared": 0})
    assert linkage(world, crop="quyt") == (1, {"contracted": 0, "declared": 1})
    assert linkage(world, crop="hoi") == (2, {"contracted": 2, "declared": 0})


def _declare_data(org_id, **overrides):
    data = {"organisation_id": str(org_id), "partner_name": "Công ty Z", "crop_id": "",
            "started_on": date(2026, 2, 1), "ended_on": None, "note": ""}
    data.update(overrides)
    return data


def _counts():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(DeclaredChain)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Upload)))


def test_declaring_needs_evidence(world, upload_dir):
    staff, e4 = world.department_staff(), world.org(OrgKind.ENTERPRISE)
    with world.context():
        actor = db.session.get(User, staff)
        for evidence in (None, pdf(name="")):
            with pytest.raises(ValidationFailed) as caught:
                chains.declare(actor, _declare_data(e4), evidence)
            assert set(caught.value.errors) == {"evidence"}
        db.session.rollback()
        assert _counts() == (0, 0)


def test_declaring_for_an_unverified_or_non_processing_organisation_is_refused(world, upload_dir):
    staff = world.department_staff()
    pending = world.org(OrgKind.COOPERATIVE, status=OrgStatus.PENDING)
    retail = world.org(OrgKind.RETAIL_CHAIN)
    verified = world.org(OrgKind.ENTERPRISE)
    with world.context():
        actor = db.session.get(User, staff)
        for org_id in (pending, retail, 999_999):
            with pytest.raises(ValidationFailed) as caught:
                chains.declare(actor, _declare_data(org_id), pdf())
            assert set(caught.value.errors) == {"organisation_id"}
        with pytest.raises(ValidationFailed) as caught:  # and a chain cannot end before it starts
            chains.declare(actor, _declare_data(verified, ended_on=date(2026, 1, 31)), pdf())
        assert set(caught.value.errors) == {"ended_on"}
        db.session.rollback()
        assert _counts() == (0, 0)
    assert not upload_dir.exists() or not any(upload_dir.iterdir())  # no file left behind


@pytest.mark.parametrize("who", ["cooperative", "commune_office", "anonymous"])
def test_only_the_department_declares(world, upload_dir, who):
    e4 = world.org(OrgKind.ENTERPRISE)
    with world.context():
        if who == "anonymous":
            from flask_login import AnonymousUserMixin

            actor = AnonymousUserMixin()
        else:
            user_id = world.user(world.org(OrgKind.COOPERATIVE) if who == "cooperative"
                                 else world.org(OrgKind.COMMUNE_OFFICE))
            actor = db.session.get(User, user_id)
        with pytest.raises(PermissionDenied):
            chains.declare(actor, _declare_data(e4), pdf())
        db.session.rollback()
        assert _counts() == (0, 0)
