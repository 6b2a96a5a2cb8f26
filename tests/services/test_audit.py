"""market/services/audit.py: who did what, stored with the change."""
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Organisation, User
from market.services import audit


def test_record_keeps_actor_object_and_details(ctx, factory):
    user = db.session.get(User, factory.user())
    org = db.session.get(Organisation, factory.org())
    audit.record("organisation.updated", user, organisation=org, obj=org, changes={"phone": [None, "0912345678"]})
    db.session.commit()
    db.session.expire_all()
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.action, event.actor_id, event.organisation_id) == ("organisation.updated", user.id, org.id)
    assert (event.object_type, event.object_id) == ("Organisation", str(org.id))
    assert event.details == {"changes": {"phone": [None, "0912345678"]}}
    assert event.created_at is not None and event.created_at.tzinfo is not None


def test_record_without_actor_or_object(ctx):
    audit.record("system.seeded", None)
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent))
    assert event.actor_id is None and event.organisation_id is None
    assert event.object_type is None and event.object_id is None and event.details == {}


def test_unsaved_actor_is_not_linked(ctx):
    """An anonymous or not-yet-saved actor leaves actor empty instead of inserting a half-built user."""
    ghost = User(email="ghost@example.vn", full_name="Chưa lưu")
    audit.record("user.tried", ghost)
    db.session.commit()
    assert db.session.scalar(sa.select(AuditEvent.actor_id)) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_events_survive_their_actor_with_actor_set_to_null(ctx, factory):
    """AuditEvent.actor_id is ON DELETE SET NULL: the event stays, pointing at nobody.
    Regression: SQLite ignored every foreign key until each connection ran PRAGMA foreign_keys=ON."""
    user_id = factory.user()
    audit.record("user.signed_up", db.session.get(User, user_id))
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == user_id))
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent))
    assert event.action == "user.signed_up"
    assert event.actor_id is None
