"""The audit log: every write records who did it, in the same transaction."""
from market.extensions import db
from market.models import AuditEvent, Organisation, User


def record(action: str, actor: User | None, *, organisation: Organisation | None = None,
           obj=None, **details) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor=actor if actor is not None and getattr(actor, "id", None) else None,
        organisation=organisation,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        details=details,
    )
    db.session.add(event)
    return event
