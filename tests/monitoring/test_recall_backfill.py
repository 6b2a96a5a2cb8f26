"""Migration issue10a: zones, zone certificates and OCOP certificates recalled before it keep counting for the
days before their recall (a `FactChange` is written from their `status_changed_at`, in Lạng Sơn's calendar)."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from market.extensions import db
from market.models import Commune, Crop, FactChange
from market.services import reference_data, targets

pytestmark = pytest.mark.both_engines


def test_recalls_made_before_the_migration_keep_their_past(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        before = script.get_revision("issue10a").down_revision
        db.session.remove()
        try:
            downgrade(revision=before)
            commune = db.session.scalar(sa.select(Commune.id).where(Commune.name == "Văn Quan"))
            crop = db.session.scalar(sa.select(Crop.id).where(Crop.key == "hoi"))
            now = datetime(2026, 11, 1, 3, tzinfo=UTC).replace(tzinfo=None)  # stored naive UTC
            with db.engine.begin() as connection:
                org = connection.execute(sa.text(
                    "INSERT INTO organisation (name, name_key, kind, status, created_at) "
                    "VALUES ('HTX Cũ', 'htx cu', 'cooperative', 'verified', :now) RETURNING id"), {"now": now}).scalar()
                # Recalled at 2026-06-30 20:00 UTC, which is 2026-07-01 in Lạng Sơn.
                connection.execute(sa.text(
                    "INSERT INTO growing_zone (code, kind, organisation_id, commune_id, crop_id, area_ha, status, "
                    "status_changed_at, created_at, updated_at) VALUES ('LS-CU-0001', 'planting_area', :org, "
                    ":commune, :crop, 9.5, 'recalled', :recalled, :created, :created)"),
                    {"org": org, "commune": commune, "crop": crop, "recalled": datetime(2026, 6, 30, 20),
                     "created": datetime(2026, 1, 5, 3)})
        finally:
            upgrade()
            reference_data.seed_plan()
            db.session.commit()
        try:
            change = db.session.scalar(sa.select(FactChange).where(FactChange.subject == "growing_zone"))
            assert (change.before, change.after, change.effective_on) == (
                {"status": "verified"}, {"status": "recalled"}, date(2026, 7, 1))
            with app.test_request_context():
                by_day = {day: {r["key"]: r["value"] for r in targets.area_by_crop(targets.Scope(day))}["hoi"]
                          for day in (date(2026, 6, 30), date(2026, 7, 1))}
            assert by_day == {date(2026, 6, 30): 9.5, date(2026, 7, 1): 0.0}
        finally:
            db.session.execute(sa.text("DELETE FROM fact_change"))
            db.session.execute(sa.text("DELETE FROM growing_zone"))
            db.session.execute(sa.text("DELETE FROM organisation WHERE name_key = 'htx cu'"))
            db.session.commit()
            db.session.remove()
