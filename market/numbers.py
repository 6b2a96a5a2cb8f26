"""Numbers and money as people write them, by locale: one way to read and write them for every form, the
importer, the exports and the templates. Babel's CLDR data is the reference (`parse_decimal(strict=True)`,
`format_decimal`, `format_currency`).

Reading (`parse_number(value, integer=..., locale=None)`; the locale defaults to the page's):
- Numbers a program stores (XLSX number cells, values already parsed) are taken as they are.
- Text is read the way the locale writes it: in Vietnamese "." groups thousands and "," is the decimal
  mark ("12.000" is twelve thousand, "1.234,5" is 1234.5, "95.000 ₫" a price); in English the other way
  round ("12,000", "1,234.5"). Spaces between groups of three ("12 000") and a currency ("₫", "đ", "VND",
  "VNĐ", "đồng") are allowed. Babel's strict mode refuses groups that are not of three ("1.23.4") and the
  other locale's habit ("1,234.5" on a Vietnamese page), and its suggestions go into the message, so the
  person reads how to write it.
- One spelling is refused as ambiguous rather than guessed: a lone decimal mark followed by exactly three
  digits ("12,000" on a Vietnamese page, "12.000" on an English one) is a thousands group in the other
  habit; the message shows both ways to write it ("12.000" or "12").
- Exponents ("1e3"), "NaN", "Infinity" and digits other than 0-9 are not numbers.
`clean_number(errors, field, raw, minimum=, maximum=)` is the same for a service's `clean_*` function.

Writing: `format_number` / `format_money` / `format_quantity` for pages and exports (Jinja filters
`number`, `money`, `quantity`), and `plain(value)`, a stored number as a person types it back in a form,
read back by `parse_number` as the same number.
A sign on zero ("-0", "-0,0", a stored -0.0) is refused: write 0, without a sign.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

__all__ = ["BadValue", "clean_number", "format_money", "format_number", "format_quantity", "parse_number",
           "plain", "current_locale"]

_CURRENCY = re.compile(r"^(?:₫|vnđ|vnd)\s*|\s*(?:vnđ|vnd|đồng|đ|₫)$", re.IGNORECASE)
# A space between a digit and a group of exactly three digits groups thousands ("12 000", "1 234 567").
_SPACE_GROUP = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?:\D|$))")
_PLAIN_FORMAT = "0.######"


class BadValue(ValueError):
    """A value that cannot be read; the message says why, in words for the user."""


def current_locale() -> str:
    """The page's locale in a request, else the default one (CLI commands, jobs): 'vi' or 'en'."""
    try:
        if has_request_context() or current_app:
            locale = get_locale()
            if locale is not None:
                return str(locale)
    except RuntimeError:  # no application at all (a bare unit call)
        pass
    return "vi"


def _symbols(locale: str) -> tuple[str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale)


def _not_a_number(raw: Any) -> BadValue:
    return BadValue(_("'%(value)s' is not a number.", value=raw))


def _ambiguous(raw: str, text: str, decimal: str, locale: str) -> BadValue | None:
    """'12,000' on a Vietnamese page (or '12.000' on an English one): a lone decimal mark then exactly three
    digits, which the other habit reads as thousands. The message shows how to write either meaning."""
    match = re.fullmatch(r"([+-]?)([1-9]\d{0,2})" + re.escape(decimal) + r"(\d{3})", text)
    if not match:
        return None
    sign, whole, fraction = match.groups()
    large = format_decimal(int(sign + whole + fraction), locale=locale)
    small = plain(float(sign + whole + "." + fraction), locale=locale)
    return BadValue(_("'%(value)s' can be read two ways: write %(large)s or %(small)s.",
                      value=raw, large=large, small=small))


def parse_number(value: Any, *, integer: bool = False, locale: str | None = None) -> int | float | None:
    """A typed or stored value as a number, read in `locale` (the page's by default): an int for a
    whole-number field, a float otherwise; None when empty; `BadValue` (saying why and how to write it)
    when it cannot be read."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        raise _not_a_number(value)
    if isinstance(value, (int, float, Decimal)):
        number: int | float = value if isinstance(value, int) else float(value)
    else:
        text = str(value).strip()
        number = _parse_text(text, locale or current_locale())
        if text.startswith("-") and number == 0:
            raise BadValue(_("'%(value)s' is not a number to use: write 0, without a sign.", value=value))
    if isinstance(number, float) and (number != number or number in (float("inf"), float("-inf"))):
        raise _not_a_number(value)
    if isinstance(number, float) and number == 0 and math.copysign(1.0, number) < 0:
        raise BadValue(_("'%(value)s' is not a number to use: write 0, without a sign.", value=value))
    if integer:
        if isinstance(number, float):
            if not number.is_integer():
                raise BadValue(_("'%(value)s' is not a whole number.", value=value))
            number = int(number)
        return number
    return float(number)


def _parse_text(raw: str, locale: str) -> int | float:
    decimal, group = _symbols(locale)
    text = _SPACE_GROUP.sub(group, _CURRENCY.sub("", raw).strip())
    if not re.fullmatch(r"[+-]?[0-9.,]+", text):
        raise _not_a_number(raw)
    ambiguous = _ambiguous(raw, text, decimal, locale)
    if ambiguous is not None:
        raise ambiguous
    try:
        number = parse_decimal(text, locale=locale, strict=True)
    except NumberFormatError as exc:
        suggestions = [s for s in (getattr(exc, "suggestions", None) or []) if s]
        if suggestions:
            raise BadValue(_("'%(value)s' is not written as a number: write %(examples)s.", value=raw,
                             examples=_(" or ").join(suggestions))) from None
        raise _not_a_number(raw) from None
    except (InvalidOperation, ValueError):
        raise _not_a_number(raw) from None
    return int(number) if number == number.to_integral_value() and decimal not in text else float(number)


def clean_number(errors: dict, field: str, raw: Any, *, minimum, maximum, integer: bool = False,
                 required: bool = True) -> int | float | None:
    """`parse_number` for a service's clean_* function: the number, or None with the reason in
    errors[field] (required and empty, unreadable, or outside minimum..maximum)."""
    try:
        value = parse_number(raw, integer=integer)
    except BadValue as exc:
        errors[field] = [str(exc)]
        return None
    if value is None:
        if required:
            errors[field] = [_("This field is required.")]
        return None
    if not minimum <= value <= maximum:
        errors[field] = [out_of_range(minimum, maximum)]
        return None
    return value


def out_of_range(minimum, maximum) -> str:
    """The message for a number outside minimum..maximum, the bounds written in the page's locale."""
    return _("Enter a number between %(low)s and %(high)s.", low=format_number(minimum),
             high=format_number(maximum))


# --- writing ----------------------------------------------------------------------------------------

def format_number(value: Any, *, locale: str | None = None, digits: int = 3) -> str:
    """A number for reading: grouped thousands, at most `digits` decimals ('1.234,5' in Vietnamese)."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale or current_locale())


def format_money(value: Any, currency: str = "VND", *, locale: str | None = None) -> str:
    """An amount with its currency, the locale's way ('95.000 ₫' in Vietnamese, '₫95,000' in English)."""
    if value is None or value == "":
        return ""
    return format_currency(value, currency, locale=locale or current_locale())


def format_quantity(value: Any, unit_label: str = "", *, locale: str | None = None) -> str:
    """'12.000 kg': a number and the unit's label (the label, never the stored code)."""
    text = format_number(value, locale=locale)
    return f"{text}\u00a0{unit_label}" if text and unit_label else text


def plain(value: int | float | None, *, locale: str | None = None) -> str:
    """A stored number as a person types it back in a form, read back by `parse_number` in the same locale
    as the same number: no exponent, up to six decimals, and never the ambiguous lone three decimals
    (1.234 is written '1,2340' in Vietnamese)."""
    if value is None or value == "":
        return ""
    locale = locale or current_locale()
    text = format_decimal(value, format=_PLAIN_FORMAT, locale=locale)
    decimal, _group = _symbols(locale)
    if re.fullmatch(r"-?[1-9]\d{0,2}" + re.escape(decimal) + r"\d{3}", text):
        text += "0"
    return text

