"""The import pages: who may use them, upload -> preview (nothing saved) -> confirm (all rows or none)."""
import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import AuditEvent, Certificate, Crop, GrowingZone, OcopProduct, ReviewStatus
from market.services import importer, reference_data
from tests.conftest import log_in, submit
from tests.imports.conftest import (
    ENTERPRISE,
    HOI,
    IMPORT_URL,
    PRODUCT_HEADER,
    THONG,
    ZONE_HEADER,
    confirm,
    csv_bytes,
    token_of,
    upload,
    xlsx_bytes,
)

CLEAN_ZONES = [
    ["LS-VQ-HOI-0001", "vùng trồng", HOI, "Văn Quan", "Hồi", "12,5", "18", "organic", "HC-1", "Trung tâm", "15/03/2025",
     "14/03/2028"],
    ["LS-VQ-HOI-0002", "planting_area", HOI, "Diềm He", "hoi", "8,75", "", "", "", "", "", ""],
    ["LS-DL-THONG-0003", "rừng trồng", THONG, "phường Kỳ Lừa", "Thông", "40", "12", "forest_code", "RT-3", "Kiểm lâm",
     "2025-01-01", "2030-01-01"],
]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored_files(folder) -> list[str]:
    imports = folder / "imports"
    return sorted(p.name for p in imports.iterdir()) if imports.exists() else []


# --- who may import -------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in(client, upload_dir):
    for response in (client.get(IMPORT_URL), client.get(IMPORT_URL + "samples/zones")):
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_members_of_other_organisations_get_403(client, factory, upload_dir, orgs):
    log_in(client, factory.member(orgs[HOI]))
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(IMPORT_URL + "samples/zones").status_code == 403
    # The CSRF token of another page is enough to reach the guard.
    response = submit(client, IMPORT_URL, {"kind": "zones", "file": (io.BytesIO(csv_bytes(ZONE_HEADER, CLEAN_ZONES)),
                                                                      "z.csv")}, form_page="/auth/account")
    assert response.status_code == 403
    response = submit(client, IMPORT_URL + "confirm", {"token": "x" * 32}, form_page="/auth/account")
    assert response.status_code == 403
    assert count(client.application, GrowingZone) == 0 and stored_files(upload_dir) == []


def test_upload_page_shows_the_form_and_the_columns(staff_client):
    html = staff_client.get(IMPORT_URL).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html and 'type="file"' in html
    assert "cert_expires_on" in html and "min_order_qty" in html and "ma_vung" in html
    assert "/department/import/samples/zones" in html


def test_samples_can_be_downloaded(staff_client):
    with staff_client.get(IMPORT_URL + "samples/zones") as response:
        assert response.status_code == 200
        assert response.get_data(as_text=True).startswith("code,kind,tax_code")
    assert staff_client.get(IMPORT_URL + "samples/other").status_code == 404


# --- upload, preview, confirm ---------------------------------------------------------------------

def test_clean_csv_preview_then_confirm_imports_every_row(app, staff_client, staff, orgs, upload_dir):
    response = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, CLEAN_ZONES), "vung-trong.csv")
    assert response.status_code == 200 and response.is_streamed
    html = response.get_data(as_text=True)
    assert "3 of 3 rows checked." in html and "vung-trong.csv" in html
    assert "rows with errors" in html and 'action="/department/import/confirm"' in html
    assert "LS-VQ-HOI-0002" in html and "HTX Hồi Văn Quan" in html
    assert "xã Điềm He" in html and "phường Kỳ Lừa" in html and "12.5" in html  # as resolved, in English
    token = token_of(html)
    assert stored_files(upload_dir) == sorted([f"{token}.csv", f"{token}.json"])
    assert count(app, GrowingZone) == 0  # the preview saves nothing

    page = confirm(staff_client, token)
    assert page.status_code == 200
    assert "Imported 3 zones and 2 certificates, recorded as verified." in page.get_data(as_text=True)
    assert stored_files(upload_dir) == []
    with app.app_context():
        zones = {z.code: z for z in db.session.scalars(sa.select(GrowingZone))}
        assert set(zones) == {"LS-VQ-HOI-0001", "LS-VQ-HOI-0002", "LS-DL-THONG-0003"}
        assert zones["LS-VQ-HOI-0002"].commune.name == "Điềm He"
        assert zones["LS-DL-THONG-0003"].commune.name == "Kỳ Lừa"
        assert zones["LS-DL-THONG-0003"].organisation_id == orgs[THONG]
        assert zones["LS-DL-THONG-0003"].crop.key == "thong"
        assert all(z.status == ReviewStatus.VERIFIED and z.status_changed_by_id == staff for z in zones.values())
        certificates = list(db.session.scalars(sa.select(Certificate)))
        assert len(certificates) == 2
        assert all(c.status == ReviewStatus.VERIFIED and c.status_changed_by_id == staff for c in certificates)
        events = list(db.session.scalars(sa.select(AuditEvent)))
        assert [(e.action, e.details["zones"], e.details["certificates"]) for e in events] == [("import.zones", 3, 2)]

    # The same token cannot be used twice.
    again = confirm(staff_client, token)
    assert "This import has expired or was already saved." in again.get_data(as_text=True)
    assert count(app, GrowingZone) == 3


def test_mixed_file_preview_lists_errors_and_offers_no_confirmation(app, staff_client, staff, orgs, upload_dir):
    rows = [
        CLEAN_ZONES[0],
        ["LS-B-0003", "", HOI, "Xyz", "hoi", "1", "", "", "", "", "", ""],
        ["LS-B-0004", "", HOI, "Văn Quan", "hoi", "1", "", "", "", "", "", ""],
        ["LS-B-0004", "", HOI, "Văn Quan", "hoi", "1", "", "", "", "", "", ""],
        ["LS-B-0006", "", HOI, "Văn Quan", "hoi", "1", "", "organic", "HC", "TT", "31/02/2025", "2028-01-01"],
        ["LS-B-0007", "", HOI, "Văn Quan", "hoi", "nhiều", "", "", "", "", "", ""],
        ["LS-B-0008", "", HOI, "Văn Quan", "Sầu riêng", "1", "", "", "", "", "", ""],
        ["LS-B-0009", "", "4999999999", "Văn Quan", "hoi", "1", "", "", "", "", "", ""],
        ["LS-B-0010", "", ENTERPRISE, "Văn Quan", "hoi", "1", "", "organic", "HC", "TT", "2025-05-01", "2025-04-01"],
    ]
    response = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, rows), "lan-lon.csv")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>2</strong> rows ready" in html and "<strong>7</strong> rows with errors" in html
    for line, message in [(3, "Unknown commune or ward &#39;Xyz&#39;."),
                          (5, "Duplicate code: the same code is in row 4."),
                          (6, "&#39;31/02/2025&#39; is not a real date."),
                          (7, "&#39;nhiều&#39; is not a number."),
                          (8, "Unknown crop &#39;Sầu riêng&#39;."),
                          (9, "No organisation has the tax number &#39;4999999999&#39;."),
                          (10, "The expiry date is before the issue date.")]:
        row_html = html.split(f'id="row-{line}"', 1)[1].split("</tr>", 1)[0]
        assert message in row_html, (line, row_html)
    assert 'id="row-2"' not in html and 'id="row-4"' not in html
    assert "is not a cooperative or farm household group" in html.split('id="row-10"', 1)[1]
    assert 'action="/department/import/confirm"' not in html
    assert count(app, GrowingZone) == 0

    # Posting the token anyway: checked again, refused, nothing saved.
    refused = confirm(staff_client, token_of(html), follow_redirects=False)
    assert refused.status_code == 409
    assert "nothing was saved" in refused.get_data(as_text=True)
    assert count(app, GrowingZone) == count(app, Certificate) == count(app, AuditEvent) == 0

    # Cancelling removes the stored file.
    submit(staff_client, IMPORT_URL + "cancel", {"token": token_of(html)}, form_page=IMPORT_URL)
    assert stored_files(upload_dir) == []


def test_a_code_registered_between_preview_and_confirm_blocks_the_whole_file(app, staff_client, orgs):
    html = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, CLEAN_ZONES), "z.csv").get_data(as_text=True)
    with app.app_context():
        zone = GrowingZone(code="LS-VQ-HOI-0002", organisation_id=orgs[HOI], commune=reference_data.commune_named("Văn Quan"),
                           crop=db.session.scalar(sa.select(Crop).where(Crop.key == "hoi")), area_ha=1)
        db.session.add(zone)
        db.session.commit()
    response = confirm(staff_client, token_of(html), follow_redirects=False)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This code is already registered." in page.split('id="row-3"', 1)[1]
    assert count(app, GrowingZone) == 1 and count(app, Certificate) == 0


def test_xlsx_works_the_same(app, staff_client, staff, orgs):
    header = ["Mã vùng", "Loại", "Mã số thuế", "Xã/phường", "Cây trồng", "Diện tích (ha)", "Số hộ", "Loại chứng nhận",
              "Số chứng nhận", "Nơi cấp", "Ngày cấp", "Ngày hết hạn"]
    rows = [["LS-X-1", "Vùng trồng", int(HOI), "Diềm He", "Hồi", 12.5, 18, "Hữu cơ", "HC-9", "TT",
             datetime(2025, 3, 15), datetime(2028, 3, 14)],
            ["LS-X-2", "rừng trồng", int(THONG), "xã Văn Quan", "Keo", "1.234,5", None, None, None, None, None, None]]
    bad = rows + [["LS-X-1", None, HOI, "Nowhere", "hoi", 1, None, None, None, None, None, None]]
    html = upload(staff_client, "zones", xlsx_bytes(header, bad), "so-lieu.xlsx").get_data(as_text=True)
    row = html.split('id="row-4"', 1)[1].split("</tr>", 1)[0]
    assert "Duplicate code: the same code is in row 2." in row and "Unknown commune or ward &#39;Nowhere&#39;." in row
    assert 'action="/department/import/confirm"' not in html

    html = upload(staff_client, "zones", xlsx_bytes(header, rows), "so-lieu.xlsx").get_data(as_text=True)
    assert "2 of 2 rows checked." in html
    assert "Imported 2 zones and 1 certificates" in confirm(staff_client, token_of(html)).get_data(as_text=True)
    with app.app_context():
        zones = {z.code: z for z in db.session.scalars(sa.select(GrowingZone))}
        assert zones["LS-X-1"].commune.name == "Điềm He" and zones["LS-X-1"].certificates[0].kind == "organic"
        assert zones["LS-X-2"].area_ha == 1234.5 and zones["LS-X-2"].organisation_id == orgs[THONG]
        assert zones["LS-X-2"].crop.key == "keo" and zones["LS-X-2"].status == ReviewStatus.VERIFIED


def test_semicolon_csv_with_bom_and_vietnamese_headers(app, staff_client, orgs):
    header = ["Mã số thuế", "Tên sản phẩm", "Nhóm", "Số sao", "Số chứng nhận", "Ngày cấp", "Ngày hết hạn",
              "Đơn vị tính", "Giá bán (VNĐ)", "Tồn kho"]
    rows = [[HOI, "Hoa hồi khô", "Gia vị", "4", "1234/QĐ-UBND", "15/06/2025", "14/06/2028", "gói", "85.000", "1.200"]]
    data = csv_bytes(header, rows, delimiter=";", bom=True)
    html = upload(staff_client, "products", data, "ocop.csv").get_data(as_text=True)
    assert "1 of 1 rows checked." in html and "Will be published." in html
    page = confirm(staff_client, token_of(html)).get_data(as_text=True)
    assert "Imported 1 OCOP products: 1 published, 0 drafts." in page
    with app.app_context():
        product = db.session.scalar(sa.select(OcopProduct))
        assert (product.name, product.price, product.stock, product.category, product.unit) == (
            "Hoa hồi khô", 85000, 1200, "spice", "goi")


def test_products_with_stars_outside_3_to_5_are_rejected(app, staff_client, orgs):
    rows = [[HOI, "Sáu sao", "food", "6", "1", "2025-01-01", "2028-01-01", "hop", "1000", "1", "1"],
            [HOI, "Hai sao", "food", "2", "2", "2025-01-01", "2028-01-01", "hop", "1000", "1", "1"]]
    html = upload(staff_client, "products", csv_bytes(PRODUCT_HEADER, rows), "p.csv").get_data(as_text=True)
    for line in (2, 3):
        assert "OCOP products have 3, 4 or 5 stars." in html.split(f'id="row-{line}"', 1)[1].split("</tr>", 1)[0]
    assert count(app, OcopProduct) == 0


def test_a_png_named_csv_gets_a_clear_error(app, staff_client, upload_dir):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    response = upload(staff_client, "zones", png, "vung.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "vung.csv is not a CSV or XLSX file." in html and 'class="error"' in html
    assert stored_files(upload_dir) == []


@pytest.mark.parametrize("name, message", [("vung.png", "Choose a CSV or XLSX file."),
                                           ("", "Choose a CSV or XLSX file.")])
def test_the_form_wants_a_csv_or_xlsx_file(staff_client, name, message):
    data = {"kind": "zones"}
    if name:
        data["file"] = (io.BytesIO(b"code\n1\n"), name)
    response = submit(staff_client, IMPORT_URL, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_missing_columns_are_named(staff_client):
    response = upload(staff_client, "zones", b"code,area\r\nLS-1,1\r\n", "z.csv")
    assert response.status_code == 400
    assert "Missing column(s): tax_code, commune, crop." in response.get_data(as_text=True)


def test_a_file_larger_than_max_content_length_gets_a_clear_error(app, staff_client):
    before = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = upload(staff_client, "zones", b"code,kind\r\n" + b"LS-1,vung\r\n" * 400, "big.csv")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = before
    assert response.status_code == 413
    assert "The file is larger than the limit of 2 KB." in response.get_data(as_text=True)
    assert 'type="file"' in response.get_data(as_text=True)


def test_too_many_rows_gets_a_clear_error(staff_client, orgs, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    response = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, CLEAN_ZONES), "z.csv")
    assert response.status_code == 400
    assert "The file has more than 2 rows" in response.get_data(as_text=True)


def test_preview_reports_progress_chunk_by_chunk(staff_client, orgs, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_SIZE", 2)
    rows = [[f"LS-P-{n}", "", HOI, "Văn Quan", "hoi", "1", "", "", "", "", "", ""] for n in range(5)]
    html = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, rows), "z.csv").get_data(as_text=True)
    progress = html.split('class="card import-progress"', 1)[1].split("</div>", 1)[0]
    assert 'value="2"' in progress and 'value="4"' in progress and 'value="5"' in progress
    assert "Checking rows: 2 of 5" in progress and "5 of 5 rows checked." in progress


def test_a_token_is_only_good_for_the_staff_member_who_uploaded(app, client, factory, staff_client, orgs,
                                                                upload_dir):
    html = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, CLEAN_ZONES), "z.csv").get_data(as_text=True)
    token = token_of(html)
    other = app.test_client()
    log_in(other, factory.department_staff())
    other.get("/lang/en")
    page = confirm(other, token).get_data(as_text=True)
    assert "This import has expired or was already saved." in page
    submit(other, IMPORT_URL + "cancel", {"token": token}, form_page=IMPORT_URL)
    assert len(stored_files(upload_dir)) == 2
    for forged in ("../../etc/passwd", "x" * 31, ""):
        response = submit(staff_client, IMPORT_URL + "confirm", {"token": forged}, form_page=IMPORT_URL)
        assert response.status_code == 400
    assert count(app, GrowingZone) == 0


def test_a_second_confirmation_while_the_first_is_saving_saves_nothing(app, staff_client, orgs, upload_dir):
    html = upload(staff_client, "zones", csv_bytes(ZONE_HEADER, CLEAN_ZONES), "z.csv").get_data(as_text=True)
    token = token_of(html)
    meta = upload_dir / "imports" / f"{token}.json"
    meta.rename(meta.with_suffix(".claimed"))  # as the first request does while it saves
    page = confirm(staff_client, token).get_data(as_text=True)
    assert "This import has expired or was already saved." in page
    assert count(app, GrowingZone) == 0
    meta.with_suffix(".claimed").rename(meta)
    assert "Imported 3 zones" in confirm(staff_client, token).get_data(as_text=True)
    assert count(app, GrowingZone) == 3 and stored_files(upload_dir) == []
