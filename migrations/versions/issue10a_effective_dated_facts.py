"""effective-dated facts: the history of every state a figure depends on, processing capabilities,
declared chains' role (issue 10 part A)

Revision ID: issue10a
Revises: issue14b
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa
import market.models.types


# revision identifiers, used by Alembic.
revision = 'issue10a'
down_revision = 'issue16b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fact_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', market.models.types.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_fact_change_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_change'))
    )
    with op.batch_alter_table('fact_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fact_change_effective_on'), ['effective_on'], unique=False)
        batch_op.create_index('ix_fact_change_subject', ['subject', 'subject_id'], unique=False)

    op.create_table('processing_capability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('products', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Float(), nullable=False),
    sa.Column('capacity_unit', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', market.models.types.UTCDateTime(), nullable=True),
    sa.Column('verified_against', sa.String(length=10), nullable=True),
    sa.Column('verified_at', market.models.types.UTCDateTime(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', market.models.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_processing_capability_capacity_positive')),
    sa.ForeignKeyConstraint(['crop_id'], ['crop.id'], name=op.f('fk_processing_capability_crop_id_crop')),
    sa.ForeignKeyConstraint(['declared_by_id'], ['user.id'], name=op.f('fk_processing_capability_declared_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_processing_capability_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user.id'], name=op.f('fk_processing_capability_verified_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processing_capability'))
    )
    with op.batch_alter_table('processing_capability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processing_capability_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_processing_capability_status'), ['status'], unique=False)

    with op.batch_alter_table('declared_chain', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=10), server_default='processor', nullable=False))

    _backfill_recalls()


def _backfill_recalls():
    """Records recalled before this revision were verified until the day of their recall: write that change, so
    figures for the days before the recall keep counting them (otherwise they would look recalled forever)."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    local = ZoneInfo("Asia/Ho_Chi_Minh")
    bind = op.get_bind()
    rows = []
    for table in ("growing_zone", "certificate", "ocop_certificate"):
        for row_id, changed_at in bind.execute(sa.text(
                f"SELECT id, status_changed_at FROM {table} WHERE status = 'recalled' AND status_changed_at IS NOT NULL")):
            if isinstance(changed_at, str):  # SQLite hands back text
                changed_at = datetime.fromisoformat(changed_at)
            if changed_at.tzinfo is None:
                changed_at = changed_at.replace(tzinfo=timezone.utc)
            rows.append({"subject": table, "subject_id": row_id, "before": {"status": "verified"},
                         "after": {"status": "recalled"}, "effective_on": changed_at.astimezone(local).date(),
                         "recorded_at": datetime.now(timezone.utc)})
    if rows:
        fact_change = sa.table('fact_change', sa.column('subject', sa.String), sa.column('subject_id', sa.Integer),
                               sa.column('before', sa.JSON), sa.column('after', sa.JSON),
                               sa.column('effective_on', sa.Date),
                               sa.column('recorded_at', market.models.types.UTCDateTime()))
        op.bulk_insert(fact_change, rows)


def downgrade():
    with op.batch_alter_table('declared_chain', schema=None) as batch_op:
        batch_op.drop_column('role')
    with op.batch_alter_table('processing_capability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processing_capability_status'))
        batch_op.drop_index(batch_op.f('ix_processing_capability_organisation_id'))
    op.drop_table('processing_capability')
    with op.batch_alter_table('fact_change', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_change_subject')
        batch_op.drop_index(batch_op.f('ix_fact_change_effective_on'))
    op.drop_table('fact_change')
