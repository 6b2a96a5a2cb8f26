"""Numbers as people write them, in a form or in a register's cell: one rule for the whole application.

`parse_number(value, integer=...)` reads a value by the rule below (None for an empty one, `BadValue`
with a message saying why otherwise); `clean_number(errors, field, raw, minimum=, maximum=)` is the same
for a service's `clean_*` function (the message goes into `errors[field]`, as `ValidationFailed` wants);
`plain(value)` writes a stored number back into a form so that `parse_number` reads the same number.

The rule. Numbers a program stores (XLSX number cells, values already parsed) are taken as they are. In
text, spaces are ignored and a trailing currency ("đ", "₫", "VND", "VNĐ") is dropped, then:
- both "." and "," present: the last one is the decimal mark, the other groups thousands by three
  ("1.234,5" and "1,234.5" are both 1234.5);
- one kind of separator, several times: thousands groups of three ("1.234.567" is 1234567);
- one separator once:
  - whole-number fields (households, price in VND, stock, stars, minimum order): followed by exactly three
    digits it groups thousands ("12.500" and "12,500" are 12500); otherwise it is a decimal mark, and a
    non-zero fraction is an error ("1,5" households is not a whole number);
  - decimal fields (area, quantity, coordinates): "," is the decimal mark, Vietnamese style ("1,5" is 1.5
    and "1,234" is 1.234); "." is a decimal mark too ("1234.5"), except "1.234" (one to three digits, a
    dot, exactly three digits), which a Vietnamese writer means as 1234 and an English one as 1.234: it is
    refused as ambiguous, with a message saying how to write either, rather than guessed.
Exponents ("1e3"), "nan", "inf", "-0" and digit groups other than three are not numbers.

Why not Babel's `parse_decimal` with the visitor's locale: the same person switches the page between
Vietnamese and English, and registers mix both habits, so a locale-bound reading would take "12.000" as
twelve thousand on one page and twelve on the next. This rule reads both styles the same everywhere and
refuses only the one spelling it cannot tell apart.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

__all__ = ["BadValue", "clean_number", "parse_number", "plain"]

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_CURRENCY = re.compile(r"\s*(vnđ|vnd|đồng|đ|₫)$", re.IGNORECASE)
_GROUPED = {".": re.compile(r"^\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^\d{1,3}(,\d{3})+$")}
_LONE_THOUSANDS = re.compile(r"^[1-9]\d{0,2}[.,]\d{3}$")


class BadValue(ValueError):
    """A value that cannot be read; the message says why, in words for the user."""


def _not_a_number(raw: Any) -> BadValue:
    return BadValue(_("'%(value)s' is not a number.", value=raw))


def _canonical(raw: str, *, integer: bool) -> str:
    """Text as digits with at most one "." as the decimal mark (and a sign), by the rule above."""
    text = _SPACES.sub("", _CURRENCY.sub("", raw))
    sign = text[:1] if text[:1] in "+-" else ""
    text = text[len(sign):]
    if not text or not re.fullmatch(r"[0-9.,]+", text):
        raise _not_a_number(raw)
    if "." in text and "," in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        whole, _sep, fraction = text.rpartition(decimal)
        thousands = "," if decimal == "." else "."
        if not fraction.isdigit() or not (whole.isdigit() or _GROUPED[thousands].match(whole)):
            raise _not_a_number(raw)
        return sign + whole.replace(thousands, "") + "." + fraction
    if "." not in text and "," not in text:
        return sign + text
    separator = "," if "," in text else "."
    if text.count(separator) > 1:
        if not _GROUPED[separator].match(text):
            raise _not_a_number(raw)
        return sign + text.replace(separator, "")
    whole, _sep, fraction = text.partition(separator)
    if not whole or not fraction:
        raise _not_a_number(raw)
    if _LONE_THOUSANDS.match(text) and integer:
        return sign + whole + fraction
    if _LONE_THOUSANDS.match(text) and separator == ".":
        raise BadValue(_("'%(value)s' is ambiguous: write 1234 for a thousand and more, "
                         "or 1,234 with a decimal comma.", value=raw))
    return sign + whole + "." + fraction


def parse_number(value: Any, *, integer: bool = False) -> int | float | None:
    """A typed or stored value as a number by the rule in this module's docstring: an int for a whole-number
    field, a float otherwise; None when empty; `BadValue` (saying why) when it cannot be read."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        raise _not_a_number(value)
    if isinstance(value, (int, float)):
        number: int | float = value
    else:
        canonical = _canonical(str(value).strip(), integer=integer)
        number = float(canonical) if "." in canonical else int(canonical)
        if canonical.startswith("-") and number == 0:
            raise BadValue(_("'%(value)s' is not a number to use: write 0, without a sign.", value=value))
    if isinstance(number, float) and number == 0 and math.copysign(1.0, number) < 0:
        raise BadValue(_("'%(value)s' is not a number to use: write 0, without a sign.", value=value))
    if integer:
        if isinstance(number, float):
            if number != number or number in (float("inf"), float("-inf")) or not number.is_integer():
                raise BadValue(_("'%(value)s' is not a whole number.", value=value))
            number = int(number)
        return number
    return float(number)


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
    if value != value or not minimum <= value <= maximum:  # value != value catches a stored NaN
        errors[field] = [_("Enter a number between %(low)s and %(high)s.", low=minimum, high=maximum)]
        return None
    return value


def plain(value: int | float | None) -> str:
    """A stored number as a person would type it back: no exponent, no trailing zeros, and read back by
    `parse_number` as the same number (1.234 is written "1.2340", which is not ambiguous)."""
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if _LONE_THOUSANDS.match(text.lstrip("-")):
        text += "0"
    return text
