"""Whether Stripe can take an amount in a currency, per Stripe's documented limits.

Stripe, "Supported currencies" → "Minimum and maximum charge amounts"
(https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts):
- the maximum: "The amount value supports up to eight digits (e.g., a value of 99999999 for a USD charge of
  $999,999.99)" — the same sentence in the API reference of `amount` (Charges, PaymentIntents). VND is a
  zero-decimal currency, so the largest card payment is 99.999.999 ₫ (about 4 000 USD): a contract deposit of a
  few tonnes of produce is above it.
- the minimum is set per *settlement* currency (USD 0.50, EUR 0.50, GBP 0.30, JPY 50, ...); VND is not one of
  them (a Vietnamese seller cannot open a Stripe account), so a VND charge must be worth at least USD 0.50 once
  converted. We keep a conservative 13.000 ₫ (STRIPE_MIN_AMOUNT_VND), adjustable without a release.
Outside these limits the card button is not offered; the page says why and offers the bank transfer."""
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

MAX_DIGITS = 8
ZERO_DECIMAL = {"VND", "JPY", "KRW"}  # of the currencies we could show; VND is the one we charge
DEFAULT_MIN = {"VND": 13_000, "USD": 50, "EUR": 50, "JPY": 50}


def card_range(currency: str) -> tuple[int, int]:
    """(smallest, largest) amount in minor units Stripe takes in `currency`."""
    currency = currency.upper()
    smallest = DEFAULT_MIN.get(currency, 1)
    if currency == "VND":
        smallest = int(current_app.config.get("STRIPE_MIN_AMOUNT_VND") or smallest)
    return smallest, 10**MAX_DIGITS - 1


def card_refusal(amount: int, currency: str = "VND") -> str | None:
    """None when Stripe can take `amount`; otherwise why not, in words for the payer."""
    smallest, largest = card_range(currency)
    if amount > largest:
        return _("Card payment is not possible for this amount: Stripe takes at most %(max)s %(cur)s in one "
                 "payment. Pay by bank transfer.", max=format_decimal(largest), cur=currency.upper())
    if amount < smallest:
        return _("Card payment is not possible for this amount: Stripe takes at least %(min)s %(cur)s. "
                 "Pay by bank transfer.", min=format_decimal(smallest), cur=currency.upper())
    return None
