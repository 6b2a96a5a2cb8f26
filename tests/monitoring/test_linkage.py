"""Linkage chains (targets.linkage_chains, figure "linkage_orgs"), worked out by hand on AS_OF = 2026-06-15.

The rule (the plan's): processing enterprises and cooperatives (a processing capability verified by the
department) linked with producers (cooperatives, farmer groups) on the date through an active offtake contract
or a declared chain with a processing role. The base world, in every test:
    A  cooperative (producer), verified, Văn Quan
    E1 enterprise, processing capability verified 2026-01-10, Đông Kinh -- C1: E1 buys from A, hồi, active since 2026-03-02
    E2 enterprise, processing capability verified 2026-01-10, Chi Lăng  -- C2: E2 buys from A, quế, active since 2026-04-01
    -> counted {E1, E2}: A is the producer they are linked with, never a processor itself.
Each test adds one thing and says what it changes."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import (
    CapabilityStatus,
    ContractState,
    DeclaredChain,
    OrgKind,
    OrgStatus,
    ProcessingCapability,
    Upload,
    User,
)
from market.services import chains, targets
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import AS_OF, DAY, pdf

pytestmark = pytest.mark.figures


@pytest.fixture
def base(world):
    a = world.org(OrgKind.COOPERATIVE, commune="Văn Quan", name="HTX Hồi A")
    e1 = world.processor(commune="Đông Kinh", name="Công ty E1")
    e2 = world.processor(commune="Chi Lăng", name="Công ty E2")
    c1 = world.contract(e1, a, ContractState.ACTIVE, activated=date(2026, 3, 2), crop="hoi")
    c2 = world.contract(e2, a, ContractState.ACTIVE, activated=date(2026, 4, 1), crop="que")
    return {"a": a, "e1": e1, "e2": e2, "c1": c1, "c2": c2}


def linkage(world, **scope):
    figure = world.figures(**scope)["linkage_orgs"]
    return figure.value, figure.detail


def test_each_processor_counts_once_with_the_links_that_count_it(world, base):
    assert linkage(world) == (2, {"contracted": 2, "declared": 0})
    with world.context():
        result = targets.linkage_chains(world.scope())
    assert [o["name"] for o in result["contracted"]] == ["Công ty E1", "Công ty E2"]
    c1, c2 = world.reference(base["c1"]), world.reference(base["c2"])
    assert {o["name"]: o["contracts"] for o in result["contracted"]} == {"Công ty E1": [c1], "Công ty E2": [c2]}
    assert result["contracted"][0]["links"] == [{"type": "contract", "reference": c1, "producer": "HTX Hồi A",
                                                 "crop": "Hồi"}]
    assert result["contracted"][0]["facility"]["products"] == "Tinh dầu hồi"
    assert result["declared"] == []
    assert [(c["processor"], c["producer"], c["counts"]) for c in result["chains"]] == [
        ("Công ty E1", "HTX Hồi A", True), ("Công ty E2", "HTX Hồi A", True)]


def test_the_same_processor_linked_to_many_producers_counts_once(world, base):
    for _ in range(4):
        world.contract(base["e1"], world.org(OrgKind.FARMER_GROUP), ContractState.ACTIVE, activated=date(2026, 5, 1))
    assert linkage(world) == (2, {"contracted": 2, "declared": 0})
    with world.context():
        e1 = targets.linkage_chains(world.scope())["contracted"][0]
    assert len(e1["contracts"]) == 5 and len(e1["links"]) == 5


def test_the_figure_carries_its_goal_unit_date_and_rule(world, base):
    figure = world.figures()["linkage_orgs"]
    # plan.json: 30 processing enterprises and cooperatives by 2030.
    assert (figure.section, figure.goal, figure.goal_max, figure.unit, figure.as_of) == (
        "linkage", 30, 30, "org", "2026-06-15")
    assert figure.label == "Doanh nghiệp, HTX chế biến tham gia chuỗi liên kết sản xuất - tiêu thụ"
    assert world.figures(locale="en")["linkage_orgs"].label == (
        "Processing enterprises and cooperatives in production-consumption linkage chains")
    assert figure.progress == pytest.approx(2 / 30)
    assert figure.gap == 28
    # The line: 0 on 2026-01-01 to 30 on 2030-12-31; 165 of 1825 days have passed on 2026-06-15.
    assert figure.expected == pytest.approx(round(30 * 165 / 1825, 2))
    assert figure.on_track is False  # 2 < 2.71
    assert "processing" in world.figures(locale="en")["linkage_orgs"].basis


def test_without_a_verified_capability_nobody_is_a_processor(world, base):
    # E3 has a pending capability, E4 none, E5's was verified after the date: none count.
    a = base["a"]
    e3 = world.processor(verified_on=None)
    e4 = world.org(OrgKind.ENTERPRISE)
    e5 = world.processor(verified_on=AS_OF + DAY)
    for e in (e3, e4, e5):
        world.contract(e, a, ContractState.ACTIVE, activated=date(2026, 3, 1))
    assert linkage(world)[0] == 2
    assert linkage(world, as_of=AS_OF + DAY)[0] == 3  # E5 from the day its facility was verified


def test_a_capability_counts_from_its_verification_day_not_before(world, base):
    # E6's capability is declared, then verified on 2026-05-01: E6 counts from then, never earlier, although
    # its contract with A runs from 2026-03-01 (a capability is what the department saw, from the day it saw it).
    e6 = world.org(OrgKind.ENTERPRISE)
    cap = world.capability(e6, verified_on=None)
    world.contract(e6, base["a"], ContractState.ACTIVE, activated=date(2026, 3, 1))
    world.change(ProcessingCapability, cap, effective_on=date(2026, 5, 1), status=CapabilityStatus.VERIFIED)
    with world.context():
        db.session.get(ProcessingCapability, cap).verified_at = datetime(2026, 5, 1, 3, tzinfo=UTC)
        db.session.commit()
    assert linkage(world, as_of=date(2026, 4, 30))[0] == 2  # E1, E2
    assert linkage(world, as_of=date(2026, 5, 1))[0] == 3


def test_a_cancelled_contract_counted_for_the_months_it_ran(world, base):
    # C3: E3 buys from B from 2026-03-01; cancelled on 2026-09-01 (after the report of 2026-06-15).
    b, e3 = world.org(OrgKind.COOPERATIVE), world.processor()
    c3 = world.contract(e3, b, ContractState.ACTIVE, activated=date(2026, 3, 1))
    before = linkage(world)
    assert before[0] == 3
    from market.models import Contract

    world.change(Contract, c3, state=ContractState.CANCELLED,
                 cancelled_at=datetime(2026, 9, 1, 3, tzinfo=UTC), cancel_reason="Hết vụ.")
    assert linkage(world) == before  # the months it ran stay counted
    assert linkage(world, as_of=date(2026, 8, 31))[0] == 3
    assert linkage(world, as_of=date(2026, 9, 1))[0] == 2  # from the cancellation day on, no longer


def test_a_signed_contract_not_yet_active_adds_nobody(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.processor()
    world.contract(e3, b, ContractState.SIGNED, activated=date(2026, 3, 1))  # signed 2026-02-28, never activated
    for state in (ContractState.DRAFT, ContractState.PROPOSED):
        world.contract(e3, b, state, activated=None)
    assert linkage(world)[0] == 2


def test_a_completed_contract_links_until_its_completion(world, base):
    # C3 activated 2026-02-10, completed 30 days later (2026-03-12): E3 counted from 02-10 to 03-11.
    b, e3 = world.org(OrgKind.COOPERATIVE), world.processor()
    world.contract(e3, b, ContractState.COMPLETED, activated=date(2026, 2, 10))
    assert linkage(world, as_of=date(2026, 3, 11))[0] == 2  # E3 and E1 (C1 from 03-02)
    assert linkage(world, as_of=date(2026, 3, 12))[0] == 1
    assert linkage(world)[0] == 2


def test_a_disputed_contract_still_links(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.processor()
    world.contract(e3, b, ContractState.DISPUTED, activated=date(2026, 2, 10))
    assert linkage(world) == (3, {"contracted": 3, "declared": 0})


def test_a_contract_activated_after_the_date_does_not_count_on_it(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.processor()
    world.contract(e3, b, ContractState.ACTIVE, activated=AS_OF + DAY)
    assert linkage(world, as_of=AS_OF)[0] == 2
    assert linkage(world, as_of=AS_OF + DAY)[0] == 3  # the day it became active counts
    assert linkage(world, as_of=date(2026, 3, 15))[0] == 1  # only C1 (E1)
    assert linkage(world, as_of=date(2026, 3, 1))[0] == 0


def test_a_contract_activated_on_the_date_counts(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.processor()
    world.contract(e3, b, ContractState.ACTIVE, activated=datetime(2026, 6, 15, 16, 59, tzinfo=UTC))
    # 16:59 UTC is 23:59 in Lạng Sơn on 2026-06-15: active on the date.
    assert linkage(world)[0] == 3


def test_the_activation_day_is_the_day_in_lang_son_not_in_utc(world, base):
    b, e3 = world.org(OrgKind.COOPERATIVE), world.processor()
    # 2026-06-15 19:00 UTC = 2026-06-16 02:00 in Lạng Sơn: not active yet on 15 June.
    world.contract(e3, b, ContractState.ACTIVE, activated=datetime(2026, 6, 15, 19, 0, tzinfo=UTC))
    assert linkage(world, as_of=AS_OF + DAY)[0] == 3
    assert linkage(world, as_of=AS_OF)[0] == 2


def test_an_unverified_party_never_counts(world, base):
    # A pending processor buys from A; E1 buys from a rejected cooperative (not a producer in good standing).
    pending = world.processor(status=OrgStatus.PENDING)
    rejected = world.org(OrgKind.COOPERATIVE, status=OrgStatus.REJECTED)
    e3 = world.processor()
    world.contract(pending, base["a"], ContractState.ACTIVE)
    world.contract(e3, rejected, ContractState.ACTIVE)
    assert linkage(world) == (2, {"contracted": 2, "declared": 0})


def test_retail_chains_and_shops_are_buyers_never_processors(world, base):
    # R (a retail chain, even with a capability on file) buys from B; S (tourist shop) from G; E3 (a processor)
    # buys from R: a retail chain is no producer either. Only E1, E2 count.
    b, g = world.org(OrgKind.COOPERATIVE), world.org(OrgKind.FARMER_GROUP)
    r = world.org(OrgKind.RETAIL_CHAIN, name="Siêu thị R")
    world.capability(r)
    s = world.org(OrgKind.TOURIST_SHOP)
    e3 = world.processor()
    world.contract(r, b, ContractState.ACTIVE)
    world.contract(s, g, ContractState.ACTIVE)
    world.contract(e3, r, ContractState.ACTIVE)
    assert linkage(world)[0] == 2
    with world.context():
        result = targets.linkage_chains(world.scope())
    assert {o["id"] for o in result["contracted"]} == {base["e1"], base["e2"]}
    retail = next(c for c in result["chains"] if c["buyer"] == "Siêu thị R")
    assert (retail["processor"], retail["counts"], retail["buyer_kind"]) == (None, False, OrgKind.RETAIL_CHAIN)


def test_commune_and_crop_scopes(world, base):
    # The processor's commune: Đông Kinh E1, Chi Lăng E2; Văn Quan (the producer's) none. Crop hồi: C1 -> E1.
    assert linkage(world, commune="Văn Quan")[0] == 0
    assert linkage(world, commune="Chi Lăng")[0] == 1
    assert linkage(world, commune="Đông Kinh")[0] == 1
    assert linkage(world, crop="hoi")[0] == 1
    assert linkage(world, crop="que")[0] == 1
    assert linkage(world, crop="na")[0] == 0
    assert linkage(world, commune="Chi Lăng", crop="hoi")[0] == 0


def test_processors_per_crop_against_the_plans_counts(world, base):
    figures = world.figures()
    assert (figures["processors_hoi"].value, figures["processors_hoi"].goal, figures["processors_hoi"].goal_max) == (
        1, 1, 2)
    assert (figures["processors_que"].value, figures["processors_keo"].value) == (1, 0)
    assert (figures["processors_keo"].goal, figures["processors_keo"].goal_max, figures["processors_keo"].gap) == (
        2, 3, 2)


# --- declared chains ------------------------------------------------------------------------------

def test_a_declared_chain_counts_apart_from_contracted_ones(world, base, upload_dir):
    staff = world.department_staff()
    e4 = world.processor(name="Công ty E4")
    chain_id = world.declare(staff, e4, started_on=date(2026, 2, 1))
    assert linkage(world) == (3, {"contracted": 2, "declared": 1})
    with world.context():
        declared = targets.linkage_chains(world.scope())["declared"]
        chain = db.session.get(DeclaredChain, chain_id)
        assert chain.evidence.kind == "pdf" and (upload_dir / chain.evidence.stored_name).exists()
    assert [(o["name"], o["partners"]) for o in declared] == [("Công ty E4", ["Công ty TNHH Thu mua Đồng Đăng"])]
    assert linkage(world, as_of=date(2026, 1, 31)) == (0, {"contracted": 0, "declared": 0})
    assert linkage(world, as_of=date(2026, 2, 1)) == (1, {"contracted": 0, "declared": 1})


def test_a_declared_chain_without_a_processing_role_does_not_count(world, base, upload_dir):
    staff = world.department_staff()
    e4 = world.processor()
    chain_id = world.declare(staff, e4)
    with world.context():
        db.session.get(DeclaredChain, chain_id).role = "buyer"
        db.session.commit()
    assert linkage(world) == (2, {"contracted": 2, "declared": 0})


def test_an_organisation_both_contracted_and_declared_counts_once_under_contracted(world, base, upload_dir):
    staff = world.department_staff()
    world.declare(staff, base["e1"], partner="HTX X")
    world.declare(staff, base["e1"], partner="HTX Y")
    assert linkage(world) == (2, {"contracted": 2, "declared": 0})
    # Before C1 (2026-03-02) E1 was linked through its declared chains only.
    assert linkage(world, as_of=date(2026, 3, 1)) == (1, {"contracted": 0, "declared": 1})
    with world.context():
        declared = targets.linkage_chains(world.scope(as_of=date(2026, 3, 1)))["declared"]
    assert declared[0]["partners"] == ["HTX X", "HTX Y"]  # one organisation, two partners


def test_a_declared_chain_runs_from_its_start_to_its_end_day(world, base, upload_dir):
    staff = world.department_staff()
    ended_before = world.processor()
    ends_on_the_date = world.processor(OrgKind.COOPERATIVE)
    starts_after = world.processor()
    world.declare(staff, ended_before, started_on=date(2026, 1, 10), ended_on=AS_OF - DAY)
    world.declare(staff, ends_on_the_date, started_on=date(2026, 1, 10), ended_on=AS_OF)
    world.declare(staff, starts_after, started_on=AS_OF + DAY)
    assert linkage(world) == (3, {"contracted": 2, "declared": 1})
    assert linkage(world, as_of=AS_OF - DAY) == (4, {"contracted": 2, "declared": 2})
    assert linkage(world, as_of=AS_OF + DAY) == (3, {"contracted": 2, "declared": 1})


def test_an_organisation_rejected_later_still_counts_before_the_rejection(world, base, upload_dir):
    staff = world.department_staff()
    e4 = world.processor()
    world.declare(staff, e4)
    from market.models import Organisation

    world.change(Organisation, e4, effective_on=date(2026, 7, 1), status=OrgStatus.REJECTED)
    assert linkage(world) == (3, {"contracted": 2, "declared": 1})  # 2026-06-15: before the rejection
    assert linkage(world, as_of=date(2026, 7, 1)) == (2, {"contracted": 2, "declared": 0})


def test_a_declared_chain_counts_in_its_commune_and_crop_only(world, base, upload_dir):
    staff = world.department_staff()
    e4 = world.processor(commune="Bắc Sơn")
    world.declare(staff, e4, crop_id=world.crop_id("quyt"))
    assert linkage(world, commune="Bắc Sơn") == (1, {"contracted": 0, "declared": 1})
    assert linkage(world, commune="Đông Kinh") == (1, {"contracted": 1, "declared": 0})
    assert linkage(world, crop="quyt") == (1, {"contracted": 0, "declared": 1})
    assert linkage(world, crop="hoi") == (1, {"contracted": 1, "declared": 0})


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
