"""The import service: reading CSV and XLSX, the number and date rules, row checks, and all-or-nothing saving."""
import zlib
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    Commune,
    Crop,
    GrowingZone,
    OcopProduct,
    Organisation,
    ProductStatus,
    ReviewStatus,
    User,
    ZoneKind,
)
from market.services import importer, reference_data
from market.services.errors import PermissionDenied, ValidationFailed
from tests.imports.conftest import (
    ENTERPRISE,
    HOI,
    MAC_CA,
    PRODUCT_HEADER,
    RETAILER,
    THONG,
    ZONE_HEADER,
    csv_bytes,
    xlsx_bytes,
)

# Both engines: numbers, dates and codes from files are matched and stored through SQL.
pytestmark = [pytest.mark.usefixtures("req_en"), pytest.mark.both_engines]


def cert(kind="organic", number="HC-2025-01", issued="15/03/2025", expires="14/03/2028"):
    return [kind, number, "Trung tâm Chứng nhận", issued, expires]


def zone_row(code, *, kind="vùng trồng", tax=HOI, commune="Văn Quan", crop="Hồi", area="12,5", households="18",
             certificate=None):
    return [code, kind, tax, commune, crop, area, households, *(certificate or ["", "", "", "", ""])]


def product_row(name, *, tax=HOI, category="spice", stars="4", number=None, issued=None, expires=None,
                unit="goi", price="85.000", stock="400", moq="10"):
    # One OCOP certificate per product unless a test shares one on purpose (it cannot back two producers).
    number = number or f"{zlib.crc32(name.encode()) % 100000}/QĐ-UBND"
    issued = issued or (today() - timedelta(days=200)).isoformat()
    expires = expires or (today() + timedelta(days=800)).isoformat()
    return [tax, name, category, stars, number, issued, expires, unit, price, stock, moq]


def errors_by_line(preview) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = {}
    for row in preview.rows:
        for key, message in row.errors:
            found.setdefault(row.line, {}).setdefault(key, []).append(message)
    return found


def existing_zone(code: str, org_tax: str = HOI) -> None:
    org = db.session.scalar(sa.select(Organisation).where(Organisation.tax_code == org_tax))
    db.session.add(GrowingZone(code=code, organisation=org, commune=reference_data.commune_named("Văn Quan"),
                               crop=db.session.scalar(sa.select(Crop).where(Crop.key == "hoi")), area_ha=3))
    db.session.commit()


def get_user(user_id) -> User:
    return db.session.get(User, user_id)


# --- numbers and dates ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, integer, expected", [
    ("1.234,5", False, 1234.5), ("1234,5", False, 1234.5), ("12,5", False, 12.5), ("1,2340", False, 1.234),
    ("0,500", False, 0.5), ("1.234.567", False, 1234567.0), (" 8,75 ", False, 8.75), ("1.234", True, 1234),
    ("12.500", True, 12500), ("85.000 đ", True, 85000), ("1.234.567", True, 1234567), ("250 000 VND", True, 250000),
    ("12,0", True, 12), ("-5", True, -5), ("", False, None), (None, True, None),
    (12.5, False, 12.5), (18.0, True, 18), (7, False, 7.0),
])
def test_registers_are_read_the_vietnamese_way_whatever_the_page_language(raw, integer, expected):
    value = importer.parse_number(raw, integer=integer, locale=importer.REGISTER_NUMBER_LOCALE)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw, integer, message", [
    ("abc", False, "not a number"), ("1..2", False, "not written as a number"), ("1.23.4", True, "write 1.234"),
    ("12,5", True, "not a whole number"), ("1,234.5", True, "write 1,2345 or 1.234,5"),
    ("1,234", False, "can be read two ways"), ("12,500", False, "can be read two ways"), ("1e3", False, "not a number"),
    ("nan", False, "not a number"), (True, True, "not a number"), (date(2025, 1, 1), False, "not a number"),
])
def test_unreadable_numbers_say_why(raw, integer, message):
    with pytest.raises(importer.BadValue, match=message):
        importer.parse_number(raw, integer=integer, locale=importer.REGISTER_NUMBER_LOCALE)


@pytest.mark.parametrize("raw, expected", [
    ("2025-03-15", date(2025, 3, 15)), ("15/03/2025", date(2025, 3, 15)), ("5/3/2025", date(2025, 3, 5)),
    ("15-03-2025", date(2025, 3, 15)), ("15.03.2025", date(2025, 3, 15)), ("2025-03-15 00:00:00", date(2025, 3, 15)),
    (datetime(2025, 3, 15, 0, 0), date(2025, 3, 15)), (date(2025, 3, 15), date(2025, 3, 15)), ("", None),
])
def test_dates(raw, expected):
    assert importer.parse_date(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("31/02/2025", "not a real date"), ("2025-13-01", "not a real date"), ("03/15/25", "not a date"),
    ("15/03-2025", "not a date"), ("tomorrow", "not a date"), (45123, "not a date"),
])
def test_bad_dates(raw, message):
    with pytest.raises(importer.BadValue, match=message):
        importer.parse_date(raw)


def test_headers_are_matched_in_vietnamese_or_english():
    assert importer.header_key(" Mã vùng ") == importer.header_key("MA_VUNG") == "ma_vung"
    assert importer.header_key("Diện tích (ha)") == "dien_tich_ha"
    for header in ("code", "Mã vùng", "ma_vung", "MÃ SỐ VÙNG TRỒNG", "Zone code"):
        table = importer.read_table(csv_bytes([header, "Mã số thuế", "Xã", "Cây trồng", "Diện tích (ha)"],
                                              [["A-1", HOI, "Văn Quan", "hoi", "1"]]), "z.csv", "zones")
        assert table.columns == ["code", "tax_code", "commune", "crop", "area_ha"], header


# --- reading files --------------------------------------------------------------------------------

def test_clean_zones_file_imports_every_row_verified(orgs, staff):
    data = csv_bytes(ZONE_HEADER, [
        zone_row("LS-VQ-HOI-0001", certificate=cert()),
        zone_row("ls-vq-hoi-0002", kind="planting_area", commune="Diềm He", crop="hoi", area="8,75", households="",
                 certificate=cert("planting_area_code", "VN-LSOR-0002", "2025-06-01", "2030-05-31")),
        zone_row("LS-DL-THONG-0003", kind="rừng trồng", tax=THONG, commune="phường Kỳ Lừa", crop="Thông",
                 area="1.234,5"),
    ])
    preview = importer.preview_import("zones", data, "zones.csv")
    assert (preview.total, preview.good, preview.bad) == (3, 3, 0)

    counts = importer.commit_import(get_user(staff), "zones", preview.table)
    db.session.commit()
    assert counts == {"rows": 3, "zones": 3, "certificates": 2}

    zones = {z.code: z for z in db.session.scalars(sa.select(GrowingZone))}
    assert set(zones) == {"LS-VQ-HOI-0001", "LS-VQ-HOI-0002", "LS-DL-THONG-0003"}
    first, second, forest = zones["LS-VQ-HOI-0001"], zones["LS-VQ-HOI-0002"], zones["LS-DL-THONG-0003"]
    assert first.organisation_id == orgs[HOI] and forest.organisation_id == orgs[THONG]
    assert first.commune.name == "Văn Quan" and second.commune.name == "Điềm He" and forest.commune.name == "Kỳ Lừa"
    assert first.crop.key == second.crop.key == "hoi" and forest.crop.key == "thong"
    assert (first.area_ha, first.households, second.area_ha, second.households, forest.area_ha) == (12.5, 18, 8.75,
                                                                                                      None, 1234.5)
    assert forest.kind == ZoneKind.PLANTED_FOREST and first.kind == ZoneKind.PLANTING_AREA
    for zone in zones.values():
        assert zone.status == ReviewStatus.VERIFIED and zone.status_changed_by_id == staff
        assert zone.status_changed_at is not None
    certificates = {c.number: c for c in db.session.scalars(sa.select(Certificate))}
    assert set(certificates) == {"HC-2025-01", "VN-LSOR-0002"}
    organic = certificates["HC-2025-01"]
    assert organic.zone.code == "LS-VQ-HOI-0001" and organic.kind == "organic"
    assert (organic.issued_on, organic.expires_on) == (date(2025, 3, 15), date(2028, 3, 14))
    assert all(c.status == ReviewStatus.VERIFIED and c.status_changed_by_id == staff for c in certificates.values())
    assert first.state(today()) == ReviewStatus.VERIFIED

    events = list(db.session.scalars(sa.select(AuditEvent)))
    assert [(e.action, e.actor_id) for e in events] == [("import.zones", staff)]
    assert events[0].details == {"rows": 3, "zones": 3, "certificates": 2, "filename": "zones.csv"}
    assert events[0].organisation.kind == "department"


def test_mixed_file_lists_each_error_and_saves_nothing(orgs, staff):
    existing_zone("LS-DB-0001")
    data = csv_bytes(ZONE_HEADER, [
        zone_row("LS-A-0002", certificate=cert()),                                     # 2 good
        zone_row("LS-A-0003", commune="Xyz"),                                          # 3 unknown commune
        zone_row("LS-A-0004"),                                                         # 4 good
        zone_row("ls-a-0004"),                                                         # 5 duplicate of row 4
        zone_row("LS-DB-0001"),                                                        # 6 already registered
        zone_row("LS-A-0007", certificate=cert(issued="31/02/2025")),                  # 7 impossible date
        zone_row("LS-A-0008", certificate=cert(issued="2025-05-01", expires="2025-04-30")),  # 8 expiry before issue
        zone_row("LS-A-0009", area="abc"),                                             # 9 not a number
        zone_row("LS-A-0010", crop="Sầu riêng"),                                       # 10 unknown crop
        zone_row("LS-A-0011", tax="4999999999"),                                       # 11 unknown organisation
        zone_row("LS-A-0012", tax=ENTERPRISE),                                         # 12 not a cooperative
        zone_row("LS-A-0013", area="1,234"),                                           # 13 ambiguous
        zone_row("LS-A-0014", households="2,5", kind="ruộng"),                         # 14 two errors
        zone_row("LS A 0015!", crop="Hoàng đàn Hữu Liên"),                             # 15 bad code, crop not traded
        zone_row("LS-A-0016", certificate=["", "", "", "", "2030-01-01"]),             # 16 incomplete certificate
    ])
    preview = importer.preview_import("zones", data, "zones.csv")
    assert (preview.total, preview.good, preview.bad) == (15, 2, 13)
    errors = errors_by_line(preview)
    assert set(errors) == set(range(3, 17)) - {4}
    assert errors[3] == {"commune": ["Unknown commune or ward 'Xyz'."]}
    assert errors[5] == {"code": ["Duplicate code: the same code is in row 4."]}
    assert errors[6] == {"code": ["This code is already registered."]}
    assert errors[7] == {"cert_issued_on": ["'31/02/2025' is not a real date."]}
    assert errors[8] == {"cert_expires_on": ["The expiry date is before the issue date."]}
    assert errors[9] == {"area_ha": ["'abc' is not a number."]}
    assert errors[10] == {"crop": ["Unknown crop 'Sầu riêng'."]}
    assert errors[11] == {"tax_code": ["No organisation has the tax number '4999999999'."]}
    assert list(errors[12]) == ["tax_code"] and "not a cooperative" in errors[12]["tax_code"][0]
    assert list(errors[13]) == ["area_ha"] and "can be read two ways" in errors[13]["area_ha"][0]
    assert set(errors[14]) == {"kind", "households"}
    assert "Unknown kind of zone 'ruộng'" in errors[14]["kind"][0]
    assert errors[14]["households"] == ["'2,5' is not a whole number."]
    assert set(errors[15]) == {"code", "crop"} and "not traded" in errors[15]["crop"][0]
    assert set(errors[16]) == {"cert_kind", "cert_number", "cert_issuer", "cert_issued_on"}
    assert [row.line for row in preview.bad_rows] == sorted(errors)

    with pytest.raises(importer.ImportRejected) as raised:
        importer.commit_import(get_user(staff), "zones", preview.table)
    assert isinstance(raised.value, ValidationFailed) and raised.value.preview.bad == 13
    db.session.rollback()
    assert [z.code for z in db.session.scalars(sa.select(GrowingZone))] == ["LS-DB-0001"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_expired_certificate_is_accepted_with_a_note(orgs):
    data = csv_bytes(ZONE_HEADER, [zone_row("LS-OLD-1", certificate=cert(issued="2020-01-01", expires="2023-01-01"))])
    row = importer.preview_import("zones", data, "z.csv").rows[0]
    assert row.ok and row.notes == ["The certificate has expired: the zone will show as expired."]


def test_xlsx_with_vietnamese_headers_date_cells_and_number_cells(orgs, staff):
    header = ["Mã vùng", "Loại", "Mã số thuế", "Xã", "Cây trồng", "Diện tích (ha)", "Số hộ", "Loại chứng nhận",
              "Số chứng nhận", "Nơi cấp", "Ngày cấp", "Ngày hết hạn", "Ghi chú"]
    data = xlsx_bytes(header, [
        ["LS-X-1", "Vùng trồng", int(HOI), "Văn Quan", "Hồi", 12.5, 18, "VietGAP", "VG-1", "TQC",
         datetime(2025, 3, 15), datetime(2028, 3, 14), "ghi chú bỏ qua"],
        [],  # a blank row is skipped, the numbering follows the sheet
        ["LS-X-2", None, HOI, "Xyz", "hoi", "7,5", None, None, None, None, None, None, None],
        ["LS-X-3", "rừng trồng", THONG, "Đình Lập", "thong", 40, 12.0, "FSC", "FSC-9", "FSC", "01/06/2025",
         "31/05/2030", None],
    ])
    preview = importer.preview_import("zones", data, "vung.xlsx")
    assert preview.table.format == "xlsx" and preview.table.ignored == ["Ghi chú"]
    assert [row.line for row in preview.rows] == [2, 4, 5]
    assert errors_by_line(preview) == {4: {"commune": ["Unknown commune or ward 'Xyz'."]}}

    good = xlsx_bytes(header[:12], [r[:12] for r in ([["LS-X-1", "Vùng trồng", int(HOI), "Văn Quan", "Hồi", 12.5, 18,
                                                        "VietGAP", "VG-1", "TQC", datetime(2025, 3, 15),
                                                        datetime(2028, 3, 14)]])])
    importer.commit_import(get_user(staff), "zones", importer.read_table(good, "vung.xlsx", "zones"))
    db.session.commit()
    zone = db.session.scalar(sa.select(GrowingZone))
    assert (zone.code, zone.area_ha, zone.households, zone.organisation_id) == ("LS-X-1", 12.5, 18, orgs[HOI])
    assert zone.certificates[0].kind == "vietgap" and zone.certificates[0].issued_on == date(2025, 3, 15)


def test_tax_number_that_lost_its_leading_zero_is_found(orgs):
    data = csv_bytes(PRODUCT_HEADER, [product_row("Sản phẩm", tax=RETAILER[1:])])
    errors = errors_by_line(importer.preview_import("products", data, "p.csv"))
    assert list(errors[2]) == ["tax_code"] and "Chuỗi siêu thị is not a producer" in errors[2]["tax_code"][0]


def test_semicolon_csv_with_bom(orgs):
    header = ["Mã số vùng trồng", "Mã số thuế", "Xã/phường", "Cây trồng", "Diện tích (ha)", "Số hộ"]
    data = csv_bytes(header, [["LS-S-1", HOI, "xã Văn Quan", "Hồi", "1.234,5", "1.200"],
                              ["LS-S-2", HOI, "Điềm He", "Quế", "0,75", ""]], delimiter=";", bom=True)
    table = importer.read_table(data, "s.csv", "zones")
    assert table.delimiter == ";" and table.columns == ["code", "tax_code", "commune", "crop", "area_ha", "households"]
    preview = importer.Preview(table).run()
    assert preview.bad == 0
    assert [(r.fields["zone"]["area_ha"], r.fields["zone"]["households"]) for r in preview.rows] == [(1234.5, 1200),
                                                                                                    (0.75, None)]


@pytest.mark.parametrize("content, name, message", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "anh.csv", "anh.csv is not a CSV or XLSX file"),
    (b"%PDF-1.7\n...", "giay.csv", "is not a CSV or XLSX file"),
    (b"PK\x03\x04" + b"\x00" * 100, "hong.xlsx", "hong.xlsx is not a CSV or XLSX file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "cu.xls.csv", "Old Excel files (.xls)"),
    ("code,commune\nLS-1,Văn Quan\n".encode("cp1258"), "cp1258.csv", "not UTF-8 text"),
    ("code,commune".encode("utf-16"), "utf16.csv", "not UTF-8 text"),
    (b"", "empty.csv", "The file is empty."),
    (b"\r\n\r\n", "blank.csv", "no header row"),
    (b"code,tax_code,commune,crop,area_ha\r\n", "header-only.csv", "no data rows"),
    (b"code,area_ha\r\nLS-1,1\r\n", "short.csv", "Missing column(s): tax_code, commune, crop."),
    (b"code,ma_vung,tax_code,commune,crop,area_ha\r\nLS-1,LS-1,1,2,3,4\r\n", "twice.csv", "Column code appears twice"),
])
def test_files_that_cannot_be_imported_say_why(content, name, message):
    with pytest.raises(importer.FileRejected) as raised:
        importer.read_table(content, name, "zones")
    assert message in raised.value.errors["file"][0]


def test_a_zip_that_is_not_a_workbook(tmp_path):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(importer.FileRejected, match="not a CSV or XLSX"):
        importer.read_table(out.getvalue(), "archive.xlsx", "zones")


def test_too_many_rows_is_refused_clearly(orgs, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    rows = [zone_row(f"LS-{n}") for n in range(4)]
    for data, name in ((csv_bytes(ZONE_HEADER, rows), "z.csv"), (xlsx_bytes(ZONE_HEADER, rows), "z.xlsx")):
        with pytest.raises(importer.FileRejected, match="more than 3 rows"):
            importer.read_table(data, name, "zones")
    assert importer.read_table(csv_bytes(ZONE_HEADER, rows[:3] + [[""] * 12] * 5), "z.csv", "zones").rows


def test_rows_are_checked_in_chunks(orgs, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_SIZE", 2)
    preview = importer.Preview(importer.read_table(
        csv_bytes(ZONE_HEADER, [zone_row(f"LS-{n}") for n in range(5)]), "z.csv", "zones"))
    assert list(preview.steps()) == [2, 4, 5] and preview.done and preview.good == 5


def test_only_department_staff_commit(orgs, factory):
    table = importer.read_table(csv_bytes(ZONE_HEADER, [zone_row("LS-1")]), "z.csv", "zones")
    member = get_user(factory.member(orgs[HOI]))
    with pytest.raises(PermissionDenied):
        importer.commit_import(member, "zones", table)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrowingZone)) == 0


# --- products -------------------------------------------------------------------------------------

def test_products_stars_outside_3_to_5_are_rejected(orgs, staff):
    data = csv_bytes(PRODUCT_HEADER, [
        product_row("Hoa hồi khô", stars="4"),
        product_row("Sáu sao", stars="6"),
        product_row("Hai sao", stars="2"),
        product_row("Nửa sao", stars="3,5"),
        product_row("Bốn sao chữ", stars="4 sao"),
        product_row("Năm sao hình", stars="★★★★★"),
    ])
    preview = importer.preview_import("products", data, "p.csv")
    errors = errors_by_line(preview)
    assert errors == {3: {"stars": ["OCOP products have 3, 4 or 5 stars."]},
                      4: {"stars": ["OCOP products have 3, 4 or 5 stars."]},
                      5: {"stars": ["'3,5' is not a whole number."]}}
    assert [r.fields["product"]["stars"] for r in preview.good_rows] == [4, 4, 5]
    with pytest.raises(importer.ImportRejected):
        importer.commit_import(get_user(staff), "products", preview.table)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OcopProduct)) == 0


def test_products_are_published_only_when_the_org_is_verified_and_the_certificate_valid(orgs, staff):
    expired = [(today() - timedelta(days=1200)).isoformat(), (today() - timedelta(days=1)).isoformat()]
    data = csv_bytes(PRODUCT_HEADER, [
        product_row("Hoa hồi khô Văn Quan", category="Gia vị", unit="gói", price="85.000"),
        product_row("Tinh dầu quế", tax=ENTERPRISE, category="spice", unit="chai", price="320000", stock="",
                    moq=""),
        product_row("Hạt mắc ca rang muối", tax=MAC_CA, category="thực phẩm", unit="túi", price="180.000"),
        product_row("Hồi cũ", issued=expired[0], expires=expired[1]),
    ])
    preview = importer.preview_import("products", data, "p.csv")
    assert preview.bad == 0
    assert [r.notes for r in preview.rows] == [["Will be published."], ["Will be published."],
                                               ["Will be a draft: the organisation is not verified yet."],
                                               ["Will be a draft: the OCOP certificate is not valid today."]]
    counts = importer.commit_import(get_user(staff), "products", preview.table)
    db.session.commit()
    assert counts == {"rows": 4, "products": 4, "published": 2, "drafts": 2}
    found = {p.name: p for p in db.session.scalars(sa.select(OcopProduct))}
    hoi = found["Hoa hồi khô Văn Quan"]
    assert (hoi.status, hoi.category, hoi.unit, hoi.price, hoi.stock, hoi.min_order_qty, hoi.stars) == (
        ProductStatus.PUBLISHED, "spice", "goi", 85000, 400, 10, 4)
    assert hoi.organisation_id == orgs[HOI] and hoi.tourist_shops_allowed
    que = found["Tinh dầu quế"]
    assert (que.status, que.stock, que.min_order_qty, que.organisation_id) == (ProductStatus.PUBLISHED, 0, 1,
                                                                                orgs[ENTERPRISE])
    assert found["Hạt mắc ca rang muối"].status == ProductStatus.DRAFT and found["Hạt mắc ca rang muối"].price == 180000
    assert found["Hồi cũ"].status == ProductStatus.DRAFT
    event = db.session.scalar(sa.select(AuditEvent))
    assert event.action == "import.products" and event.details["published"] == 2


def test_product_row_errors(orgs):
    with db.session.no_autoflush:
        org = db.session.get(Organisation, orgs[HOI])
        db.session.add(OcopProduct(organisation=org, name="Hoa hồi khô", category="spice", stars=4,
                                   certificate_number="1", certificate_issued_on=date(2025, 1, 1),
                                   certificate_expires_on=date(2028, 1, 1), unit="goi", price=1))
    db.session.commit()
    data = csv_bytes(PRODUCT_HEADER, [
        product_row("hoa  hồi khô"),                                     # 2 already listed (case, spacing)
        product_row("Trà xanh", category="đá quý", unit="thùng"),       # 3 unknown category and unit
        product_row("Trà hoa vàng"),                                     # 4 good
        product_row("trà hoa vàng"),                                     # 5 duplicate of row 4
        product_row("Tương lai", issued=(today() + timedelta(days=3)).isoformat()),  # 6 issued in the future
        product_row("Giá lạ", price="mười nghìn", tax=THONG),            # 7 not a number
        product_row("Không tổ chức", tax="123", price="-5"),             # 8 bad tax number, negative price
    ])
    errors = errors_by_line(importer.preview_import("products", data, "p.csv"))
    assert errors[2] == {"name": ["HTX Hồi Văn Quan already lists a product with this name."]}
    assert errors[3] == {"category": ["Unknown category 'đá quý'."], "unit": ["Unknown unit 'thùng'."]}
    assert 4 not in errors
    assert errors[5] == {"name": ["Duplicate product: the same organisation and name are in row 4."]}
    assert errors[6] == {"issued_on": ["The issue date cannot be in the future."]}
    assert errors[7] == {"price": ["'mười nghìn' is not a number."]}
    assert set(errors[8]) == {"tax_code", "price"}


def test_samples_are_valid_against_the_demo_organisations(factory):
    from pathlib import Path

    from market.models import OrgKind, OrgStatus

    for tax, kind, status, commune in [("4900112233", OrgKind.COOPERATIVE, OrgStatus.VERIFIED, "Văn Quan"),
                                       ("4900223344", OrgKind.COOPERATIVE, OrgStatus.VERIFIED, "Chi Lăng"),
                                       ("4900334455", OrgKind.COOPERATIVE, OrgStatus.VERIFIED, "Bắc Sơn"),
                                       ("4900445566", OrgKind.COOPERATIVE, OrgStatus.VERIFIED, "Tràng Định"),
                                       ("4900778899", OrgKind.COOPERATIVE, OrgStatus.PENDING, "Lộc Bình"),
                                       ("4901001001", OrgKind.ENTERPRISE, OrgStatus.VERIFIED, "Đông Kinh")]:
        factory.org(tax_code=tax, kind=kind, status=status, commune=commune)
    folder = Path(__file__).resolve().parents[2] / "docs" / "import-samples"
    for kind, name in (("zones", "zones.csv"), ("products", "ocop_products.csv")):
        preview = importer.preview_import(kind, (folder / name).read_bytes(), name)
        assert preview.total >= 5 and preview.bad == 0, errors_by_line(preview)
        assert not preview.table.ignored
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commune)) > 60  # the plan is loaded


def test_a_workbook_too_large_once_unpacked_is_refused(orgs, monkeypatch):
    data = xlsx_bytes(ZONE_HEADER, [zone_row("LS-1")])
    assert importer.read_table(data, "z.xlsx", "zones").rows
    monkeypatch.setattr(importer, "MAX_XLSX_UNPACKED", 1000)
    with pytest.raises(importer.FileRejected, match="too large once unpacked"):
        importer.read_table(data, "z.xlsx", "zones")


@pytest.mark.parametrize("written, name", [
    ("Diềm He", "Điềm He"), ("xã Diềm He", "Điềm He"), ("Xã Điềm He", "Điềm He"), ("phường Kỳ Lừa", "Kỳ Lừa"),
    ("Phường Kỳ Lừa", "Kỳ Lừa"), ("  văn   quan ", "Văn Quan"), ("xã Văn Quan", "Văn Quan"), ("Văn Lăng", "Văn Lãng"),
])
def test_communes_by_name_alias_or_with_their_prefix(orgs, written, name):
    data = csv_bytes(ZONE_HEADER, [zone_row("LS-1", commune=written)])
    row = importer.preview_import("zones", data, "z.csv").rows[0]
    assert row.ok and row.fields["commune"].name == name


def test_communes_without_diacritics_only_when_that_names_one_commune(orgs, req_en):
    row = importer.preview_import("zones", csv_bytes(ZONE_HEADER, [zone_row("LS-1", commune="xa Van Quan")]), "z").rows[0]
    assert row.ok and row.fields["commune"].name == "Văn Quan"
    # Two communes whose names differ only by their diacritics: the folded name is ambiguous.
    db.session.add(Commune(name="Vân Quán", slug="van-quan-2", kind="xa"))
    db.session.commit()
    try:
        row = importer.preview_import("zones", csv_bytes(ZONE_HEADER, [zone_row("LS-1", commune="Van Quan")]),
                                      "z").rows[0]
        assert row.errors == [("commune", "Unknown commune or ward 'Van Quan'.")]
    finally:
        db.session.execute(sa.delete(Commune).where(Commune.name == "Vân Quán"))
        db.session.commit()


@pytest.mark.figures
def test_a_register_imported_today_counts_from_its_certificates_real_dates(orgs, staff):
    """Issue 10a: zones imported today with a certificate issued in 2025 count for the dates since then (a late
    entry), not from the day they were typed in."""
    from market.services import targets

    data = csv_bytes(ZONE_HEADER, [zone_row("LS-VQ-HOI-0101", certificate=cert()),
                                   zone_row("LS-VQ-HOI-0102", area="4", certificate=cert(
                                       "vietgap", "VG-2025-02", "01/06/2025", "31/05/2027"))])
    last_spring = date(2026, 4, 1)
    scope = targets.Scope(as_of=last_spring)
    assert targets.certified_area(scope, ("organic", "vietgap")) == 0
    preview = importer.preview_import("zones", data, "zones.csv")
    importer.commit_import(get_user(staff), "zones", preview.table)
    db.session.commit()
    assert targets.certified_area(scope, ("organic", "vietgap")) == 16.5  # 12,5 ha organic + 4 ha VietGAP
    assert targets.certified_area(targets.Scope(as_of=date(2025, 5, 1)), ("organic", "vietgap")) == 12.5
