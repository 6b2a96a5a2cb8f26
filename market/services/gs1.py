"""GS1 identifiers and GS1 Digital Link URIs, by the GS1 General Specifications and the Digital Link
standard (URI syntax 1.4). Pure functions: no database here, except the resolver's lookups at the end.

- GTIN (AI 01): 8, 12, 13 or 14 digits with a mod-10 check digit. Stored as GTIN-14 (left-padded with
  zeros, as AI 01 and Digital Link URIs carry it); shown in the form it was entered (leading zeros dropped
  down to 13 digits, or 8 for a GTIN-8).
- GLN (AI 414 / 417): 13 digits with the same check digit.
- Lot / batch (AI 10): 1 to 20 characters of GS1 AI encodable character set 82.
- Zones: the organisation's GLN + a GLN extension component (AI 254, 1..20 chars of set 82) when the
  organisation has a GLN: `https://{market}/414/{gln}/254/{zone code}`; otherwise a market-assigned HTTP
  URI `https://{market}/gs1/zones/{zone id}`. Either is a valid EPCIS location identifier (EPCIS 2.0 takes
  any URI; the first is the standard GS1 Digital Link form of an SGLN).
- Items without a GTIN (harvest listings, a contract's goods, OCOP products not yet given one): the market assigns a restricted
  circulation number (RCN, GS1 prefix 20-29 is "restricted distribution", here 29) with a valid check
  digit: 29 + kind (1 listing, 2 contract, 3 OCOP product without a GTIN) + the record's number on
  9 digits + check digit. It is
  meaningful on the market's own domain only (the resolver is the market) and is replaced by the
  product's own GTIN as soon as the producer has one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from flask_babel import gettext as _

# GS1 AI encodable character set 82 (General Specifications, figure 7.11-1).
CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")
LOT_MAX = 20
GLN_EXTENSION_MAX = 20
RCN_PREFIX = "29"
RCN_LISTING, RCN_CONTRACT, RCN_PRODUCT = "1", "2", "3"


class BadIdentifier(ValueError):
    """A GS1 identifier that does not follow the rules; `str()` is the reader's message."""


# --- check digits --------------------------------------------------------------------------------

def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of `body` (all digits but the last): weights 3,1,3,... from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def has_valid_check_digit(number: str) -> bool:
    return number.isdigit() and len(number) >= 2 and check_digit(number[:-1]) == number[-1]


def _digits(value: str | None) -> str:
    """What a person typed, without spaces, dots and dashes people put between digit groups."""
    return re.sub(r"[\s.\-]", "", value or "")


def clean_gtin(value: str | None) -> str | None:
    """The GTIN-14 for what was typed, None for nothing; BadIdentifier with a clear message otherwise."""
    digits = _digits(value)
    if not digits:
        return None
    if not digits.isdigit():
        raise BadIdentifier(_("A GTIN has digits only."))
    if len(digits) not in (8, 12, 13, 14):
        raise BadIdentifier(_("A GTIN has 8, 12, 13 or 14 digits (this one has %(n)d).", n=len(digits)))
    if not has_valid_check_digit(digits):
        raise BadIdentifier(_("The check digit is wrong: a GTIN ending in %(body)s… ends with %(digit)s. "
                              "Check the number on the GS1 certificate.",
                              body=digits[:-1][-6:], digit=check_digit(digits[:-1])))
    return digits.zfill(14)


def clean_gln(value: str | None) -> str | None:
    digits = _digits(value)
    if not digits:
        return None
    if not digits.isdigit() or len(digits) != 13:
        raise BadIdentifier(_("A GLN has 13 digits."))
    if not has_valid_check_digit(digits):
        raise BadIdentifier(_("The check digit is wrong: a GLN ending in %(body)s… ends with %(digit)s. "
                              "Check the number on the GS1 certificate.",
                              body=digits[:-1][-6:], digit=check_digit(digits[:-1])))
    return digits


def clean_lot(value: str | None) -> str | None:
    """A lot / batch number (AI 10): 1 to 20 characters of GS1's character set (letters without accents,
    digits and ! " % & ' ( ) * + , - . / : ; < = > ? _). Spaces around it are dropped."""
    lot = (value or "").strip()
    if not lot:
        return None
    if len(lot) > LOT_MAX:
        raise BadIdentifier(_("A lot number has at most 20 characters (this one has %(n)d).", n=len(lot)))
    if not CSET82.match(lot):
        raise BadIdentifier(_("A lot number may contain only letters without accents, digits and the "
                              "symbols - . / _ : ( ) + , ; = < > ? ! & ' * (no spaces)."))
    return lot


def gtin_display(gtin14: str | None) -> str | None:
    """The GTIN as printed under a barcode: GTIN-13 (or GTIN-8) without the padding zeros."""
    if not gtin14:
        return None
    if gtin14.startswith("000000") and len(gtin14.lstrip("0")) <= 8:
        return gtin14[-8:]
    return gtin14[1:] if gtin14.startswith("0") else gtin14


def rcn(kind: str, number: int) -> str:
    """A market-assigned restricted circulation number, as a GTIN-14 (see the module's docstring)."""
    body = RCN_PREFIX + kind + str(number).zfill(9)
    return ("0" + body + check_digit(body))


def rcn_target(gtin14: str) -> tuple[str, int] | None:
    """(kind, number) for one of the market's restricted circulation numbers, else None."""
    if len(gtin14) == 14 and gtin14.startswith("0" + RCN_PREFIX) and gtin14[3] in (RCN_LISTING, RCN_CONTRACT, RCN_PRODUCT):
        return gtin14[3], int(gtin14[4:13])
    return None


def element_string(gtin14: str, lot: str | None = None) -> str:
    """The human-readable interpretation printed beside a code: (01)09506000134352(10)LOT."""
    return f"(01){gtin14}" + (f"(10){lot}" if lot else "")


# --- Digital Link URIs ---------------------------------------------------------------------------

def digital_link(base: str, gtin14: str, lot: str | None = None) -> str:
    """The GS1 Digital Link URI on the market's domain (`base` = scheme://host, no slash at the end)."""
    uri = f"{base.rstrip('/')}/01/{gtin14}"
    if lot:
        uri += "/10/" + quote(lot, safe="")
    return uri


def location_uri(base: str, zone) -> str:
    gln = zone.organisation.gln if zone.organisation is not None else None
    extension = gln_extension(zone)
    if gln and extension:
        return f"{base.rstrip('/')}/414/{gln}/254/{quote(extension, safe='')}"
    return f"{base.rstrip('/')}/gs1/zones/{zone.id}"


def gln_extension(zone) -> str | None:
    """The zone's GLN extension component (AI 254): its code as issued, when it fits the AI's rules;
    else its number in the market."""
    code = (zone.code or "").strip()
    if code and len(code) <= GLN_EXTENSION_MAX and CSET82.match(code):
        return code
    return f"Z{zone.id}" if zone.id is not None else None


def party_uri(base: str, org) -> str:
    """An organisation as an EPCIS party: its GLN as a Digital Link (AI 417, party GLN), else the market's URI."""
    if org.gln:
        return f"{base.rstrip('/')}/417/{org.gln}"
    return f"{base.rstrip('/')}/gs1/parties/{org.id}"


@dataclass(frozen=True)
class ParsedLink:
    gtin14: str
    lot: str | None


def parse_path(gtin: str, lot: str | None) -> ParsedLink:
    """Check the parts of `/01/{gtin}[/10/{lot}]` from the address; BadIdentifier says what is wrong."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise BadIdentifier(_("Malformed GS1 Digital Link: after /01/ comes a GTIN of 8, 12, 13 or 14 digits."))
    if not has_valid_check_digit(gtin):
        raise BadIdentifier(_("Wrong check digit in GTIN %(gtin)s: it should end with %(digit)s.",
                              gtin=gtin, digit=check_digit(gtin[:-1])))
    if lot is not None:
        lot = unquote(lot)
        if not lot or len(lot) > LOT_MAX or not CSET82.match(lot):
            raise BadIdentifier(_("Malformed GS1 Digital Link: a lot number (after /10/) has 1 to 20 letters, "
                                  "digits or GS1 symbols."))
    return ParsedLink(gtin.zfill(14), lot)
