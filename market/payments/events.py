"""What payments announce. Payments sit below the services that use them: they know a payment's contract or
order only by id and never decide what it means. Contracts and shop orders subscribe here (in their own
modules) and react: the contract becomes active, the order paid, the buyer is told of a refund.

Signals (blinker, through Flask's namespace) rather than an event table: every reaction must happen in the
same transaction as the change of the payment (money received and contract active, or neither), synchronously,
and what happened is already recorded durably by the payment row, the `AuditEvent` and the `StripeEvent`.
A receiver runs inside the sender's transaction and must not commit; when it raises, the whole change is
rolled back.

    payment_received.send(payment, actor=user_or_None)   # money is in (webhook or confirmed transfer)
    payment_refunded.send(payment)                        # Stripe gave the money back
"""
from flask.signals import Namespace

_signals = Namespace()

payment_received = _signals.signal("payment-received")
payment_refunded = _signals.signal("payment-refunded")
