"""The migrations build exactly the schema the models describe, and can be undone and redone."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from market.extensions import db
from market.models import Commune, Crop, PlanTarget
from market.services import reference_data

# Both engines: the migrations are dialect-specific DDL.
pytestmark = pytest.mark.both_engines


def _script(app) -> ScriptDirectory:
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_database_is_at_the_single_head(app):
    with app.app_context():
        heads = _script(app).get_heads()
        assert len(heads) == 1, f"several migration heads: {heads}"
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)


def test_downgrade_to_base_and_upgrade_again(app):
    with app.app_context():
        db.session.remove()
        try:
            downgrade(revision="base")
            left = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert left == set(), f"tables left after downgrade to base: {left}"
        finally:
            # Whatever happened, leave the schema and the reference data for the tests that follow.
            upgrade()
            reference_data.seed_plan()
            db.session.commit()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Commune)) == 65
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Crop)) == 13
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanTarget)) > 0
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.session.remove()


def test_every_migration_has_a_downgrade(app):
    with app.app_context():
        for revision in _script(app).walk_revisions():
            source = Path(revision.path).read_text(encoding="utf-8")
            body = source.split("def downgrade", 1)[1]
            assert "op." in body, f"{revision.revision} has an empty downgrade()"
