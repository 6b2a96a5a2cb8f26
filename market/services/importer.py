"""The department's bulk import of existing registers: growing zones (with their certificates) and OCOP
products, from a CSV or XLSX file.

Three steps, each usable on its own:

1. `read_table(data, filename, kind)` reads the file into a `Table`: the header row is mapped to this
   module's column names through an alias table (Vietnamese or English, any case, with or without
   diacritics: "Mã vùng", "ma_vung" and "code" are the same column), then one `RawRow` per non-empty row
   with its line number as the spreadsheet shows it (the header is line 1). Problems with the file as a
   whole (not CSV/XLSX, not UTF-8, missing columns, too many rows) raise `FileRejected`.
2. `Preview(table)` checks every row, chunk by chunk (`steps()` yields the count of rows checked so far,
   for a progress display; `run()` checks them all). Each row is checked by the services' own rules
   (`zones.clean_zone`, `zones.clean_certificate`, `products.clean_product`) after its names have been
   resolved (tax number -> organisation, commune name or alias -> commune, crop name -> crop), plus the
   checks only a file needs: the same code twice in the file, a code already registered. Nothing is
   written.
3. `commit_import(actor, kind, rows)` checks again and saves all rows or none.

Formats. The content decides, not the file name: a ZIP container is read as XLSX (openpyxl, read-only, the
first sheet, cached values of formulas); anything else must be UTF-8 text (a BOM is allowed) and is read as
CSV whose delimiter is whichever of ";", "," or tab occurs most often in the header line (header names do
not contain delimiters, while Vietnamese numbers such as "1.234,5" do).

Numbers: `market.numbers.parse_number`, the reading every form of the application uses too, in the
Vietnamese way registers are written (REGISTER_NUMBER_LOCALE): "12.500" is twelve thousand five hundred,
"1.234,5" is 1234.5, "12,000" is refused as ambiguous with how to write it. XLSX number cells are taken as
they are.

Dates (`parse_date`): date cells of XLSX; text as YYYY-MM-DD or DD/MM/YYYY (also DD-MM-YYYY, DD.MM.YYYY).
Tax numbers: a cell of 9 digits gets its leading zero back (spreadsheets drop it: 0109003003 -> 109003003).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market import labels
from market.clock import today
from market.extensions import db
from market.models import (
    Certificate,
    CertificateKind,
    Commune,
    CommuneAlias,
    Crop,
    GrowingZone,
    OcopLevel,
    OcopProduct,
    Organisation,
    OrgKind,
    ProductStatus,
    ReviewStatus,
    User,
    ZoneKind,
)
from market.models.types import utcnow
from market.numbers import BadValue, parse_number
from market.services import audit, ocop, plausibility, products, reference_data, zones
from market.services.errors import ValidationFailed
from market.services.organisations import require_department
from market.services.validation import normalize_tax_code
from market.text import fold, name_key

KINDS = ("zones", "products", "ocop")
# The province's registers write numbers the Vietnamese way ("1.234,5"), whatever language the department's
# page is in: a register is read as written, the same way a form on a Vietnamese page reads it.
REGISTER_NUMBER_LOCALE = "vi"
MAX_ROWS = 20_000      # data rows per file; the request size is limited by MAX_CONTENT_LENGTH
CHUNK_SIZE = 500       # rows checked between two progress reports
MAX_COLUMNS = 60       # columns read from an XLSX sheet (a register has about fifteen)
MAX_XLSX_UNPACKED = 256 * 2**20  # bytes of XML in a workbook; 20,000 rows of a register need a few MB
EXTENSIONS = ("csv", "xlsx")


class FileRejected(ValidationFailed):
    """The file as a whole cannot be imported; the message is for the `file` field of the upload form."""

    def __init__(self, message: str):
        super().__init__({"file": [message]})


class ImportRejected(ValidationFailed):
    """Some rows break a rule, so nothing was saved. `preview` holds every row's errors."""

    def __init__(self, preview: Preview):
        self.preview = preview
        super().__init__({"file": [_("%(count)d row(s) have errors: nothing was saved.", count=preview.bad)]})


class OutliersUnconfirmed(ValidationFailed):
    """Some rows hold implausible but possible values (a very large zone) and the department did not tick
    that it checked them: nothing was saved. `preview` lists the flagged rows."""

    def __init__(self, preview: Preview):
        self.preview = preview
        super().__init__({"confirm_outliers": [_(
            "%(count)d row(s) are flagged as unusual: confirm that you checked them, or correct the file.",
            count=len(preview.flagged_rows))]})


# --- columns ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy string
    aliases: tuple[str, ...] = ()
    required: bool = False


_TAX_ALIASES = ("org_tax_code", "organisation_tax_code", "organization_tax_code", "tax_number", "ma_so_thue", "mst",
                "ma_so_thue_to_chuc", "ma_so_thue_htx", "ma_so_doanh_nghiep", "ma_so_dn", "ma_so_htx")
_ISSUED = ("ngay_cap", "issued_on", "issue_date", "ngay_cong_nhan")
_EXPIRES = ("ngay_het_han", "het_han", "expires_on", "expiry_date", "hieu_luc_den", "co_hieu_luc_den")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "zones": (
        Column("code", _l("Zone code as issued"),
               ("ma_vung", "ma_so_vung", "ma_so_vung_trong", "ma_vung_trong", "ma_so_rung_trong", "ma_rung_trong",
                "ma_so", "zone_code"), True),
        Column("kind", _l("Kind: vùng trồng or rừng trồng (empty: vùng trồng)"),
               ("loai", "loai_vung", "loai_ma", "zone_kind", "type")),
        Column("tax_code", _l("Tax number of the cooperative or group"), _TAX_ALIASES, True),
        Column("commune", _l("Commune or ward"), ("xa", "xa_phuong", "phuong_xa", "ten_xa", "commune_name", "ward"),
               True),
        Column("crop", _l("Crop"), ("cay_trong", "cay", "loai_cay", "crop_name"), True),
        Column("area_ha", _l("Area (ha)"), ("area", "dien_tich", "dien_tich_ha"), True),
        Column("households", _l("Households"), ("so_ho", "ho", "so_ho_tham_gia")),
        Column("name", _l("Zone name"), ("ten", "ten_vung", "zone_name")),
        Column("latitude", _l("Latitude"), ("vi_do", "lat")),
        Column("longitude", _l("Longitude"), ("kinh_do", "lon", "lng")),
        Column("cert_kind", _l("Certificate kind"), ("loai_chung_nhan", "certificate_kind")),
        Column("cert_number", _l("Certificate number"),
               ("so_chung_nhan", "so_giay_chung_nhan", "certificate_number")),
        Column("cert_issuer", _l("Issued by"), ("noi_cap", "co_quan_cap", "don_vi_cap", "issuer",
                                                "certificate_issuer")),
        Column("cert_issued_on", _l("Issue date"), _ISSUED + ("certificate_issued_on",)),
        Column("cert_expires_on", _l("Expiry date"), _EXPIRES + ("certificate_expires_on",)),
    ),
    "products": (
        Column("tax_code", _l("Tax number of the producer"), _TAX_ALIASES, True),
        Column("name", _l("Product name"), ("ten_san_pham", "ten", "product_name", "san_pham", "product"), True),
        Column("category", _l("Category"), ("nhom", "nhom_san_pham", "phan_loai", "loai", "danh_muc",
                                            "product_category"), True),
        Column("stars", _l("OCOP stars"), ("so_sao", "sao", "hang_sao", "xep_hang", "ocop_stars"), True),
        Column("certificate_number", _l("OCOP certificate number"),
               ("so_chung_nhan", "so_giay_chung_nhan", "cert_number", "so_quyet_dinh"), True),
        Column("issued_on", _l("Issue date"), _ISSUED + ("certificate_issued_on", "cert_issued_on"), True),
        Column("expires_on", _l("Expiry date"), _EXPIRES + ("certificate_expires_on", "cert_expires_on"), True),
        Column("unit", _l("Unit"), ("don_vi", "don_vi_tinh", "dvt"), True),
        Column("price", _l("Price (VND)"), ("gia", "gia_ban", "don_gia", "gia_vnd", "price_vnd", "gia_ban_vnd"),
               True),
        Column("stock", _l("Stock"), ("ton_kho", "so_luong_ton", "so_luong", "quantity")),
        Column("min_order_qty", _l("Minimum order"), ("dat_toi_thieu", "so_luong_toi_thieu", "min_order", "moq",
                                                      "toi_thieu")),
        Column("crop", _l("Crop"), ("cay_trong", "cay", "nguyen_lieu")),
        Column("description", _l("Description"), ("mo_ta", "gioi_thieu")),
        Column("gtin", _l("GTIN"), ("ma_gtin", "ma_vach", "ma_so_ma_vach", "barcode", "ean")),
    ),
    # The department's own OCOP register: certificates recorded as verified against it.
    "ocop": (
        Column("certificate_number", _l("OCOP decision number"),
               ("so_quyet_dinh", "so_qd", "quyet_dinh", "so_chung_nhan", "so_giay_chung_nhan", "number",
                "decision_number", "cert_number"), True),
        Column("tax_code", _l("Tax number of the producer"), _TAX_ALIASES, True),
        Column("product_name", _l("Product name"), ("ten_san_pham", "san_pham", "ten", "name", "product"), True),
        Column("stars", _l("OCOP stars"), ("so_sao", "sao", "hang_sao", "xep_hang", "ocop_stars"), True),
        Column("level", _l("Issuing level: tỉnh or trung ương (empty: by the stars)"),
               ("cap", "cap_cong_nhan", "cap_quyet_dinh", "issuing_level")),
        Column("issued_on", _l("Issue date"), _ISSUED + ("certificate_issued_on",), True),
        Column("expires_on", _l("Expiry date"), _EXPIRES + ("certificate_expires_on",), True),
    ),
}

_CERT_COLUMNS = ("cert_kind", "cert_number", "cert_issuer", "cert_issued_on", "cert_expires_on")


def header_key(text: Any) -> str:
    """'Mã vùng', 'ma_vung', ' MA VUNG ' -> 'ma_vung'; 'Diện tích (ha)' -> 'dien_tich_ha'."""
    return re.sub(r"[^a-z0-9]+", "_", fold(unicodedata.normalize("NFC", str(text or "")))).strip("_")


def _alias_table(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for alias in (column.key, *column.aliases):
            assert table.setdefault(header_key(alias), column.key) == column.key, f"alias {alias} used twice"
    return table


_ALIASES = {kind: _alias_table(kind) for kind in KINDS}


# --- values -------------------------------------------------------------------------------------

def _token(text: str) -> str:
    """'Mã số vùng trồng', 'ma_so_vung_trong' -> 'ma so vung trong'."""
    return re.sub(r"[^a-z0-9]+", " ", fold(str(text))).strip()


def _named(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_token(name): value for value, names in pairs.items() for name in (value, *names)}


ZONE_KINDS = _named({
    ZoneKind.PLANTING_AREA: ("planting area", "vùng trồng", "mã số vùng trồng", "vung", "msvt"),
    ZoneKind.PLANTED_FOREST: ("planted forest", "rừng trồng", "mã số rừng trồng", "rung", "forest"),
})
CERTIFICATE_KINDS = _named({
    CertificateKind.VIETGAP: ("viet gap",),
    CertificateKind.GLOBALGAP: ("global gap",),
    CertificateKind.ORGANIC: ("hữu cơ", "chứng nhận hữu cơ"),
    CertificateKind.PLANTING_AREA_CODE: ("mã số vùng trồng", "msvt"),
    CertificateKind.FOREST_CODE: ("mã số rừng trồng",),
    CertificateKind.SFM: ("fsc", "quản lý rừng bền vững", "sustainable forest management"),
    CertificateKind.GEOGRAPHICAL_INDICATION: ("chỉ dẫn địa lý", "cddl"),
})
OCOP_LEVELS = _named({
    OcopLevel.PROVINCE: ("tỉnh", "cấp tỉnh", "provincial", "ubnd tỉnh"),
    OcopLevel.NATIONAL: ("trung ương", "cấp trung ương", "quốc gia", "cấp quốc gia", "bộ"),
})
CATEGORIES = _named({
    "food": ("thực phẩm",),
    "beverage": ("đồ uống",),
    "herbal": ("thảo dược", "dược liệu", "herbal and medicinal"),
    "spice": ("spices", "gia vị", "tinh dầu", "gia vị và tinh dầu", "spices and essential oils"),
    "textile": ("textiles", "dệt may", "vải", "vải và may mặc"),
    "handicraft": ("thủ công mỹ nghệ", "lưu niệm", "đồ lưu niệm", "lưu niệm nội thất trang trí",
                   "handicraft and souvenirs"),
    "tourism": ("du lịch", "dịch vụ du lịch", "du lịch nông thôn", "rural tourism service"),
})
UNITS = _named({
    "hop": ("hộp", "box"), "goi": ("gói", "pack"), "chai": ("bottle",), "kg": ("kilogram", "ki lô gam"),
    "lo": ("lọ", "jar"), "tui": ("túi", "bag"), "san_pham": ("sản phẩm", "piece", "cái", "chiếc"),
})
assert set(CATEGORIES.values()) <= set(labels.CATEGORIES) and set(UNITS.values()) <= set(labels.PRODUCT_UNITS)

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})$")


def parse_date(value: Any) -> date | None:
    """A date cell, or text as YYYY-MM-DD or DD/MM/YYYY; None for an empty cell; BadValue else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY_DATE.match(text):
        day, month, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
    else:
        raise BadValue(_("'%(value)s' is not a date: use YYYY-MM-DD or DD/MM/YYYY.", value=text))
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValue(_("'%(value)s' is not a real date.", value=text)) from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = " ".join(str(value).split())
    return text or None


def _tax_code(value: Any) -> str | None:
    text = _text(value)
    if text and text.isdigit() and len(text) == 9:
        text = "0" + text
    return text


def _stars(value: Any) -> Any:
    """'4', '4 sao', '4 stars', '4*' and '★★★★' are 4 stars; anything else is left to parse_number."""
    if isinstance(value, str):
        text = value.strip()
        if text and set(text) <= {"★", "☆"}:
            return str(text.count("★"))
        if match := re.fullmatch(r"(\d+)\s*(?:sao|stars?|\*|★)?", fold(text)):
            return match.group(1)
    return value


# --- reading the file ---------------------------------------------------------------------------

@dataclass
class RawRow:
    line: int
    values: dict[str, Any]  # column key -> cell (str, int, float, date, datetime); empty cells left out


@dataclass
class Table:
    kind: str
    filename: str
    format: str  # "csv" or "xlsx"
    columns: list[str]  # column keys in the file's order
    ignored: list[str] = field(default_factory=list)  # headers that are not a known column
    rows: list[RawRow] = field(default_factory=list)
    delimiter: str | None = None


_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")  # images, PDF, archives
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and .doc)


def _not_a_table(filename: str) -> FileRejected:
    return FileRejected(_("%(name)s is not a CSV or XLSX file. In Excel, save the register as .xlsx "
                          "or as CSV UTF-8.", name=filename or "?"))


def _csv_cells(data: bytes, filename: str, sniff_lines: int = 1) -> tuple[Iterator[tuple[int, list]], str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(_("This CSV file is not UTF-8 text. In Excel, save it as \"CSV UTF-8 (Comma delimited)\"."))
    if data.startswith(_SIGNATURES) or b"\x00" in data[:8192]:
        raise _not_a_table(filename)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(_("This CSV file is not UTF-8 text. In Excel, save it as \"CSV UTF-8 (Comma delimited)\".")
                           ) from None
    if "\x00" in text or any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in text[:8192]):
        raise _not_a_table(filename)
    # The delimiter is the one the header uses most; a bank statement's header follows a preamble, so its reader
    # looks at the first `sniff_lines` lines and takes the one with the most delimiters.
    candidates = [line for line in text.splitlines()[:max(sniff_lines, 1) * 4] if line.strip()][:max(sniff_lines, 1)]
    header_line = max(candidates, key=lambda line: max(line.count(d) for d in (";", ",", "\t")), default="")
    delimiter = max((";", ",", "\t"), key=header_line.count) if header_line else ","
    if not header_line.count(delimiter):
        delimiter = ","

    def cells():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        start = 1
        try:
            for record in reader:
                yield start, record
                start = reader.line_num + 1
        except csv.Error as exc:
            raise FileRejected(_("The CSV file cannot be read near line %(line)d: %(error)s",
                                 line=reader.line_num, error=str(exc))) from None

    return cells(), delimiter


def _xlsx_rows(data: bytes, filename: str, limit: int) -> list[tuple[int, list]]:
    """The first sheet's non-blank rows (line number, cells), at most `limit` + 1 (enough to tell that a
    file is too long); the workbook is closed before returning."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign ZIP: openpyxl raises many kinds of errors
        raise _not_a_table(filename) from None
    rows: list[tuple[int, list]] = []
    try:
        sheets = workbook.worksheets
        if not sheets:
            return rows
        for line, row in enumerate(sheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if all(_cell(v) is None for v in row):
                continue  # blank rows are skipped anyway; only rows with data count towards the limit
            rows.append((line, list(row)))
            if len(rows) > limit:
                break
    except Exception:
        raise _not_a_table(filename) from None
    finally:
        workbook.close()
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        return value or None
    return value


def detect_format(data: bytes) -> str:
    return "xlsx" if data.startswith(b"PK\x03\x04") else "csv"


def open_cells(data: bytes, filename: str, sniff_lines: int = 1) -> tuple[str, Iterable[tuple[int, list]], str | None]:
    """(format, rows as (line number, cells), CSV delimiter) of an uploaded CSV or XLSX file, after the checks
    every table file gets (empty, old .xls, not a table, a zip bomb); FileRejected says what is wrong. Also
    used for bank statements (market.services.statements)."""
    if not data:
        raise FileRejected(_("The file is empty."))
    if data.startswith(_OLE):
        raise FileRejected(_("Old Excel files (.xls) cannot be read: save the register as .xlsx or as CSV UTF-8."))
    fmt = detect_format(data)
    delimiter = None
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError):
            raise _not_a_table(filename) from None
        if unpacked > MAX_XLSX_UNPACKED:  # openpyxl keeps the shared strings in memory: no zip bombs
            raise FileRejected(_("This workbook is too large once unpacked; save it as CSV UTF-8 or split it."))
        cells: Iterable[tuple[int, list]] = iter(_xlsx_rows(data, filename, MAX_ROWS + 1))
    else:
        cells, delimiter = _csv_cells(data, filename, sniff_lines)

    return fmt, cells, delimiter


def read_table(data: bytes, filename: str, kind: str) -> Table:  # noqa: C901 - one check per file problem, read top to bottom
    """The file's header mapped to column keys and its non-empty rows; FileRejected for a bad file."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": [_("Choose what the file holds.")]})
    fmt, cells, delimiter = open_cells(data, filename)

    header = None
    for line, row in cells:
        if any(_cell(v) is not None for v in row):
            header = (line, row)
            break
    if header is None:
        raise FileRejected(_("The file has no header row."))
    aliases = _ALIASES[kind]
    positions: dict[str, int] = {}
    seen_as: dict[str, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(header[1]):
        name = _cell(name)
        if name is None:
            continue
        key = aliases.get(header_key(name))
        if key is None:
            ignored.append(str(name))
        elif key in positions:
            raise FileRejected(_("Column %(column)s appears twice (as '%(first)s' and '%(second)s').",
                                 column=key, first=seen_as[key], second=name))
        else:
            positions[key], seen_as[key] = index, str(name)
    missing = [c.key for c in COLUMNS[kind] if c.required and c.key not in positions]
    if missing:
        raise FileRejected(_("Missing column(s): %(columns)s. The first row must name the columns.",
                             columns=", ".join(missing)))
    table = Table(kind=kind, filename=filename, format=fmt, columns=list(positions), ignored=ignored,
                  delimiter=delimiter)
    for line, row in cells:
        values = {}
        for key, index in positions.items():
            value = _cell(row[index]) if index < len(row) else None
            if value is not None:
                values[key] = value
        if not values:
            continue
        if len(table.rows) >= MAX_ROWS:
            raise FileRejected(_("The file has more than %(max)s rows; split it into files of at most %(max)s rows.",
                                 max=format_decimal(MAX_ROWS)))
        table.rows.append(RawRow(line, values))
    if not table.rows:
        raise FileRejected(_("The file has a header row but no data rows."))
    return table


# --- checking rows ------------------------------------------------------------------------------

@dataclass
class RowResult:
    line: int
    values: dict[str, Any]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column key, message)
    notes: list[str] = field(default_factory=list)  # not errors: what will happen to the row
    fields: dict[str, Any] | None = None  # what will be saved, when the row has no errors
    flags: list[str] = field(default_factory=list)  # implausible values the department must confirm it checked

    @property
    def ok(self) -> bool:
        return not self.errors

    def show(self, key: str) -> str:
        """A cell as the file had it, for the preview table."""
        value = self.values.get(key)
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


class _Lookups:
    """Names in the file resolved once per import: organisations, communes, crops, existing products."""

    def __init__(self):
        self.crops: dict[str, Crop] = {}
        crops = list(db.session.scalars(sa.select(Crop).order_by(Crop.id)))
        for crop in crops:  # keys first, then names: a key always wins
            self.crops.setdefault(_token(crop.key), crop)
        for crop in crops:
            for name in (crop.name_vi, crop.name_en, *(crop.aliases or [])):
                self.crops.setdefault(_token(name), crop)
        self._communes: dict[str, Commune | None] = {}
        self._commune_keys: dict[str, Commune] | None = None
        self._commune_folds: dict[str, set[Commune]] = {}
        self.orgs: dict[str, Organisation | None] = {}
        self._product_names: dict[int, set[str]] = {}

    def prefetch_orgs(self, tax_codes: Iterable[str]) -> None:
        wanted = {t for t in tax_codes if t and t not in self.orgs}
        if not wanted:
            return
        found = {o.tax_code: o for o in db.session.scalars(sa.select(Organisation)
                                                            .where(Organisation.tax_code.in_(wanted)))}
        for tax in wanted:
            self.orgs[tax] = found.get(tax)

    def org(self, tax_code: str) -> Organisation | None:
        self.prefetch_orgs([tax_code])
        return self.orgs[tax_code]

    def commune(self, raw: str) -> Commune | None:
        key = name_key(raw)
        if key not in self._communes:
            self._communes[key] = self._find_commune(raw)
        return self._communes[key]

    def _find_commune(self, raw: str) -> Commune | None:
        """reference_data.commune_named on the name as written, then without "xã"/"phường"; then ignoring case and
        spacing; then ignoring diacritics too, when that leaves a single commune ("Van Quan")."""
        name = " ".join(raw.split())
        candidates = [name]
        prefix = re.match(r"^(xã|phường|xa|phuong)\s+(.+)$", name, re.IGNORECASE)
        if prefix:
            candidates.append(prefix.group(2))
        for candidate in candidates:
            try:
                return reference_data.commune_named(candidate)
            except LookupError:
                pass
        if self._commune_keys is None:
            self._commune_keys, self._commune_folds = {}, {}
            named = [(c.name, c) for c in db.session.scalars(sa.select(Commune))]
            named += [(a.name, a.commune) for a in db.session.scalars(sa.select(CommuneAlias))]
            for text, commune in named:
                self._commune_keys.setdefault(name_key(text), commune)
                self._commune_folds.setdefault(fold(text), set()).add(commune)
        for candidate in reversed(candidates):
            if name_key(candidate) in self._commune_keys:
                return self._commune_keys[name_key(candidate)]
            same = self._commune_folds.get(fold(candidate), set())
            if len(same) == 1:
                return next(iter(same))
        return None

    def crop(self, raw: str) -> Crop | None:
        return self.crops.get(_token(raw))

    def product_names(self, org: Organisation) -> set[str]:
        if org.id not in self._product_names:
            self._product_names[org.id] = {name_key(n) for n in db.session.scalars(
                sa.select(OcopProduct.name).where(OcopProduct.organisation_id == org.id))}
        return self._product_names[org.id]


def _merge(errors: dict[str, list[str]], exc: ValidationFailed, rename: dict[str, str]) -> None:
    """A service's errors after the importer's own: a cell that could not be read keeps its own message."""
    for name, messages in exc.errors.items():
        key = rename.get(name, name)
        if key not in errors:
            errors[key] = list(messages)


def _required(errors: dict, key: str) -> None:
    errors.setdefault(key, [_("This field is required.")])


class Preview:
    """Every row of a table checked, nothing written. `rows` fill as `steps()` is iterated."""

    def __init__(self, table: Table):
        self.table = table
        self.rows: list[RowResult] = []
        self._lookups: _Lookups | None = None
        self._seen: dict[Any, int] = {}

    kind = property(lambda self: self.table.kind)
    filename = property(lambda self: self.table.filename)
    total = property(lambda self: len(self.table.rows))
    processed = property(lambda self: len(self.rows))
    good = property(lambda self: sum(1 for r in self.rows if r.ok))
    bad = property(lambda self: sum(1 for r in self.rows if not r.ok))
    bad_rows = property(lambda self: [r for r in self.rows if not r.ok])
    good_rows = property(lambda self: [r for r in self.rows if r.ok])
    flagged_rows = property(lambda self: [r for r in self.rows if r.ok and r.flags])

    @property
    def done(self) -> bool:
        return self.processed == self.total

    def steps(self, chunk_size: int | None = None) -> Iterator[int]:
        """Check the remaining rows chunk by chunk (CHUNK_SIZE rows), yielding how many rows have been
        checked so far."""
        chunk_size = chunk_size or CHUNK_SIZE
        if self._lookups is None:
            self._lookups = _Lookups()
        check = {"zones": self._zone, "products": self._product, "ocop": self._ocop}[self.kind]
        while not self.done:
            chunk = self.table.rows[self.processed:self.processed + chunk_size]
            self._lookups.prefetch_orgs(normalize_tax_code(_tax_code(r.values.get("tax_code")) or "") for r in chunk)
            for raw in chunk:
                self.rows.append(check(raw))
            yield self.processed

    def run(self) -> Preview:
        for _done in self.steps():
            pass
        return self

    # organisations

    def _org(self, raw: RawRow, errors: dict, kinds: tuple[str, ...], refused) -> Organisation | None:
        value = _tax_code(raw.values.get("tax_code"))
        if value is None:
            _required(errors, "tax_code")
            return None
        tax_code = normalize_tax_code(value)
        if tax_code is None:
            errors["tax_code"] = [_("A tax or registration number has 10 digits, optionally followed by -XXX.")]
            return None
        org = self._lookups.org(tax_code)
        if org is None:
            errors["tax_code"] = [_("No organisation has the tax number '%(value)s'.", value=tax_code)]
        elif org.kind not in kinds:
            errors["tax_code"] = [refused(org)]
            return None
        return org

    def _lookup(self, raw: RawRow, errors: dict, key: str, table: dict[str, str], unknown) -> str | None:
        value = _text(raw.values.get(key))
        if value is None:
            return None
        found = table.get(_token(value))
        if found is None:
            errors[key] = [unknown(value)]
        return found

    def _number(self, raw: RawRow, errors: dict, key: str, *, integer=False):
        try:
            return parse_number(raw.values.get(key), integer=integer, locale=REGISTER_NUMBER_LOCALE)
        except BadValue as exc:
            errors[key] = [str(exc)]
            return None

    def _date(self, raw: RawRow, errors: dict, key: str):
        try:
            return parse_date(raw.values.get(key))
        except BadValue as exc:
            errors[key] = [str(exc)]
            return None

    def _result(self, raw: RawRow, errors: dict[str, list[str]], notes: list[str], fields: dict,
                flags: list[str] | None = None) -> RowResult:
        order = {c.key: i for i, c in enumerate(COLUMNS[self.kind])}
        flat = [(key, message) for key in sorted(errors, key=lambda k: order.get(k, 99)) for message in errors[key]]
        return RowResult(raw.line, raw.values, flat, notes if not flat else [], None if flat else fields,
                         (flags or []) if not flat else [])

    # zones

    def _zone(self, raw: RawRow) -> RowResult:  # noqa: C901 - one check per field, read top to bottom
        errors: dict[str, list[str]] = {}
        notes: list[str] = []
        lookups = self._lookups
        org = self._org(raw, errors, OrgKind.SELLERS, lambda org: _(
            "%(org)s is not a cooperative or farm household group: only they hold growing zones.", org=org.name))

        commune = None
        if (commune_name := _text(raw.values.get("commune"))) is not None:
            commune = lookups.commune(commune_name)
            if commune is None:
                errors["commune"] = [_("Unknown commune or ward '%(value)s'.", value=commune_name)]
        crop = None
        if (crop_name := _text(raw.values.get("crop"))) is not None:
            crop = lookups.crop(crop_name)
            if crop is None:
                errors["crop"] = [_("Unknown crop '%(value)s'.", value=crop_name)]
            elif not crop.tradable:
                errors["crop"] = [_("%(crop)s is not traded on the market.", crop=crop.name_vi)]
        kind = self._lookup(raw, errors, "kind", ZONE_KINDS, lambda value: _(
            "Unknown kind of zone '%(value)s': use vùng trồng or rừng trồng.", value=value))
        data = {
            "code": _text(raw.values.get("code")) or "",
            "kind": kind or ZoneKind.PLANTING_AREA,
            "name": _text(raw.values.get("name")),
            "commune_id": commune.id if commune else None,
            "crop_id": crop.id if crop else None,
            "area_ha": self._number(raw, errors, "area_ha"),
            "households": self._number(raw, errors, "households", integer=True),
            "latitude": self._number(raw, errors, "latitude"),
            "longitude": self._number(raw, errors, "longitude"),
        }
        code = zones.normalize_code(data["code"])
        if code:
            if code in self._seen:
                errors["code"] = [_("Duplicate code: the same code is in row %(line)d.", line=self._seen[code])]
            else:
                self._seen[code] = raw.line
        flags = []
        try:  # an unusually large area is flagged for the department to confirm, not an error
            zone_fields = zones.clean_zone({**data, "confirm_area": True})
        except ValidationFailed as exc:
            zone_fields = None
            _merge(errors, exc, {"commune_id": "commune", "crop_id": "crop"})
        else:
            if warning := plausibility.area_warning(zone_fields["kind"], crop, zone_fields["area_ha"]):
                flags.append(warning)

        certificate = None
        if any(raw.values.get(key) is not None for key in _CERT_COLUMNS):
            cert_kind = self._lookup(raw, errors, "cert_kind", CERTIFICATE_KINDS,
                                     lambda value: _("Unknown kind of certificate '%(value)s'.", value=value))
            cert_data = {
                "kind": cert_kind,
                "number": _text(raw.values.get("cert_number")),
                "issuer": _text(raw.values.get("cert_issuer")),
                "issued_on": self._date(raw, errors, "cert_issued_on"),
                "expires_on": self._date(raw, errors, "cert_expires_on"),
            }
            try:
                certificate = zones.clean_certificate(cert_data)
            except ValidationFailed as exc:
                _merge(errors, exc, {k: f"cert_{k}" for k in ("kind", "number", "issuer", "issued_on", "expires_on")})
            else:
                if refused := plausibility.certificate_refused(data["kind"], certificate["kind"]):
                    errors.setdefault("cert_kind", []).append(refused)
                if certificate["expires_on"] is not None and certificate["expires_on"] < today():
                    notes.append(_("The certificate has expired: the zone will show as expired."))
        return self._result(raw, errors, notes, {"organisation": org, "commune": commune, "crop": crop,
                                                  "zone": zone_fields, "certificate": certificate}, flags)

    # products

    def _product(self, raw: RawRow) -> RowResult:
        errors: dict[str, list[str]] = {}
        notes: list[str] = []
        org = self._org(raw, errors, OrgKind.SELLERS + (OrgKind.ENTERPRISE,), lambda org: _(
            "%(org)s is not a producer: only cooperatives, groups and enterprises list OCOP products.", org=org.name))
        category = self._lookup(raw, errors, "category", CATEGORIES,
                                lambda value: _("Unknown category '%(value)s'.", value=value))
        unit = self._lookup(raw, errors, "unit", UNITS, lambda value: _("Unknown unit '%(value)s'.", value=value))
        crop = None
        if (crop_name := _text(raw.values.get("crop"))) is not None:
            crop = self._lookups.crop(crop_name)
            if crop is None:
                errors["crop"] = [_("Unknown crop '%(value)s'.", value=crop_name)]
        stars_number = None
        try:
            stars_number = parse_number(_stars(raw.values.get("stars")), integer=True, locale=REGISTER_NUMBER_LOCALE)
        except BadValue as exc:
            errors["stars"] = [str(exc)]
        data = {
            "name": _text(raw.values.get("name")),
            "category": category,
            "description": raw.values.get("description") if isinstance(raw.values.get("description"), str) else None,
            "stars": str(stars_number) if stars_number is not None else None,
            "certificate_number": _text(raw.values.get("certificate_number")),
            "certificate_issued_on": self._date(raw, errors, "issued_on"),
            "certificate_expires_on": self._date(raw, errors, "expires_on"),
            "unit": unit,
            "price": self._number(raw, errors, "price", integer=True),
            "stock": self._number(raw, errors, "stock", integer=True),
            "min_order_qty": self._number(raw, errors, "min_order_qty", integer=True),
            "crop_id": crop.id if crop else None,
            "tourist_shops_allowed": True,
            "gtin": _text(raw.values.get("gtin")),
        }
        self._gtin_once(raw, errors, data["gtin"])
        if org is not None and data["name"]:
            key = (org.id, name_key(data["name"]))
            if key in self._seen:
                errors["name"] = [_("Duplicate product: the same organisation and name are in row %(line)d.",
                                    line=self._seen[key])]
            else:
                self._seen[key] = raw.line
                if key[1] in self._lookups.product_names(org):
                    errors["name"] = [_("%(org)s already lists a product with this name.", org=org.name)]
        self._certificate_holder(raw, errors, org, data["certificate_number"],
                                 (data["stars"], data["certificate_issued_on"], data["certificate_expires_on"]))
        fields = None
        try:  # without an organisation too, to report every error at once (it is used only for zone_ids)
            fields = products.clean_product(org or Organisation(), data)
        except ValidationFailed as exc:
            _merge(errors, exc, {"certificate_issued_on": "issued_on", "certificate_expires_on": "expires_on",
                                 "crop_id": "crop"})
        if fields is not None and not errors:
            status = _product_status(org, fields)
            if status == ProductStatus.PUBLISHED:
                notes.append(_("Will be published."))
            elif not org.can_publish:
                notes.append(_("Will be a draft: the organisation is not verified yet."))
            else:
                notes.append(_("Will be a draft: the OCOP certificate is not valid today."))
        return self._result(raw, errors, notes, {"organisation": org, "product": fields})


    def _gtin_once(self, raw: RawRow, errors: dict, gtin: str | None) -> None:
        """One product per GTIN in the file too (the records are checked by clean_product)."""
        if not gtin:
            return
        key = ("gtin", "".join(ch for ch in gtin if ch.isdigit()).zfill(14))
        if key in self._seen:
            errors["gtin"] = [_("Duplicate GTIN: the same GTIN is in row %(line)d.", line=self._seen[key])]
        else:
            self._seen[key] = raw.line

    def _certificate_holder(self, raw: RawRow, errors: dict, org: Organisation | None, number: str | None,
                            facts: tuple) -> None:
        """One OCOP certificate backs one producer's products, with one set of stars and dates: in the file
        and against the records."""
        number = ocop.normalize_number(number)
        if not number or org is None:
            return
        first = self._seen.setdefault(("ocop", number), (raw.line, org.id, facts))
        existing = ocop.find(number)
        if first[1] != org.id:
            errors["certificate_number"] = [_("Row %(line)d gives this OCOP certificate to another producer: one "
                                              "certificate cannot back products of two producers.", line=first[0])]
        elif first[2] != facts:
            errors["certificate_number"] = [_("Row %(line)d gives this OCOP certificate other stars or dates.",
                                              line=first[0])]
        elif existing is not None and existing.organisation_id != org.id and existing.verified_at:
            errors["certificate_number"] = [_(
                "The department already recorded %(number)s for another producer, %(org)s: one certificate "
                "cannot back products of two producers. Correct the row or that record first.",
                number=number, org=existing.organisation.name)]

    # the department's OCOP register

    def _ocop(self, raw: RawRow) -> RowResult:  # noqa: C901 - one check per field, read top to bottom
        errors: dict[str, list[str]] = {}
        notes: list[str] = []
        org = self._org(raw, errors, OrgKind.SELLERS + (OrgKind.ENTERPRISE,), lambda org: _(
            "%(org)s is not a producer: only cooperatives, groups and enterprises hold OCOP certificates.",
            org=org.name))
        number = ocop.normalize_number(_text(raw.values.get("certificate_number")))
        if not number:
            _required(errors, "certificate_number")
        elif len(number) > 60:
            errors["certificate_number"] = [_("A decision number has at most 60 characters.")]
        elif number in self._seen:
            errors["certificate_number"] = [_("Duplicate decision number: the same number is in row %(line)d.",
                                              line=self._seen[number])]
        else:
            self._seen[number] = raw.line
        product_name = _text(raw.values.get("product_name"))
        if not product_name:
            _required(errors, "product_name")
        elif len(product_name) > 200:
            errors["product_name"] = [_("At most 200 characters.")]
        stars = None
        try:
            stars = parse_number(_stars(raw.values.get("stars")), integer=True, locale=REGISTER_NUMBER_LOCALE)
        except BadValue as exc:
            errors["stars"] = [str(exc)]
        if stars is None and "stars" not in errors:
            _required(errors, "stars")
        elif stars is not None and stars not in (3, 4, 5):
            errors["stars"] = [_("OCOP products have 3, 4 or 5 stars.")]
        level = self._lookup(raw, errors, "level", OCOP_LEVELS, lambda value: _(
            "Unknown issuing level '%(value)s': use tỉnh or trung ương.", value=value))
        if level is None and "level" not in errors and stars in (3, 4, 5):
            level = OcopLevel.NATIONAL if stars == 5 else OcopLevel.PROVINCE
        if level == OcopLevel.PROVINCE and stars == 5:
            errors["level"] = [_("5-star OCOP products are recognised at national level, not by the province.")]
        issued_on = self._date(raw, errors, "issued_on")
        expires_on = self._date(raw, errors, "expires_on")
        if issued_on is None and "issued_on" not in errors:
            _required(errors, "issued_on")
        elif issued_on is not None and issued_on > today():
            errors["issued_on"] = [_("The issue date cannot be in the future.")]
        if expires_on is None and "expires_on" not in errors:
            _required(errors, "expires_on")
        elif expires_on is not None and issued_on is not None and expires_on < issued_on:
            errors["expires_on"] = [_("The expiry date is before the issue date.")]
        elif expires_on is not None and expires_on < today():
            errors["expires_on"] = [_("This certificate expired on %(date)s: the register import records only "
                                      "certificates valid today.", date=expires_on.strftime("%d/%m/%Y"))]
        if number and org is not None and "certificate_number" not in errors:
            existing = ocop.find(number)
            if existing is not None and existing.organisation_id != org.id:
                if existing.status in (ReviewStatus.VERIFIED, ReviewStatus.RECALLED) and existing.verified_at:
                    errors["certificate_number"] = [_(
                        "The department already recorded %(number)s for another producer, %(org)s: one certificate "
                        "cannot back products of two producers. Correct the row or that record first.",
                        number=number, org=existing.organisation.name)]
                else:
                    notes.append(_("%(org)s declared this number: the register wins, and its products are listed "
                                   "as a conflict for the department.", org=existing.organisation.name))
            elif existing is not None:
                notes.append(_("Updates the existing record; it becomes verified against the register.")
                             if existing.status != ReviewStatus.RECALLED else
                             _("The certificate is recalled: the record is updated and stays recalled."))
            else:
                notes.append(_("New certificate, recorded as verified against the register."))
        fields = {"number": number, "level": level, "stars": stars, "issued_on": issued_on,
                  "expires_on": expires_on, "product_name": product_name}
        return self._result(raw, errors, notes, {"organisation": org, "certificate": fields})


def _product_status(org: Organisation, fields: dict) -> str:
    on = today()
    valid = fields["certificate_issued_on"] <= on <= fields["certificate_expires_on"]
    return ProductStatus.PUBLISHED if org.can_publish and valid else ProductStatus.DRAFT


def preview_import(kind: str, data: bytes, filename: str) -> Preview:
    """Read and check a whole file (no progress reports); nothing is written."""
    return Preview(read_table(data, filename, kind)).run()


# --- saving ---------------------------------------------------------------------------------------

def _department_of(actor: User) -> Organisation | None:
    return next((m.organisation for m in actor.memberships
                 if m.organisation.kind == OrgKind.DEPARTMENT and m.organisation.is_verified), None)


def _checked(table: Table, confirm_outliers: bool) -> Preview:
    """Every row checked again: none with an error, and the flagged ones confirmed (never silently accepted)."""
    preview = Preview(table).run()
    if preview.bad:
        raise ImportRejected(preview)
    if preview.flagged_rows and not confirm_outliers:
        raise OutliersUnconfirmed(preview)
    return preview


def commit_import(actor: User, kind: str, rows: Table | Iterable[RawRow], *, filename: str = "",
                  confirm_outliers: bool = False) -> dict[str, int]:
    """Save every row, or none: the rows are checked again and `ImportRejected` (a ValidationFailed, with
    the preview of every row) is raised if any has an error; `OutliersUnconfirmed` when rows are flagged as
    implausible (an unusually large zone) and `confirm_outliers` is not set. Only department staff may import.

    The department keeps these registers, so what it imports is its own word:
    - zones and their certificates are created VERIFIED, status_changed_by = the actor;
    - OCOP products are created PUBLISHED when the organisation is verified and the OCOP certificate is
      valid today (the rules `products.change_status` applies to publishing), otherwise as DRAFT, for the
      organisation to complete or renew and publish itself.

    One audit event ("import.zones" or "import.products") records the counts. The caller commits once;
    nothing is flushed before every row has passed."""
    require_department(actor)
    if isinstance(rows, Table):
        table = rows
    else:
        table = Table(kind=kind, filename=filename, format="", columns=[], rows=list(rows))
    if kind not in KINDS or table.kind != kind:
        raise ValidationFailed({"kind": [_("Choose what the file holds.")]})
    if not table.rows:
        raise FileRejected(_("The file has a header row but no data rows."))
    preview = _checked(table, confirm_outliers)

    now = utcnow()
    counts: dict[str, int] = {"rows": preview.total}
    if kind == "ocop":
        outcomes = {"created": 0, "updated": 0, "claimed": 0}
        for row in preview.rows:
            _certificate, outcome = ocop.record_from_register(actor, row.fields["organisation"], row.fields["certificate"])
            outcomes[outcome] += 1
        counts.update(certificates=preview.total, **outcomes)
    elif kind == "zones":
        created_zones = certificates = 0
        for row in preview.rows:
            zone = GrowingZone(organisation=row.fields["organisation"], status=ReviewStatus.VERIFIED,
                               status_changed_at=now, status_changed_by_id=actor.id, **row.fields["zone"])
            db.session.add(zone)
            created_zones += 1
            if row.fields["certificate"]:
                zone.certificates.append(Certificate(status=ReviewStatus.VERIFIED, status_changed_at=now,
                                                     status_changed_by_id=actor.id, **row.fields["certificate"]))
                certificates += 1
        counts.update(zones=created_zones, certificates=certificates)
    else:
        published = drafts = 0
        for row in preview.rows:
            org = row.fields["organisation"]
            status = _product_status(org, row.fields["product"])
            fields = row.fields["product"]
            product = OcopProduct(organisation=org, status=status, **fields)
            db.session.add(product)
            # The department's register: the certificate is its record, verified against it.
            product.ocop_certificate, _outcome = ocop.record_from_register(actor, org, {
                "number": fields["certificate_number"], "stars": fields["stars"], "product_name": fields["name"],
                "level": OcopLevel.NATIONAL if fields["stars"] == 5 else OcopLevel.PROVINCE,
                "issued_on": fields["certificate_issued_on"], "expires_on": fields["certificate_expires_on"]})
            if status == ProductStatus.PUBLISHED:
                published += 1
            else:
                drafts += 1
        counts.update(products=published + drafts, published=published, drafts=drafts)
    db.session.flush()
    audit.record(f"import.{kind}", actor, organisation=_department_of(actor),
                 filename=table.filename or filename, **counts)
    return counts
