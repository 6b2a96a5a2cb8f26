"""saved searches and the results each one has already announced (issue 13 part B)

Revision ID: issue13b
Revises: issue14b
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa
import market.models.types


# revision identifiers, used by Alembic.
revision = 'issue13b'
down_revision = 'issue10a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_search',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('created_at', market.models.types.UTCDateTime(), nullable=False),
    sa.Column('checked_at', market.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_saved_search_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search'))
    )
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_search_user_id'), ['user_id'], unique=False)

    op.create_table('saved_search_seen',
    sa.Column('saved_search_id', sa.Integer(), nullable=False),
    sa.Column('doc_key', sa.String(length=40), nullable=False),
    sa.Column('announced', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('url', sa.String(length=255), nullable=True),
    sa.Column('seen_at', market.models.types.UTCDateTime(), nullable=False),
    sa.Column('digested_at', market.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['saved_search_id'], ['saved_search.id'], name=op.f('fk_saved_search_seen_saved_search_id_saved_search'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('saved_search_id', 'doc_key', name=op.f('pk_saved_search_seen'))
    )
    with op.batch_alter_table('saved_search_seen', schema=None) as batch_op:
        batch_op.create_index('ix_saved_search_seen_digest', ['announced', 'digested_at'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_search_seen', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_search_seen_digest')
    op.drop_table('saved_search_seen')
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_search_user_id'))
    op.drop_table('saved_search')
