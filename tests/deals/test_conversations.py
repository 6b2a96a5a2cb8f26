"""Conversations between two organisations (services/conversations.py): who reads and answers, the refusal of a
message to an organisation one has no business with, batched notifications and e-mail, unread counts in SQL."""
import pytest
import sqlalchemy as sa

from market.blueprints import write
from market.extensions import db
from market.models import (
    AuditEvent,
    Contract,
    ContractState,
    Conversation,
    Message,
    Notification,
    OrgKind,
    OrgStatus,
    Role,
    User,
)
from market.permissions import can_read_thread, can_write_thread
from market.services import conversations
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import count, get

pytestmark = pytest.mark.both_engines


def ask(world, text="Hồi khô loại 1 còn bao nhiêu tấn?"):
    """The buyer's owner asks the cooperative about its listing (committed, effects run)."""
    return write.commit(lambda: conversations.start(world.user("buyer_owner"), world.org("buyer"), "listing",
                                                    world.listing, text)).value


def inbox_rows(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.kind == "message.received")) or 0


def test_a_question_on_a_listing_opens_a_thread_the_cooperative_answers(req, world):
    message = ask(world)
    thread = get(Conversation, message.conversation_id)
    assert (thread.starter_id, thread.other_id, thread.subject_kind) == (world.buyer, world.seller, "listing")
    assert thread.title.startswith("Tin chào bán:")
    answer = write.commit(lambda: conversations.post(world.user("seller_signer"), get(Conversation, thread.id),
                                                     "Còn 12 tấn, giao từ tuần sau.")).value
    assert answer.organisation_id == world.seller
    # A second question on the same listing continues the same thread.
    again = ask(world, "Giá có thương lượng được không?")
    assert again.conversation_id == thread.id and count(Conversation) == 1 and count(Message) == 3
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "conversation.message")) == 3


def test_only_the_two_organisations_with_the_right_role_read_it(req, world, factory):
    thread = get(Conversation, ask(world).conversation_id)
    stranger_org = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Siêu thị Người Ngoài")
    stranger = factory.member(stranger_org, Role.OWNER)
    staff = factory.department_staff()
    for name in ("buyer_owner", "buyer_signer", "seller_owner", "seller_signer"):
        assert can_read_thread(world.user(name), thread) and can_write_thread(world.user(name), thread)
    # A plain member of the cooperative (field worker), a stranger and the department (no dispute) do not.
    for user_id in (world.seller_member, stranger, staff):
        assert not can_read_thread(get(User, user_id), thread)
    with pytest.raises(PermissionDenied):
        conversations.post(get(User, stranger), thread, "Tôi cũng muốn hỏi")
    db.session.rollback()
    assert count(Message) == 1
    assert [c.id for c, _unread in conversations.threads(get(User, stranger))] == []


def test_the_department_reads_a_contract_thread_only_while_it_is_in_dispute(req, world, build, factory):
    contract_id = build.contract(ContractState.ACTIVE)
    write.commit(lambda: conversations.start(world.user("seller_owner"), world.org("seller"), "contract",
                                             contract_id, "Tuần sau giao lô đầu."))
    thread = db.session.scalar(sa.select(Conversation))
    staff = get(User, factory.department_staff())
    assert not can_read_thread(staff, thread) and not can_write_thread(staff, thread)
    get(Contract, contract_id).state = ContractState.DISPUTED
    db.session.commit()
    assert can_read_thread(staff, get(Conversation, thread.id))
    assert not can_write_thread(staff, get(Conversation, thread.id))  # the department reads; it mediates elsewhere
    assert thread.id in [c.id for c, _unread in conversations.threads(staff)]


def test_a_message_to_an_organisation_one_has_no_business_with_is_refused_in_vietnamese(req, world, factory, build):
    stranger = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Không Quen Biết")
    with pytest.raises(ValidationFailed) as caught:
        conversations.start(world.user("buyer_owner"), world.org("buyer"), "listing", world.listing,
                            "Chào anh chị", to=stranger)
    message = caught.value.errors["to"][0]
    assert message.startswith("Bạn chưa có giao dịch nào với HTX Không Quen Biết")
    db.session.rollback()
    # A contract between two others links a third organisation to nobody.
    contract_id = build.contract(ContractState.ACTIVE)
    other_buyer = factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi Khác")
    other_owner = get(User, factory.member(other_buyer))
    with pytest.raises(ValidationFailed) as caught:
        conversations.start(other_owner, other_owner.memberships[0].organisation, "contract", contract_id, "Xin chào")
    assert "Bạn chưa có giao dịch nào" in caught.value.errors["to"][0]
    db.session.rollback()
    assert count(Conversation) == 0 and count(Message) == 0


def test_an_unverified_organisation_is_told_why_it_cannot_write(req, world, factory):
    pending = factory.org(kind=OrgKind.RETAIL_CHAIN, status=OrgStatus.PENDING, name="Chuỗi Chờ Duyệt")
    owner = get(User, factory.member(pending))
    with pytest.raises(PermissionDenied) as caught:
        conversations.start(owner, owner.memberships[0].organisation, "listing", world.listing, "Xin chào")
    assert "chưa được Sở xác minh" in str(caught.value)


def test_notifications_and_mail_are_batched_until_the_thread_is_read(req, world, outbox):
    thread_id = ask(world).conversation_id
    seller_readers = [world.seller_owner, world.seller_signer]
    assert [inbox_rows(u) for u in seller_readers] == [1, 1]
    assert inbox_rows(world.seller_member) == 0  # not a reader of the organisation's threads
    mails = len(outbox)
    assert mails == 2
    for text in ("Câu hỏi thứ hai", "Câu hỏi thứ ba"):
        ask(world, text)
    assert [inbox_rows(u) for u in seller_readers] == [1, 1] and len(outbox) == mails  # one mail per unread spell
    assert conversations.unread_count(world.user("seller_owner")) == 1
    # The seller's owner reads the thread: the next message tells them again (only them: the signer has not read).
    write.commit(lambda: conversations.mark_read(world.user("seller_owner"), get(Conversation, thread_id)))
    assert conversations.unread_count(world.user("seller_owner")) == 0
    ask(world, "Câu hỏi thứ tư")
    assert [inbox_rows(u) for u in seller_readers] == [2, 1] and len(outbox) == mails + 1
    assert conversations.unread_count(world.user("seller_owner")) == 1
    assert conversations.unread_count(world.user("buyer_owner")) == 0  # their own messages are read
