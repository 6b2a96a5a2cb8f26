"""Cancelling a contract: the reason is kept, the other party is told, unpaid deposits are abandoned and a paid
one is given back (by Stripe, or by the seller's own bank transfer, which the seller is reminded of)."""
import pytest
import sqlalchemy as sa

from market import effects, payments
from market.extensions import db
from market.models import (
    Contract,
    ContractState,
    Notification,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Role,
    User,
)
from market.services import contracts
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import actions, count, get, notified, snapshot

S = ContractState
REASON = "Bên mua không còn nhu cầu"


def test_cancelling_reaches_the_payment_service(req, build, world):
    contracts.cancel(world.user("buyer_owner"), get(Contract, build.contract(S.PROPOSED)), REASON)


@pytest.mark.parametrize("state", [S.DRAFT, S.PROPOSED, S.SIGNED, S.ACTIVE])
@pytest.mark.parametrize("who, other", [("buyer_owner", "seller"), ("seller_signer", "buyer")])
def test_either_party_cancels_before_any_delivery(req, build, world, state, who, other):
    contract_id = build.contract(state)
    contracts.cancel(world.user(who), get(Contract, contract_id), f"  {REASON}  ")
    db.session.commit()
    contract = get(Contract, contract_id)
    assert contract.state == S.CANCELLED and contract.cancel_reason == REASON and contract.cancelled_at
    people = {"buyer": 2, "seller": 3}[other]
    assert notified("contract.cancelled") == {getattr(world, other): people}
    assert actions() == {"contract.cancelled": 1}
    assert count(Payment) == 0


@pytest.mark.parametrize("reason", [None, "", "   ", "hủy"])
def test_a_cancellation_needs_a_reason(req, build, world, reason):
    contract_id = build.contract(S.PROPOSED)
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        contracts.cancel(world.user("buyer_owner"), get(Contract, contract_id), reason)
    assert list(caught.value.errors) == ["reason"]
    db.session.rollback()
    assert snapshot() == before and get(Contract, contract_id).state == S.PROPOSED


def test_only_negotiators_of_the_parties_cancel(req, factory, build, world):
    contract_id = build.contract(S.PROPOSED)
    for actor in (world.user("seller_member"), get(User, factory.member(factory.org(name="HTX Ngoài Cuộc"))),
                  get(User, factory.department_staff())):
        with pytest.raises(PermissionDenied):
            contracts.cancel(actor, get(Contract, contract_id), REASON)
    db.session.rollback()
    assert get(Contract, contract_id).state == S.PROPOSED
    # A manager negotiates, so may cancel.
    contracts.cancel(get(User, factory.member(world.buyer, Role.MANAGER)), get(Contract, contract_id), REASON)
    assert get(Contract, contract_id).state == S.CANCELLED


def test_a_pending_deposit_is_abandoned(req, build, world):
    contract_id = build.contract(S.SIGNED)
    payment = contracts.start_deposit(world.user("buyer_signer"), get(Contract, contract_id),
                                     PaymentMethod.BANK_TRANSFER)
    db.session.commit()
    contracts.cancel(world.user("buyer_owner"), get(Contract, contract_id), REASON)
    db.session.commit()
    assert get(Payment, payment.id).status == PaymentStatus.CANCELLED
    assert get(Contract, contract_id).state == S.CANCELLED
    assert notified("payment.refund_due") == {}
    # The seller can no longer confirm a transfer for it.
    with pytest.raises(ValidationFailed):
        payments.confirm_bank_transfer(world.user("seller_owner"), get(Payment, payment.id))


def test_a_deposit_paid_by_bank_transfer_is_due_back_from_the_seller(req, build, world):
    w = world
    contract_id = build.contract(S.SIGNED)
    payment = contracts.start_deposit(w.user("buyer_signer"), get(Contract, contract_id), PaymentMethod.BANK_TRANSFER)
    payments.confirm_bank_transfer(w.user("seller_owner"), payment)
    db.session.commit()
    assert get(Contract, contract_id).state == S.ACTIVE
    contracts.cancel(w.user("buyer_owner"), get(Contract, contract_id), REASON)
    db.session.commit()
    contract, payment = get(Contract, contract_id), get(Payment, payment.id)
    assert contract.state == S.CANCELLED
    assert notified("payment.refund_due") == {w.seller: 3}
    message = db.session.scalar(sa.select(Notification.message).where(Notification.kind == "payment.refund_due")
                                .limit(1))
    assert contract.reference in message and "190.000.000" in message  # Vietnamese digit grouping
    # The money goes back by hand: the payment stays received until the seller has returned it.
    assert payment.status == PaymentStatus.SUCCEEDED and payment.stripe_refund_id is None
    assert actions()["payment.refund"] == 1


def test_switching_from_bank_transfer_to_card_abandons_the_transfer(req, build, world, stripe_mock):
    contract_id = build.contract(S.SIGNED, deposit_pct="5")  # 47,500,000 ₫: within Stripe's eight digits
    transfer = contracts.start_deposit(world.user("buyer_signer"), get(Contract, contract_id),
                                      PaymentMethod.BANK_TRANSFER)
    card = contracts.start_deposit(world.user("buyer_signer"), get(Contract, contract_id), PaymentMethod.STRIPE)
    db.session.commit()
    assert card.id != transfer.id
    assert get(Payment, transfer.id).status == PaymentStatus.CANCELLED
    assert get(Payment, card.id).status == PaymentStatus.PENDING


def test_card_payment_is_refused_when_stripe_is_off(req, app, monkeypatch, build, world):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", None)
    with pytest.raises(ValidationFailed) as caught:
        contracts.start_deposit(world.user("buyer_signer"), get(Contract, build.contract(S.SIGNED)),
                               PaymentMethod.STRIPE)
    assert list(caught.value.errors) == ["method"]
    db.session.rollback()
    assert count(Payment) == 0


# --- Stripe (stripe-mock) ------------------------------------------------------------------------------------

def test_a_card_deposit_opens_a_checkout_session(req, build, world, stripe_mock):
    contract_id = build.contract(S.SIGNED, deposit_pct="5")  # 47,500,000 ₫: within Stripe's eight digits
    payment = contracts.start_deposit(world.user("buyer_signer"), get(Contract, contract_id), PaymentMethod.STRIPE)
    db.session.commit()
    payment = get(Payment, payment.id)
    assert payment.method == PaymentMethod.STRIPE and payment.status == PaymentStatus.PENDING
    assert payment.amount == 47_500_000 and payment.currency == "VND"
    assert payment.stripe_checkout_session_id and payment.stripe_checkout_session_id.startswith("cs_")
    assert payment.checkout_url and payment.checkout_url.startswith("https://")
    assert get(Contract, contract_id).state == S.SIGNED  # only Stripe's word (the webhook) makes it active
    # Asking again gives the same session, never a second charge.
    again = contracts.start_deposit(world.user("buyer_owner"), get(Contract, contract_id), PaymentMethod.STRIPE)
    assert again.id == payment.id and count(Payment) == 1


def test_a_card_deposit_is_refunded_through_stripe_on_cancellation(req, build, world, stripe_mock):
    w = world
    contract_id = build.contract(S.SIGNED, deposit_pct="5")  # 47,500,000 ₫: within Stripe's eight digits
    payment = contracts.start_deposit(w.user("buyer_signer"), get(Contract, contract_id), PaymentMethod.STRIPE)
    db.session.commit()
    payment = get(Payment, payment.id)
    assert payment.stripe_payment_intent_id  # stripe-mock answers with one; the webhook sets it otherwise
    payments.mark_received(payment, None)  # what the verified webhook does
    db.session.commit()
    assert get(Payment, payment.id).status == PaymentStatus.SUCCEEDED
    assert get(Contract, contract_id).state == S.ACTIVE
    contracts.cancel(w.user("seller_owner"), get(Contract, contract_id), "Mất mùa do sương muối")
    db.session.commit()
    assert get(Payment, payment.id).status == PaymentStatus.REFUNDING  # Stripe is asked after the commit
    assert effects.run_ready() == []
    payment = get(Payment, payment.id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_at is not None
    assert payment.stripe_refund_id and payment.stripe_refund_id.startswith("re_")
    assert get(Contract, contract_id).state == S.CANCELLED
    assert notified("payment.refund_due") == {}  # Stripe gives the money back, not the seller
    assert notified("contract.cancelled") == {w.buyer: 2}
    assert actions()["payment.refund"] == 1
