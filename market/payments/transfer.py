"""What a payer needs to pay by bank transfer: the payee's account, the exact amount, the payment's reference,
and the VietQR code that carries all three (market.payments.vietqr)."""
from dataclasses import dataclass

from markupsafe import Markup

from market.models import PayeeAccount, Payment
from market.payments import banks, vietqr
from market.payments.service import transfer_account


@dataclass(frozen=True)
class TransferInstructions:
    payment: Payment
    account: PayeeAccount | None  # None: the payee has no verified account yet
    bank: banks.Bank | None
    amount: int
    reference: str
    payload: str | None
    qr: Markup | None


def instructions(payment: Payment) -> TransferInstructions:
    account = transfer_account(payment)
    bank = banks.by_bin(account.bank_bin) if account else None
    payload = qr = None
    if account is not None:
        payload = vietqr.payload(bin=account.bank_bin, account=account.account_number, amount=payment.amount,
                                 purpose=payment.reference)
        qr = vietqr.svg(payload, label=f"VietQR {payment.reference}")
    return TransferInstructions(payment, account, bank, payment.amount, payment.reference, payload, qr)
