"""`flask market seed [--demo]`: loads the plan's reference data and the demo market, idempotently."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import Commune, Crop, Membership, Organisation, PlanTarget, User
from market.services import demo_market, demo_province, demo_reporting

REFERENCE = ("commune", "commune_alias", "crop", "crop_commune", "plan_target")


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        with db.engine.connect() as connection:
            return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                    for t in db.metadata.sorted_tables}


def run(runner, *args):
    result = runner.invoke(args=["market", "seed", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_market_group_lists_seed(runner):
    result = runner.invoke(args=["market", "--help"])
    assert result.exit_code == 0 and "seed" in result.output


@pytest.mark.both_engines
def test_seed_twice_gives_the_same_rows(app, runner):
    output = run(runner)
    assert "plan: 65 communes, 13 crops" in output
    first = table_counts(app)
    run(runner)
    assert table_counts(app) == first
    assert all(first[name] > 0 for name in REFERENCE)
    with app.app_context():
        kinds = dict(db.session.execute(sa.select(Commune.kind, sa.func.count()).group_by(Commune.kind)).all())
        assert kinds == {"xa": 61, "phuong": 4}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Crop)) == 13
        goals = dict(db.session.execute(sa.select(PlanTarget.key, PlanTarget.goal_min)).all())
        assert goals["linkage_orgs"] == 30
        assert goals["ocop_valid"] == 200
        assert f"{len(goals)} targets" in output


def test_seed_repairs_changed_reference_rows(app, runner):
    with app.app_context():
        target = db.session.scalar(sa.select(PlanTarget).where(PlanTarget.key == "linkage_orgs"))
        target.goal_min = 1
        db.session.commit()
    run(runner)
    with app.app_context():
        assert db.session.scalar(sa.select(PlanTarget.goal_min).where(PlanTarget.key == "linkage_orgs")) == 30


@pytest.mark.both_engines
def test_seed_demo_twice_gives_the_same_rows(app, runner):
    output = run(runner, "--demo")
    assert demo_market.DEMO_PASSWORD in output
    first = table_counts(app)
    # the small demo market (README accounts) and the demo province (one owner account per organisation it
    # names; a name the small market already has, e.g. HTX Quế Tràng Định, is the same organisation)
    # and the commune offices of the reporting demo (demo_reporting.OFFICES, one account each)
    province = len(demo_province.BUYERS) + demo_province.SELLERS_PER_CROP * len(demo_province.CROP_PROFILES)
    offices = len(demo_reporting.OFFICES)
    assert len(demo_market.DEMO_ORGANISATIONS) + province + offices - 3 <= first["organisation"] < (
        len(demo_market.DEMO_ORGANISATIONS) + province + offices)
    assert first["user"] == len(demo_market.DEMO_ACCOUNTS) + province + offices
    assert first["membership"] == len(demo_market.DEMO_ACCOUNTS) + province + offices
    run(runner, "--demo")
    assert table_counts(app) == first
    run(runner)  # the plan alone leaves the demo alone
    assert table_counts(app) == first


def test_seed_without_demo_adds_no_people(app, runner):
    run(runner)
    with app.app_context():
        for model in (User, Organisation, Membership):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
