"""market/numbers.py: numbers read and written the page's way (Babel's CLDR data), the same in every form, in
the department's import, in the exports and in the templates."""
import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa
from flask import session

from market.extensions import db
from market.models import GrowingZone
from market.numbers import BadValue, clean_number, format_money, format_number, parse_number, plain
from market.services import importer
from tests.conftest import log_in, submit

BOTH = ("vi", "en")


@contextmanager
def page_in(app, locale: str):
    """A request whose page speaks `locale`: messages and the default reading follow it."""
    with app.test_request_context():
        session["lang"] = locale
        yield
        db.session.remove()


# (as typed or stored, whole-number field?, the number it is) -- a Vietnamese page
READ_VI = [
    ("7", False, 7.0), ("7", True, 7), ("-5", True, -5), ("+5", True, 5), (" 8,75 ", False, 8.75),
    ("0", True, 0), ("0,5", False, 0.5), ("0,500", False, 0.5), ("0,125", False, 0.125), ("0,01", False, 0.01),
    ("12,5", False, 12.5), ("1234,5", False, 1234.5), ("12,0", True, 12), ("-1,5", False, -1.5),
    ("1.234,5", False, 1234.5), ("1.234.567,89", False, 1234567.89), ("12.000,0", True, 12000),
    ("1.234.567", False, 1234567.0), ("1.234.567", True, 1234567), ("10.000.000", True, 10_000_000),
    # "12.000" is twelve thousand, in every field
    ("12.000", True, 12000), ("12.000", False, 12000.0), ("1.234", True, 1234), ("999.999", True, 999999),
    # spaces between groups of three (also no-break and narrow no-break spaces) and a currency
    ("250 000 VND", True, 250000), ("85.000 đ", True, 85000), ("85.000đ", True, 85000), ("95.000 ₫", True, 95000),
    ("₫95.000", True, 95000), ("1\u00a0200", True, 1200), ("1\u202f200,5", False, 1200.5),
    ("45.000 VNĐ", True, 45000), ("12 đồng", True, 12),
    # more decimals than three: no ambiguity
    ("1,2340", False, 1.234), ("21,853708", False, 21.853708), ("106,761234", False, 106.761234),
    ("1234", True, 1234),
    # numbers a program stored (XLSX cells, values already parsed)
    (12.5, False, 12.5), (18.0, True, 18), (7, False, 7.0), (7, True, 7), (Decimal("2.5"), False, 2.5),
    # empty
    ("", False, None), ("   ", True, None), (None, True, None),
]

# the same on an English page
READ_EN = [
    ("7", False, 7.0), ("7", True, 7), ("-5", True, -5), ("+5", True, 5), (" 8.75 ", False, 8.75),
    ("0", True, 0), ("0.5", False, 0.5), ("0.500", False, 0.5), ("0.125", False, 0.125), ("0.01", False, 0.01),
    ("12.5", False, 12.5), ("1234.5", False, 1234.5), ("12.0", True, 12), ("-1.5", False, -1.5),
    ("1,234.5", False, 1234.5), ("1,234,567.89", False, 1234567.89), ("12,000.0", True, 12000),
    ("1,234,567", False, 1234567.0), ("1,234,567", True, 1234567), ("10,000,000", True, 10_000_000),
    ("12,000", True, 12000), ("12,000", False, 12000.0), ("1,234", True, 1234), ("999,999", True, 999999),
    ("250 000 VND", True, 250000), ("85,000 đ", True, 85000), ("85,000đ", True, 85000), ("95,000 ₫", True, 95000),
    ("₫95,000", True, 95000), ("1\u00a0200", True, 1200), ("1\u202f200.5", False, 1200.5),
    ("45,000 VNĐ", True, 45000), ("12 đồng", True, 12),
    ("1.2340", False, 1.234), ("21.853708", False, 21.853708), ("106.761234", False, 106.761234),
    ("1234", True, 1234), (".5", False, 0.5),
    (12.5, False, 12.5), (18.0, True, 18), (7, False, 7.0), (7, True, 7), (Decimal("2.5"), False, 2.5),
    ("", False, None), ("   ", True, None), (None, True, None),
]

NOT_A_NUMBER = "is not a number"
# (input, whole-number field?, what the message says, in English) -- refused on a Vietnamese page
REFUSED_VI = [
    ("abc", False, NOT_A_NUMBER), ("mười", True, NOT_A_NUMBER), ("1..2", False, "write"), ("1,2,3", False, NOT_A_NUMBER),
    ("12.", False, "write"), ("1e3", False, NOT_A_NUMBER), ("1E3", True, NOT_A_NUMBER), ("nan", False, NOT_A_NUMBER),
    ("inf", False, NOT_A_NUMBER), ("Infinity", True, NOT_A_NUMBER), ("-", True, NOT_A_NUMBER),
    ("1_000", True, NOT_A_NUMBER), ("12 kg", False, NOT_A_NUMBER), ("0x10", True, NOT_A_NUMBER),
    ("١٢", True, NOT_A_NUMBER), ("1 2", True, NOT_A_NUMBER),
    ("12,5", True, "not a whole number"), ("0,5", True, "not a whole number"), (12.5, True, "not a whole number"),
    (float("nan"), True, NOT_A_NUMBER), (float("inf"), False, NOT_A_NUMBER), (True, True, NOT_A_NUMBER),
    (date(2025, 1, 1), False, NOT_A_NUMBER),
    # the English habit on a Vietnamese page: refused with Babel's suggestion of how to write it
    ("1,234.5", False, "write 1,2345 or 1.234,5"), ("1.5", False, "write 15 or 1,5"),
    ("12.5", False, "write 125 or 12,5"), ("0.5", False, "write 5 or 0,5"), (".5", False, "or 0,5"),
    ("1.23.4", True, "write 1.234"), ("01.234", True, "write 1.234 or 1,234"),
    # a lone decimal comma and three digits: thousands in the English habit, refused showing both ways
    ("12,000", False, "can be read two ways: write 12.000 or 12."),
    ("1,234", False, "can be read two ways: write 1.234 or 1,2340."),
    ("95,000 ₫", True, "can be read two ways: write 95.000 or 95."),
    ("-1,234", False, "can be read two ways: write -1.234 or -1,2340."),
    ("999,999", False, "write 999.999 or 999,999"),
]

REFUSED_EN = [
    ("abc", False, NOT_A_NUMBER), ("1e3", False, NOT_A_NUMBER), ("nan", False, NOT_A_NUMBER),
    ("12 kg", False, NOT_A_NUMBER), ("1.23.4", True, NOT_A_NUMBER), ("12.5", True, "not a whole number"),
    ("1,234.5", True, "not a whole number"),
    ("1.234,5", False, "write 1.2345 or 1,234.5"), ("1,5", False, "write 15 or 1.5"),
    ("0,5", False, "write 5 or 0.5"),
    ("12.000", False, "can be read two ways: write 12,000 or 12."),
    ("1.234", False, "can be read two ways: write 1,234 or 1.2340."),
    ("95.000 ₫", True, "can be read two ways: write 95,000 or 95."),
]


def test_the_tables_are_large_enough():
    assert len(READ_VI) >= 40 and len(READ_EN) >= 40
    assert len(READ_VI) + len(REFUSED_VI) >= 80 and len(READ_EN) + len(REFUSED_EN) >= 55


@pytest.mark.parametrize("raw, integer, expected", READ_VI)
def test_a_vietnamese_page_reads_numbers_the_vietnamese_way(app, raw, integer, expected):
    with page_in(app, "vi"):
        value = parse_number(raw, integer=integer)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw, integer, expected", READ_EN)
def test_an_english_page_reads_numbers_the_english_way(app, raw, integer, expected):
    with page_in(app, "en"):
        value = parse_number(raw, integer=integer)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw, integer, message", REFUSED_VI)
def test_unreadable_numbers_on_a_vietnamese_page_are_refused_saying_how_to_write_them(app, raw, integer, message):
    with page_in(app, "en"), pytest.raises(BadValue, match=re.escape(message)):  # English msgids, Vietnamese reading
        parse_number(raw, integer=integer, locale="vi")


@pytest.mark.parametrize("raw, integer, message", REFUSED_EN)
def test_unreadable_numbers_on_an_english_page_are_refused_saying_how_to_write_them(app, raw, integer, message):
    with page_in(app, "en"), pytest.raises(BadValue, match=re.escape(message)):
        parse_number(raw, integer=integer)


def test_the_refusal_is_worded_in_vietnamese_on_a_vietnamese_page(app):
    with page_in(app, "vi"), pytest.raises(BadValue) as refused:
        parse_number("12,000")
    assert str(refused.value) == "'12,000' có thể hiểu theo hai cách: hãy viết 12.000 hoặc 12."


def test_outside_a_request_numbers_are_read_the_default_vietnamese_way(app):
    with app.app_context():
        assert parse_number("12.000") == 12000.0 and parse_number("1.234,5") == 1234.5


def test_the_importer_uses_the_same_parser():
    assert importer.parse_number is parse_number and importer.BadValue is BadValue


@pytest.mark.parametrize("raw, kwargs, expected, message", [
    ("12.5", {}, 12.5, None),
    ("1,234.5", {}, 1234.5, None),
    ("1,200", {"integer": True}, 1200, None),
    ("", {}, None, "This field is required."),
    (None, {}, None, "This field is required."),
    ("", {"required": False}, None, None),
    ("0", {}, None, "Enter a number between 1 and 10,000."),
    ("10,000.5", {}, None, "Enter a number between 1 and 10,000."),
    (float("nan"), {}, None, "'nan' is not a number."),
    ("abc", {}, None, "'abc' is not a number."),
    ("1.234", {}, None, "'1.234' can be read two ways"),
])
def test_clean_number_puts_the_reason_next_to_the_field(app, raw, kwargs, expected, message):
    with page_in(app, "en"):
        errors: dict[str, list[str]] = {}
        value = clean_number(errors, "n", raw, minimum=1, maximum=10_000, **kwargs)
    assert value == expected
    if message is None:
        assert errors == {}
    else:
        assert list(errors) == ["n"] and errors["n"][0].startswith(message)


@pytest.mark.parametrize("locale", BOTH)
@pytest.mark.parametrize("value", [0.5, 1.234, -1.234, 12.5, 21.845, 106.761, 999.999, 1234.5, 0.125, 12000.0,
                                   100000, 7, 0, 1e-6, 123456.123, 21.853708])
def test_plain_writes_what_reads_back_as_the_same_number(app, locale, value):
    with page_in(app, locale):
        text = plain(value)
        assert "e" not in text and parse_number(text) == pytest.approx(value)
    assert plain(None) == ""


@pytest.mark.parametrize("locale, number, money, value", [
    ("vi", "1.234,5", "95.000\xa0₫", 1234.5),
    ("en", "1,234.5", "₫95,000", 1234.5),
])
def test_numbers_and_money_are_written_the_page_way(app, locale, number, money, value):
    with page_in(app, locale):
        assert format_number(value) == number and format_money(95000) == money
        rendered = app.jinja_env.from_string("{{ v|number }}|{{ 95000|money }}|{{ 12000|quantity('kg') }}").render(v=value)
    assert rendered.split("|")[:2] == [number, money] and rendered.endswith("kg")


# --- the same text through a real form post and through the import gives the same value ---------------------

ZONE_NUMBERS = {  # locale -> (area in ha, households) as typed
    "vi": [("12,5", "18"), ("1.234,5", "1.200"), ("8,75", "2 000"), ("1234", "12.000"), ("0,5", "0"),
           ("1 234,5", "1.234"), ("1,2340", "7"), ("4.500", "12"), ("1,234", "7"), ("1.5", "12"),
           ("abc", "12,5"), ("12,000", "3"), ("-4", "5"), ("1.234.567", "8"), ("21,853708", "1 200")],
    "en": [("12.5", "18"), ("1,234.5", "1,200"), ("8.75", "2 000"), ("1234", "12,000"), ("0.5", "0"),
           ("1 234.5", "1,234"), ("1.2340", "7"), ("4,500", "12"), ("1.234", "7"), ("1,5", "12"),
           ("abc", "12.5"), ("12.000", "3"), ("-4", "5"), ("1,234,567", "8"), ("21.853708", "1 200")],
}


def _errors_on_page(html: str) -> dict[str, list[str]]:
    """The errors next to each field, read from the page the form came back with."""
    found: dict[str, list[str]] = {}
    for name, message in re.findall(r'<p class="error" id="([a-z_]+)-error(?:-\d+)?">(.*?)</p>', html, re.S):
        found.setdefault(name, []).append(unescape(message))
    return found


def _form_path(client, org_id: int, n: int, area: str, households: str, place: tuple) -> tuple:
    """What a seller types in the zone form, posted as a browser does; the saved zone or the errors shown."""
    code = f"LS-SO-{n:04d}"
    url = f"/workspace/{org_id}/zones/new"
    response = submit(client, url, {"code": code, "kind": "planting_area", "commune_id": str(place[0]),
                                    "crop_id": str(place[1]), "area_ha": area, "households": households,
                                    "confirm_area": "y"})
    if response.status_code == 302:
        with client.application.app_context():
            zone = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.code == code))
            return (zone.area_ha, zone.households)
    errors = _errors_on_page(response.get_data(as_text=True))
    return ("refused", {key: errors[key] for key in ("area_ha", "households") if key in errors})


@contextmanager
def _registers_written_in(locale: str):
    saved, importer.REGISTER_NUMBER_LOCALE = importer.REGISTER_NUMBER_LOCALE, locale
    try:
        yield
    finally:
        importer.REGISTER_NUMBER_LOCALE = saved


def _import_path(app, locale: str, area: str, households: str) -> tuple:
    """The same text in a cell of the department's CSV import, read as written in `locale` (the province's
    registers are Vietnamese: REGISTER_NUMBER_LOCALE), the messages in the page's language."""
    data = ("code,kind,tax_code,commune,crop,area_ha,households\r\n"
            f'LS-SO-9999,vùng trồng,4900111222,Văn Quan,hoi,"{area}","{households}"\r\n').encode()
    with page_in(app, locale), _registers_written_in(locale):
        row = importer.preview_import("zones", data, "zones.csv").rows[0]
    if not row.ok:
        errors: dict[str, list[str]] = {}
        for key, message in row.errors:
            errors.setdefault(key, []).append(message)
        return ("refused", {key: errors[key] for key in ("area_ha", "households") if key in errors})
    return (row.fields["zone"]["area_ha"], row.fields["zone"]["households"])


def _typed_inputs(locale: str) -> list[tuple[str, str]]:
    """Every text of the locale's tables, typed in the zone form: whole-number ones as households, the
    others as the area (the other box holding a plain number)."""
    read, refused = (READ_VI, REFUSED_VI) if locale == "vi" else (READ_EN, REFUSED_EN)
    return [("12", raw) if integer else (raw, "7") for raw, integer, _x in read + refused
            if isinstance(raw, str) and raw.strip()] + ZONE_NUMBERS[locale]


@pytest.mark.parametrize("locale", BOTH)  # "en": a register written the English way, on an English page
def test_form_and_import_read_the_same_text_as_the_same_number(app, client, factory, locale):
    org_id = factory.org(name="HTX Số liệu", tax_code="4900111222")
    log_in(client, factory.member(org_id))
    with client.session_transaction() as s:
        s["lang"] = locale
    with app.app_context():
        place = (factory.commune_id(), factory.crop_id())
    seen = {}
    typed = _typed_inputs(locale)
    assert len(typed) >= 50
    for n, (area, households) in enumerate(typed):
        through_form = _form_path(client, org_id, n, area, households, place)
        through_import = _import_path(app, locale, area, households)
        assert through_form == through_import, (locale, area, households)
        seen[(area, households)] = through_form
    if locale == "vi":
        assert seen[("1.234,5", "1.200")] == (1234.5, 1200) and seen[("1234", "12.000")] == (1234.0, 12000)
        assert seen[("4.500", "12")] == (4500.0, 12) and seen[("12", "95.000 ₫")] == (12.0, 95000)
        assert seen[("12,000", "3")][0] == "refused" and "12.000" in seen[("12,000", "3")][1]["area_ha"][0]
        assert seen[("1.5", "12")][0] == "refused" and "1,5" in seen[("1.5", "12")][1]["area_ha"][0]
    else:
        assert seen[("1,234.5", "1,200")] == (1234.5, 1200) and seen[("4,500", "12")] == (4500.0, 12)
        assert seen[("1.234", "7")][0] == "refused"
    assert seen[("abc", "7")][1].keys() == {"area_ha"}
    assert seen[("-4", "5")][0] == "refused"
