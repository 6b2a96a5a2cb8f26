"""Conversations: a thread between two organisations about a listing, an OCOP product, a sourcing request,
an offer or a contract that links them. Nothing here commits.

- Who: the owner, managers and signers of each side read and answer (`permissions.THREAD_ROLES`); the
  department reads a contract's thread while it is in dispute or a dispute on it was referred to it.
- No business, no thread: the subject must link the two organisations (the other side's published listing
  or product or open request; an offer or contract between them). Anything else is refused, saying why.
- Notifications are batched: a member is told (inbox row + one e-mail) of a thread only when they have no
  unread notification of it yet; reading the thread marks it read. Ten messages before they look: one mail.
- Attachments go through `uploads.save_upload` (photos re-encoded, PDFs checked), stored for the sender.
"""
import sqlalchemy as sa
from flask_babel import gettext as _

from market.extensions import db
from market.models import (
    Contract,
    Conversation,
    ConversationRead,
    ListingStatus,
    Message,
    MessageKind,
    OcopProduct,
    Organisation,
    ProductStatus,
    RequestStatus,
    SourcingOffer,
    SourcingRequest,
    Subject,
    SupplyListing,
    User,
    message_upload,
)
from market.models.types import utcnow
from market.permissions import THREAD_ROLES, can_read_thread, thread_organisation
from market.services import audit, notifications, uploads
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role

MAX_BODY = 5000
MAX_FILES = 5


# --- subjects -----------------------------------------------------------------------------------

def subject_object(kind: str, subject_id: int):
    model = {Subject.LISTING: SupplyListing, Subject.PRODUCT: OcopProduct, Subject.REQUEST: SourcingRequest,
             Subject.OFFER: SourcingOffer, Subject.CONTRACT: Contract}.get(kind)
    return db.session.get(model, subject_id) if model is not None and subject_id else None


def subject_title(kind: str, obj) -> str:
    if kind == Subject.LISTING:
        return _("Listing: %(title)s", title=obj.title)
    if kind == Subject.PRODUCT:
        return _("OCOP product: %(name)s", name=obj.name)
    if kind == Subject.REQUEST:
        return _("Sourcing request: %(title)s", title=obj.title)
    if kind == Subject.OFFER:
        return _("Offer on: %(title)s", title=obj.request.title)
    return _("Contract %(ref)s", ref=obj.reference)


def counterpart(kind: str, obj, org: Organisation) -> Organisation | None:
    """The organisation `org` does business with through this subject, or None when it links them to nobody."""
    if kind == Subject.LISTING:
        owner = obj.organisation if obj.status in ListingStatus.PUBLIC else None
    elif kind == Subject.PRODUCT:
        owner = obj.organisation if obj.status == ProductStatus.PUBLISHED else None
    elif kind == Subject.REQUEST:
        owner = obj.buyer if obj.status == RequestStatus.OPEN else None
    elif kind == Subject.OFFER:
        pair = {obj.seller_id: obj.request.buyer, obj.request.buyer_id: obj.seller}
        return pair.get(org.id)
    elif kind == Subject.CONTRACT:
        return {obj.buyer_id: obj.seller, obj.seller_id: obj.buyer}.get(org.id)
    else:
        return None
    return owner if owner is not None and owner.id != org.id else None


def subject_link(conversation: Conversation) -> str | None:
    """The page of what the thread is about."""
    kind, obj = conversation.subject_kind, subject_object(conversation.subject_kind, conversation.subject_id)
    if obj is None:
        return None
    if kind == Subject.LISTING:
        return notifications.page("catalog.listing", listing_id=obj.id)
    if kind == Subject.PRODUCT:
        return notifications.page("catalog.product", product_id=obj.id)
    if kind == Subject.REQUEST:
        return notifications.page("sourcing.show", request_id=obj.id)
    if kind == Subject.OFFER:
        return notifications.page("sourcing.show", request_id=obj.request_id)
    return notifications.page("contracts.show", contract_id=obj.id)


def find(kind: str, subject_id: int, a: int, b: int) -> Conversation | None:
    return db.session.scalar(sa.select(Conversation).where(
        Conversation.subject_kind == kind, Conversation.subject_id == subject_id,
        sa.or_(sa.and_(Conversation.starter_id == a, Conversation.other_id == b),
               sa.and_(Conversation.starter_id == b, Conversation.other_id == a))))


# --- writing ------------------------------------------------------------------------------------

def _clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": _("Write your message.")})
    if len(body) > MAX_BODY:
        raise ValidationFailed({"body": _("A message holds at most %(n)d characters.", n=MAX_BODY)})
    return body


def start(actor: User, org: Organisation, kind: str, subject_id: int, body: str, *, to: int | None = None,
          files=()) -> Message:
    """`org` (the actor's organisation) writes about a subject to the organisation it links them with. `to`, when
    given, must be that organisation: a message to anyone else is refused."""
    require_role(actor, org, *THREAD_ROLES)
    if not org.is_verified:
        raise PermissionDenied(_("%(org)s is not verified by the department yet: it can write to other "
                                 "organisations once it is.", org=org.name))
    obj = subject_object(kind, subject_id) if kind in Subject.ALL else None
    other = counterpart(kind, obj, org) if obj is not None else None
    stranger = db.session.get(Organisation, to) if to else None
    if other is None or (to and other.id != to):
        name = stranger.name if stranger is not None else (other.name if other is not None else _("this organisation"))
        raise ValidationFailed({"to": _("You have no business with %(org)s yet: a message must be about their "
                                        "listing, OCOP product or sourcing request, or an offer or contract between "
                                        "your two organisations.", org=name)})
    conversation = find(kind, obj.id, org.id, other.id)
    if conversation is None:
        conversation = Conversation(subject_kind=kind, subject_id=obj.id, title=subject_title(kind, obj)[:200],
                                    starter=org, other=other, created_by_id=actor.id)
        db.session.add(conversation)
        db.session.flush()
        audit.record("conversation.started", actor, organisation=org, obj=conversation, subject=kind,
                     subject_id=obj.id, to=other.id)
    return post(actor, conversation, body, files=files)


def post(actor: User, conversation: Conversation, body: str, *, files=()) -> Message:
    """A member of one side answers in the thread."""
    org = thread_organisation(actor, conversation)
    if org is None:
        raise PermissionDenied(_("Only the owner, managers and signers of the two organisations write in this "
                                 "conversation."))
    body = _clean_body(body)
    files = [f for f in files or () if getattr(f, "filename", None)]
    if len(files) > MAX_FILES:
        raise ValidationFailed({"files": _("Attach at most %(n)d files to a message.", n=MAX_FILES)})
    attachments = []
    for f in files:
        try:
            attachments.append(uploads.save_upload(actor, org, f, allowed=(uploads.IMAGE, uploads.PDF)))
        except ValidationFailed as exc:
            raise ValidationFailed({"files": exc.errors.get("file", [])}) from None
    message = Message(conversation=conversation, organisation_id=org.id, author_id=actor.id, body=body,
                      attachments=attachments)
    db.session.add(message)
    conversation.last_message_at = utcnow()
    db.session.flush()
    audit.record("conversation.message", actor, organisation=org, obj=message, conversation=conversation.id,
                 attachments=len(attachments))
    mark_read(actor, conversation)
    _tell(conversation.counterpart(org.id), conversation,
          _("New message from %(org)s: %(title)s", org=org.name, title=conversation.title))
    return message


def add_event(conversation: Conversation, org: Organisation | None, actor: User | None, text: str) -> Message:
    """A line the market writes into the thread (a dispute opened, answered, settled...)."""
    message = Message(conversation=conversation, organisation_id=org.id if org else None,
                      author_id=actor.id if actor else None, kind=MessageKind.EVENT, body=text)
    db.session.add(message)
    conversation.last_message_at = utcnow()
    db.session.flush()
    return message


def contract_thread(contract: Contract, actor: User | None = None) -> Conversation:
    """The thread of a contract between its buyer and its seller (made on first use)."""
    conversation = find(Subject.CONTRACT, contract.id, contract.buyer_id, contract.seller_id)
    if conversation is None:
        conversation = Conversation(subject_kind=Subject.CONTRACT, subject_id=contract.id,
                                    title=subject_title(Subject.CONTRACT, contract), starter=contract.buyer,
                                    other=contract.seller, created_by_id=actor.id if actor else None)
        db.session.add(conversation)
        db.session.flush()
    return conversation


def _tell(org: Organisation, conversation: Conversation, text: str) -> None:
    notifications.notify(org, "message.received", text,
                         notifications.page("conversations.show", conversation_id=conversation.id),
                         roles=THREAD_ROLES, once_until_read=True)


# --- reading -------------------------------------------------------------------------------------

def mark_read(user: User, conversation: Conversation) -> None:
    row = db.session.get(ConversationRead, (conversation.id, user.id))
    if row is None:
        db.session.add(ConversationRead(conversation_id=conversation.id, user_id=user.id, read_at=utcnow()))
    else:
        row.read_at = utcnow()
    notifications.mark_read(user, notifications.page("conversations.show", conversation_id=conversation.id))


def _mine(user: User):
    """Ids of the organisations whose threads `user` reads as a party."""
    return [m.organisation_id for m in user.memberships if m.role in THREAD_ROLES]


def _unread_condition(user: User):
    read = sa.select(ConversationRead.read_at).where(ConversationRead.conversation_id == Conversation.id,
                                                     ConversationRead.user_id == user.id).scalar_subquery()
    newer = sa.select(Message.id).where(Message.conversation_id == Conversation.id,
                                        sa.or_(Message.author_id.is_(None), Message.author_id != user.id),
                                        sa.or_(read.is_(None), Message.created_at > read))
    return newer.exists()


def threads(user: User, *, limit: int = 100) -> list[tuple[Conversation, bool]]:
    """(thread, unread) for `user`'s organisations, newest first; department staff also see the threads of
    contracts in dispute."""
    orgs = _mine(user)
    query = sa.select(Conversation, _unread_condition(user)).order_by(Conversation.last_message_at.desc(),
                                                                      Conversation.id.desc())
    rows = db.session.execute(query.where(sa.or_(Conversation.starter_id.in_(orgs),
                                                 Conversation.other_id.in_(orgs))).limit(limit)).all()
    found = [(c, bool(unread)) for c, unread in rows]
    if user.is_department_staff:
        seen = {c.id for c, _unread in found}
        contract_threads = db.session.execute(query.where(Conversation.subject_kind == Subject.CONTRACT)
                                              .limit(limit)).all()
        found += [(c, bool(u)) for c, u in contract_threads if c.id not in seen and can_read_thread(user, c)]
    return found


def unread_count(user: User) -> int:
    orgs = _mine(user)
    if not orgs:
        return 0
    return db.session.scalar(sa.select(sa.func.count(Conversation.id)).where(
        sa.or_(Conversation.starter_id.in_(orgs), Conversation.other_id.in_(orgs)), _unread_condition(user))) or 0


def for_subject(user: User, kind: str, subject_id: int) -> list[Conversation]:
    """The threads about a subject that `user` may read (shown on the subject's page)."""
    rows = db.session.scalars(sa.select(Conversation).where(Conversation.subject_kind == kind,
                                                            Conversation.subject_id == subject_id)
                              .order_by(Conversation.id)).all()
    return [c for c in rows if can_read_thread(user, c)]


def may_see_attachment(user: User, upload_id: int) -> Conversation | None:
    """The thread through which `user` may open attachment `upload_id` (None: they may not)."""
    rows = db.session.scalars(sa.select(Conversation).join(Message).join(
        message_upload, message_upload.c.message_id == Message.id).where(
        message_upload.c.upload_id == upload_id)).all()
    return next((c for c in rows if can_read_thread(user, c)), None)
