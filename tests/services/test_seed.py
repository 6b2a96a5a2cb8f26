"""The plan's reference data (market/services/reference_data.py) and the demo market's organisations and
accounts (market/services/demo_market.py)."""
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import Commune, Crop, Organisation, OrgKind, OrgStatus, PlanTarget, Role, User
from market.services import demo_market, reference_data
from tests.conftest import submit

# Both engines: reference data is upserted against unique constraints.
pytestmark = pytest.mark.both_engines


def test_seed_plan_reports_what_it_loaded(ctx):
    counts = reference_data.seed_plan()
    db.session.commit()
    assert counts["communes"] == 65 and counts["crops"] == 13
    assert counts["targets"] == db.session.scalar(sa.select(sa.func.count()).select_from(PlanTarget))


def _reference_rows() -> dict[str, list[tuple]]:
    """Every row of every reference table, every column: not just counts."""
    rows = {}
    for name in ("commune", "commune_alias", "crop", "crop_commune", "plan_target"):
        table = db.metadata.tables[name]
        rows[name] = sorted(tuple(row) for row in db.session.execute(sa.select(table)))
    return rows


@contextmanager
def _writes():
    """The INSERT, UPDATE and DELETE statements run inside the block."""
    writes: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_seed_plan_twice_changes_nothing(ctx):
    """The app fixture seeded the plan once already: running it again writes nothing at all, and after a
    row was changed by hand it writes that row back and nothing else."""
    before = _reference_rows()
    with _writes() as writes:
        reference_data.seed_plan()
        db.session.commit()
    assert writes == [] and _reference_rows() == before
    target = db.session.scalar(sa.select(PlanTarget).where(PlanTarget.key == "linkage_orgs"))
    target.goal_min = 1
    db.session.commit()
    with _writes() as writes:
        reference_data.seed_plan()
        db.session.commit()
    assert len(writes) == 1 and "plan_target" in writes[0]
    assert _reference_rows() == before


def test_crop_named_finds_a_crop_by_its_key(ctx):
    assert reference_data.crop_named("hoi").name_vi == "Hồi"
    with pytest.raises(LookupError):
        reference_data.crop_named("lua_mi")


@pytest.mark.parametrize("name, expected", [
    ("Điềm He", "Điềm He"), ("Diềm He", "Điềm He"), ("Văn Lăng", "Văn Lãng"), ("Lợi Bác", "Lợi Bắc"),
    ("Ba sơn", "Ba Sơn"), ("Văn Quan", "Văn Quan"),
])
def test_commune_names_and_aliases_resolve(ctx, name, expected):
    assert reference_data.commune_named(name).name == expected


def test_unknown_commune_raises(ctx):
    with pytest.raises(LookupError):
        reference_data.commune_named("Hà Nội")


def test_communes_have_unique_slugs_and_display_names(ctx):
    communes = db.session.scalars(sa.select(Commune)).all()
    assert len({c.slug for c in communes}) == len(communes) == 65
    assert reference_data.commune_named("Văn Quan").display_name == "xã Văn Quan"
    wards = [c for c in communes if c.kind == "phuong"]
    assert len(wards) == 4 and all(c.display_name.startswith("phường ") for c in wards)
    assert reference_data.commune_named("Lương Văn Tri").kind == "phuong"


def test_crop_hoi_grows_in_van_quan(ctx):
    hoi = db.session.scalar(sa.select(Crop).where(Crop.key == "hoi"))
    names = [c.name for c in hoi.communes]
    assert "Văn Quan" in names and "Điềm He" in names
    assert len(names) == len(set(names)) == 25
    assert hoi.tradable and hoi.target_ha_min and hoi.target_ha_max >= hoi.target_ha_min


def test_only_conservation_crops_are_not_tradable(ctx):
    for crop in db.session.scalars(sa.select(Crop)):
        assert crop.tradable == (crop.kind != "conservation"), crop.key
        assert crop.all_communes or crop.communes or not crop.tradable, crop.key


# --- the demo market (seeding hashes 17 passwords, so each test here seeds once and checks a lot) -----

@pytest.fixture
def demo(app):
    with app.app_context():
        demo_market.seed_demo()
        db.session.commit()
        db.session.remove()


def test_demo_market_has_every_kind_role_and_the_documented_password(app, demo):
    with app.app_context():
        kinds = set(db.session.scalars(sa.select(Organisation.kind)))
        assert kinds == set(OrgKind.ALL)
        roles = {role for *_, role in demo_market.DEMO_ACCOUNTS}
        assert roles == set(Role.ALL)
        department = db.session.scalar(sa.select(User).where(User.email == demo_market.DEMO_ACCOUNTS[0][0]))
        assert department.is_department_staff
        pending = db.session.scalars(sa.select(Organisation).where(Organisation.status != OrgStatus.VERIFIED)).all()
        assert [o.name for o in pending] == ["HTX Mắc ca Lộc Bình"]
        for org in db.session.scalars(sa.select(Organisation).where(Organisation.status == OrgStatus.VERIFIED,
                                                                     Organisation.kind != OrgKind.DEPARTMENT)):
            assert org.status_changed_by_id == department.id, org.name
        for email, _name, _org, role in demo_market.DEMO_ACCOUNTS:
            user = db.session.scalar(sa.select(User).where(User.email == email))
            assert user.check_password(demo_market.DEMO_PASSWORD), email
            assert [m.role for m in user.memberships] == [role], email


def test_demo_accounts_log_in_through_the_form(app, demo):
    """Three log-ins (the limit is five a minute): the department, an owner and a signer."""
    for email in ("so@demo.langson.vn", "htx.hoi@demo.langson.vn", "kyhd.hoi@demo.langson.vn"):
        client = app.test_client()
        response = submit(client, "/auth/login", {"email": email, "password": demo_market.DEMO_PASSWORD})
        assert response.status_code == 302, email
        with client.session_transaction() as session:
            assert session.get("_user_id"), email
        if email == "so@demo.langson.vn":
            staff = client
    response = staff.get("/department/")
    assert response.status_code == 200
    with app.app_context():
        pending = db.session.scalar(sa.select(Organisation.id).where(Organisation.status == OrgStatus.PENDING))
    assert f"/department/organisations/{pending}" in response.get_data(as_text=True)
