"""VietQR payloads (market.payments.vietqr), byte for byte against payloads published by others, and the
CRC-16/CCITT-FALSE against its catalogued check value. Pure functions: no database."""
import xml.etree.ElementTree as ET

import pytest

from market.payments import vietqr

# Published payloads, each decoded by hand below (BIN, account, amount, purpose):
PUBLISHED = [
    # subiz/vietqr, README.md and vietqr_test.go (ExampleGenerate): VietinBank, 120.000 ₫, "ủng hộ lũ lụt"
    # folded as banks print it.
    ("970415", "0011001932418", 120000, "ủng hộ lũ lụt",
     "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
     "62170813ung ho lu lut6304C15C"),
    # KienlongBank's KPAY SDK README (unicloudvn kpay-nodejs-sdk), the `qrCodeString` of a payment link the bank
    # created: KienLongBank, virtual account, 123 ₫, "TT Don hang 123456".
    ("970452", "10372212086747084", 123, "TT Don hang 123456",
     "00020101021238610010A000000727013100069704520117103722120867470840208QRIBFTTA530370454031235802VN"
     "62220818TT Don hang 12345663046352"),
    # vietnam_qr_pay (Ruby gem) README, "Build a dynamic VietQR": ACB, 10.000 ₫, "Chuyen tien".
    ("970416", "257678859", 10000, "Chuyen tien",
     "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
     "62150811Chuyen tien630453E6"),
    # A static code (no amount, no purpose), from a Go VietQR library's test table: TPBank 0099999999.
    ("970423", "0099999999", None, None,
     "00020101021138540010A00000072701240006970423011000999999990208QRIBFTTA53037045802VN6304CBB4"),
]


@pytest.mark.parametrize("bin_, account, amount, purpose, expected", PUBLISHED)
def test_payloads_match_published_examples_byte_for_byte(bin_, account, amount, purpose, expected):
    assert vietqr.payload(bin=bin_, account=account, amount=amount, purpose=purpose) == expected


@pytest.mark.parametrize("data, crc", [
    (b"123456789", 0x29B1),  # the catalogued check value of CRC-16/CCITT-FALSE (reveng CRC catalogue)
    (b"", 0xFFFF),  # nothing processed: the initial value
    (b"A", 0xB915),
])
def test_crc16_ccitt_false_known_vectors(data, crc):
    assert vietqr.crc16_ccitt_false(data) == crc


@pytest.mark.parametrize("expected", [row[-1] for row in PUBLISHED])
def test_each_published_crc_is_over_everything_up_to_and_including_6304(expected):
    body = expected[:-4]
    assert body.endswith("6304")
    assert f"{vietqr.crc16_ccitt_false(body.encode()):04X}" == expected[-4:]


def test_the_payload_of_a_payment_names_bank_account_amount_and_reference():
    code = vietqr.payload(bin="970436", account="0071000123456", amount=45_000_000, purpose="TT-1A2B3C4D")
    top = vietqr.parse(code)
    assert top["00"] == "01" and top["01"] == "12"  # dynamic: one amount, one payment
    merchant = vietqr.split(top["38"])
    assert merchant == {"00": "A000000727", "01": "000697043601130071000123456", "02": "QRIBFTTA"}
    assert vietqr.split(merchant["01"]) == {"00": "970436", "01": "0071000123456"}
    assert top["53"] == "704" and top["54"] == "45000000" and top["58"] == "VN"
    assert vietqr.split(top["62"]) == {"08": "TT-1A2B3C4D"}


def test_a_changed_character_breaks_the_crc():
    code = vietqr.payload(bin="970436", account="0071000123456", amount=100_000, purpose="TT-1A2B3C4D")
    tampered = code.replace("100000", "900000")
    with pytest.raises(vietqr.VietQRError):
        vietqr.parse(tampered)


@pytest.mark.parametrize("kwargs", [
    {"bin": "97043", "account": "123456"},  # a BIN is six digits
    {"bin": "970436", "account": ""},
    {"bin": "970436", "account": "1" * 20},  # NAPAS: at most 19 characters
    {"bin": "970436", "account": "123456", "amount": 0},
    {"bin": "970436", "account": "123456", "amount": -5},
    {"bin": "970436", "account": "123456", "amount": 10**13},
])
def test_what_cannot_be_encoded_is_refused(kwargs):
    with pytest.raises(vietqr.VietQRError):
        vietqr.payload(**kwargs)


def test_the_purpose_is_folded_and_cut_as_banks_keep_it():
    assert vietqr.plain_text("Thanh toán đơn hàng ĐH-01!") == "Thanh toan don hang DH-01"
    assert len(vietqr.plain_text("X" * 60)) == vietqr.MAX_PURPOSE


def test_the_image_is_an_inline_svg_without_script():
    svg = str(vietqr.svg(PUBLISHED[0][-1], label='VietQR "TT"'))
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("role") == "img" and root.get("aria-label") == 'VietQR "TT"'
    assert "<script" not in svg and "style=" not in svg
