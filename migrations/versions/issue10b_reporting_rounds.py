"""the yearly reporting cycle: rounds, commune reports and their attachments, reminders; scoped, lockable
report snapshots (issue 10 part B)

Revision ID: issue10b
Revises: issue14b
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa
import market.models.types


# revision identifiers, used by Alembic.
revision = 'issue10b'
down_revision = 'issue14b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crop_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='export', nullable=False))
        batch_op.add_column(sa.Column('locked_at', market.models.types.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_report_snapshot_crop_id_crop'), 'crop', ['crop_id'], ['id'])

    op.create_table('reporting_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('reports_from', sa.Date(), nullable=False),
    sa.Column('reports_due', sa.Date(), nullable=False),
    sa.Column('compile_by', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', market.models.types.UTCDateTime(), nullable=False),
    sa.Column('locked_by_id', sa.Integer(), nullable=True),
    sa.Column('locked_at', market.models.types.UTCDateTime(), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['locked_by_id'], ['user.id'], name=op.f('fk_reporting_round_locked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_reporting_round_opened_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshot.id'], name=op.f('fk_reporting_round_snapshot_id_report_snapshot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_round'))
    )
    with op.batch_alter_table('reporting_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_round_year'), ['year'], unique=False)

    op.create_table('commune_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('updated_at', market.models.types.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', market.models.types.UTCDateTime(), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened_at', market.models.types.UTCDateTime(), nullable=True),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_commune_report_commune_id_commune')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['user.id'], name=op.f('fk_commune_report_reopened_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id'], name=op.f('fk_commune_report_round_id_reporting_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_commune_report_submitted_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commune_report')),
    sa.UniqueConstraint('round_id', 'commune_id', name='uq_commune_report_round_commune')
    )
    with op.batch_alter_table('commune_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commune_report_round_id'), ['round_id'], unique=False)

    op.create_table('commune_report_upload',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['commune_report.id'], name=op.f('fk_commune_report_upload_report_id_commune_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['upload_id'], ['upload.id'], name=op.f('fk_commune_report_upload_upload_id_upload'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'upload_id', name=op.f('pk_commune_report_upload'))
    )

    op.create_table('round_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('sent_at', market.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_round_reminder_commune_id_commune')),
    sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id'], name=op.f('fk_round_reminder_round_id_reporting_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_reminder')),
    sa.UniqueConstraint('round_id', 'commune_id', 'sent_on', name='uq_round_reminder_once')
    )
    with op.batch_alter_table('round_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_reminder_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('round_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_reminder_round_id'))
    op.drop_table('round_reminder')
    op.drop_table('commune_report_upload')
    with op.batch_alter_table('commune_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commune_report_round_id'))
    op.drop_table('commune_report')
    with op.batch_alter_table('reporting_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_round_year'))
    op.drop_table('reporting_round')
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_snapshot_crop_id_crop'), type_='foreignkey')
        batch_op.drop_column('locked_at')
        batch_op.drop_column('kind')
        batch_op.drop_column('crop_id')
