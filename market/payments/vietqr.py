"""VietQR: the EMVCo merchant-presented QR payload of a NAPAS 247 account transfer ("QRIBFTTA"), and its image.

A payload is a string of TLV data objects: a two-digit id, a two-digit length, the value. The objects a
banking app reads for a transfer to an account (NAPAS VietQR specification, on EMVCo MPM):

    00 "01"             payload format indicator
    01 "11" | "12"      point of initiation: 11 static (no amount), 12 dynamic (one amount, one payment)
    38 ...              merchant account information, NAPAS:
         00 "A000000727"      NAPAS's GUID
         01 ...               beneficiary organisation: 00 the bank's BIN (6 digits), 01 the account number
         02 "QRIBFTTA"        service code: inter-bank fund transfer 24/7 to an account
    53 "704"            currency: VND (ISO 4217 numeric)
    54 "120000"         amount, whole đồng (only in a dynamic code)
    58 "VN"             country
    62 ...              additional data: 08 the purpose of the transfer, which the app pre-fills as the
                        transfer's description; we put the payment's reference there, so that it comes back
                        on the payee's bank statement (market.payments.reconcile)
    63 "XXXX"           CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over the whole payload up to and
                        including "6304", in upper-case hex

The image is drawn on the server as an inline SVG (the `qrcode` library, already a dependency), so the
page needs no JavaScript and no image request."""
import re

import qrcode
import qrcode.image.svg
from markupsafe import Markup

from market.text import fold

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
MAX_PURPOSE = 25  # characters of the purpose (62.08) most banking apps keep
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9 \-]")


class VietQRError(ValueError):
    """The account, the amount or the text cannot be put in a VietQR code."""


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final xor.
    Check value (of b"123456789"): 0x29B1."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQRError(f"data object {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def plain_text(text: str, longest: int = MAX_PURPOSE) -> str:
    """What a bank keeps of a transfer description: ASCII letters, digits, spaces and hyphens, diacritics
    folded as banks print them ("ủng hộ" → "ung ho")."""
    # Character by character, so that letters without diacritics keep their case (references are upper-case).
    kept = "".join(ch if ch.isascii() else (fold(ch) if ch.islower() else fold(ch).upper()) for ch in text or "")
    return _NOT_PLAIN.sub("", kept).strip()[:longest].strip()


def payload(*, bin: str, account: str, amount: int | None = None, purpose: str | None = None) -> str:
    """The VietQR string for a transfer to `account` at the bank whose NAPAS BIN is `bin`; with an amount it
    is a dynamic (one-payment) code."""
    if not re.fullmatch(r"\d{6}", bin or ""):
        raise VietQRError("a bank BIN is six digits")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account or ""):
        raise VietQRError("an account number is 1 to 19 letters or digits")
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount
                               < 10**13):
        raise VietQRError("the amount is a positive whole number of đồng, at most 13 digits")
    beneficiary = tlv("00", bin) + tlv("01", account)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_ACCOUNT)
    parts = [tlv("00", "01"), tlv("01", "12" if amount else "11"), tlv("38", merchant), tlv("53", CURRENCY_VND)]
    if amount:
        parts.append(tlv("54", str(amount)))
    parts.append(tlv("58", COUNTRY))
    text = plain_text(purpose or "")
    if text:
        parts.append(tlv("62", tlv("08", text)))
    body = "".join(parts) + "6304"
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def parse(code: str) -> dict[str, str]:
    """The top-level data objects of a payload (nested ones stay as strings); VietQRError if the CRC does not
    match or the TLV structure is broken."""
    if len(code) < 8 or code[-8:-4] != "6304":
        raise VietQRError("no CRC at the end")
    if f"{crc16_ccitt_false(code[:-4].encode('ascii')):04X}" != code[-4:].upper():
        raise VietQRError("the CRC does not match")
    return split(code)


def split(data: str) -> dict[str, str]:
    objects, i = {}, 0
    while i < len(data):
        tag, length = data[i:i + 2], data[i + 2:i + 4]
        if not (len(tag) == 2 and length.isdigit()) or i + 4 + int(length) > len(data):
            raise VietQRError(f"broken data object at {i}")
        objects[tag] = data[i + 4:i + 4 + int(length)]
        i += 4 + int(length)
    return objects


def svg(code: str, *, label: str = "") -> Markup:
    """The QR code of `code` as an inline <svg> element (error correction M, a quiet zone of 4 modules)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                       image_factory=qrcode.image.svg.SvgPathImage)
    qr.add_data(code)
    qr.make(fit=True)
    text = qr.make_image().to_string(encoding="unicode")
    text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    attrs = ' role="img" class="qr"'
    if label:
        from markupsafe import escape
        attrs += f' aria-label="{escape(label)}"'
    return Markup(text.replace("<svg", "<svg" + attrs, 1))  # noqa: S704 - generated by qrcode, label escaped
