"""market/numbers.py: the one rule for numbers, the same in every form and in the department's import."""
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from flask import session

from market.extensions import db
from market.models import Commune, Crop, Organisation, OrgKind, OrgStatus
from market.numbers import BadValue, clean_number, parse_number, plain
from market.services import importer, zones
from market.services.errors import ValidationFailed
from market.text import name_key


@contextmanager
def english(app):
    """A request in English: services word their errors in the visitor's language."""
    with app.test_request_context():
        session["lang"] = "en"
        yield
        db.session.remove()


# (as typed or stored, whole-number field?, the number it is)
READ = [
    # plain digits, signs, spaces
    ("7", False, 7.0), ("7", True, 7), ("-5", True, -5), ("+5", True, 5), (" 8.75 ", False, 8.75),
    ("0", True, 0), ("0.5", False, 0.5), ("0,5", False, 0.5), ("0.500", False, 0.5), ("0,125", False, 0.125),
    # a decimal comma, Vietnamese style, and a decimal point
    ("12,5", False, 12.5), ("1,234", False, 1.234), ("1234.5", False, 1234.5), ("1234,5", False, 1234.5),
    ("12,0", True, 12), ("-1,5", False, -1.5),
    # both marks: the last one is the decimal mark
    ("1.234,5", False, 1234.5), ("1,234.5", False, 1234.5), ("1.234.567,89", False, 1234567.89),
    ("1,234,567.89", False, 1234567.89), ("12.000,0", True, 12000),
    # thousands groups of three
    ("1.234.567", False, 1234567.0), ("1,234,567", True, 1234567), ("1.234.567", True, 1234567),
    # one separator then exactly three digits, in a whole-number field: thousands ("12.000" is twelve thousand)
    ("12.000", True, 12000), ("1.234", True, 1234), ("12,500", True, 12500), ("999.999", True, 999999),
    # spaces as thousands separators (also no-break and narrow no-break spaces) and a currency
    ("250 000 VND", True, 250000), ("85.000 đ", True, 85000), ("85.000đ", True, 85000), ("95.000 ₫", True, 95000),
    ("1\u00a0200", True, 1200), ("1\u202f200,5", False, 1200.5), ("45.000 VNĐ", True, 45000),
    ("12 đồng", True, 12),
    # numbers a program stored (XLSX cells, values already parsed)
    (12.5, False, 12.5), (18.0, True, 18), (7, False, 7.0), (7, True, 7),
    # empty
    ("", False, None), ("   ", True, None), (None, True, None),
]

# (input, whole-number field?, what the message says)
REFUSED = [
    ("abc", False, "not a number"), ("mười", True, "not a number"), ("1..2", False, "not a number"),
    ("1.23.4", True, "not a number"), ("1,2,3", False, "not a number"), ("1.2345.678", False, "not a number"),
    ("12.", False, "not a number"), (".5", False, "not a number"), ("1e3", False, "not a number"),
    ("1E3", True, "not a number"), ("nan", False, "not a number"), ("inf", False, "not a number"),
    ("-", True, "not a number"), ("1_000", True, "not a number"), ("12 kg", False, "not a number"),
    ("1,234.5,6", False, "not a number"), ("0x10", True, "not a number"),
    ("12,5", True, "not a whole number"), ("1,234.5", True, "not a whole number"), ("0,5", True, "not a whole number"),
    (12.5, True, "not a whole number"), (float("nan"), True, "not a whole number"),
    (float("inf"), True, "not a whole number"),
    # the one spelling that cannot be told apart, in a decimal field: refused, saying how to write it
    ("1.234", False, "ambiguous: write 1234 for a thousand and more, or 1,234 with a decimal comma"),
    ("12.500", False, "ambiguous"), ("999.999", False, "ambiguous"), ("-1.234", False, "ambiguous"),
    ("21.845", False, "ambiguous"),
    (True, True, "not a number"), (date(2025, 1, 1), False, "not a number"),
]


def test_the_tables_are_large_enough():
    assert len(READ) >= 30 and len(REFUSED) >= 30


@pytest.mark.parametrize("raw, integer, expected", READ)
def test_numbers_are_read_by_the_rule(raw, integer, expected):
    value = parse_number(raw, integer=integer)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw, integer, message", REFUSED)
def test_unreadable_numbers_are_refused_saying_why(raw, integer, message):
    with pytest.raises(BadValue, match=message):
        parse_number(raw, integer=integer)


def test_the_importer_uses_the_same_parser():
    assert importer.parse_number is parse_number and importer.BadValue is BadValue


@pytest.mark.parametrize("raw, kwargs, expected, message", [
    ("12,5", {}, 12.5, None),
    ("1.234,5", {}, 1234.5, None),
    ("1.200", {"integer": True}, 1200, None),
    ("", {}, None, "This field is required."),
    (None, {}, None, "This field is required."),
    ("", {"required": False}, None, None),
    ("0", {}, None, "Enter a number between 1 and 10000."),
    ("10.000,5", {}, None, "Enter a number between 1 and 10000."),
    (float("nan"), {}, None, "Enter a number between 1 and 10000."),
    ("abc", {}, None, "'abc' is not a number."),
    ("1.234", {}, None, "'1.234' is ambiguous"),
])
def test_clean_number_puts_the_reason_next_to_the_field(app, raw, kwargs, expected, message):
    with english(app):
        errors: dict[str, list[str]] = {}
        value = clean_number(errors, "n", raw, minimum=1, maximum=10_000, **kwargs)
    assert value == expected
    if message is None:
        assert errors == {}
    else:
        assert list(errors) == ["n"] and errors["n"][0].startswith(message)


@pytest.mark.parametrize("value", [0.5, 1.234, -1.234, 12.5, 21.845, 106.761, 999.999, 1234.5, 0.125, 12000.0,
                                   100000, 7, 0, 1e-6, 123456.123])
def test_plain_writes_what_reads_back_as_the_same_number(value):
    text = plain(value)
    assert "e" not in text and parse_number(text) == pytest.approx(value)
    assert plain(None) == ""


# --- the same text through a form and through the import gives the same value -----------------------

ZONE_NUMBERS = [  # (area in ha, households)
    ("12,5", "18"), ("1.234,5", "1.200"), ("1,234.5", "1,200"), ("8.75", "2 000"), ("1234", "12.000"),
    ("0,5", "0"), ("1 234,5", "1.234"), ("1,234", "7"), ("1.234", "12"), ("abc", "12,5"),
]


def _form_path(area: str, households: str, commune_id: int, crop_id: int) -> tuple:
    """What a seller's zone form posts, through the service the form's route calls (with a large area
    confirmed, as the importer's flagged rows are: plausibility is tested in tests/confirmed)."""
    try:
        fields = zones.clean_zone({"code": "LS-SO-0001", "kind": "planting_area", "commune_id": str(commune_id),
                                   "crop_id": str(crop_id), "area_ha": area, "households": households,
                                   "confirm_area": "y"})
    except ValidationFailed as exc:
        return ("refused", {key: exc.errors[key] for key in ("area_ha", "households") if key in exc.errors})
    return (fields["area_ha"], fields["households"])


def _import_path(area: str, households: str) -> tuple:
    """The same text in a cell of the department's CSV import."""
    data = ("code,kind,tax_code,commune,crop,area_ha,households\r\n"
            f'LS-SO-0001,vùng trồng,4900111222,Văn Quan,hoi,"{area}","{households}"\r\n').encode()
    row = importer.preview_import("zones", data, "zones.csv").rows[0]
    if not row.ok:
        errors: dict[str, list[str]] = {}
        for key, message in row.errors:
            errors.setdefault(key, []).append(message)
        return ("refused", errors)
    return (row.fields["zone"]["area_ha"], row.fields["zone"]["households"])


def test_form_and_import_read_the_same_text_as_the_same_number(app):
    with english(app):
        commune = db.session.scalar(sa.select(Commune).where(Commune.name == "Văn Quan"))
        crop = db.session.scalar(sa.select(Crop).where(Crop.key == "hoi"))
        db.session.add(Organisation(name="HTX Số liệu", name_key=name_key("HTX Số liệu"), kind=OrgKind.COOPERATIVE,
                                    status=OrgStatus.VERIFIED, tax_code="4900111222", commune=commune))
        db.session.commit()
        seen = {}
        for area, households in ZONE_NUMBERS:
            through_form = _form_path(area, households, commune.id, crop.id)
            through_import = _import_path(area, households)
            assert through_form == through_import, (area, households)
            seen[(area, households)] = through_form
    assert seen[("1.234,5", "1.200")] == (1234.5, 1200)
    assert seen[("1,234", "7")] == (1.234, 7)
    assert seen[("1.234", "12")][0] == "refused"  # ambiguous area, refused the same way by both
    assert seen[("abc", "12,5")][1].keys() == {"area_ha", "households"}
