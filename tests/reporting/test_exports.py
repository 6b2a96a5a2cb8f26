"""Exports an official can send, and the per-commune view: Vietnamese headers, labels and number formats,
the plan's exact title and the scope; re-running the report of a past date gives its snapshot's file."""
import csv
import io
import re
import time
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import ContractState, ReportSnapshot
from market.services import reports, targets
from tests.conftest import csrf_token, log_in
from tests.factories import crop_id

pytestmark = pytest.mark.both_engines

PLAN = ("Kế hoạch phát triển nông, lâm nghiệp chủ lực tập trung, bền vững gắn với chế biến, "
        "tiêu thụ sản phẩm giai đoạn 2026-2030")


def _export(client, fmt, query):
    return client.post(f"/dashboard/report.{fmt}?{query}", data={"csrf_token": csrf_token(client, "/auth/reset")})


def test_the_xlsx_names_the_plan_and_scope_with_vietnamese_formats(client, world, cast):
    world.product(cast["a"], 4, retailers=[world.org("retail_chain")])
    world.product(cast["a"], 4)  # a second 4-star product, not on shelves: the retail share is 50%
    log_in(client, cast["department"])
    response = _export(client, "xlsx", "as_of=2026-06-15")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == f"Báo cáo kết quả thực hiện {PLAN} — tỉnh Lạng Sơn"
    assert sheet["A2"].value == ("Phạm vi: toàn tỉnh Lạng Sơn; cây trồng: tất cả cây trồng; "
                                 "số liệu tính đến ngày 15/06/2026")
    rows = {r[0].value: r for r in sheet.iter_rows() if r and r[0].value}
    header = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "Chỉ tiêu")
    assert header[:4] == ("Chỉ tiêu", "Thực hiện", "Mục tiêu 2030", "Đơn vị")
    share = next(r for r in rows.values() if r[3].value == "%")
    assert share[1].value == pytest.approx(0.5) and share[1].number_format == "0.0%"  # 50,0% in a Vietnamese Excel
    area = rows["Diện tích đạt VietGAP, hữu cơ, mã số vùng trồng và tiêu chuẩn khác"]
    assert area[1].value == 12.5 and area[1].number_format == "#,##0.0#"
    volume = next(r for r in sheet.iter_rows() if r[0].value == "Hồi" and r[1].value == "Văn Quan")
    assert volume[2].value == "tấn"  # the unit's label: masses are reported in tonnes
    assert volume[3].value == 12_000 and volume[3].number_format == "#,##0"  # "12.000"
    kinds = {r[1].value for r in sheet.iter_rows() if r[0].value in ("Công ty E", "HTX Hồi A")}
    # labels, never "enterprise"; the cooperative is a producer: the plan counts only the processor it links with
    assert kinds == {"Doanh nghiệp chế biến"}


def test_csv_and_print_write_numbers_the_vietnamese_way(client, world, cast):
    world.product(cast["a"], 4, retailers=[world.org("retail_chain")])
    world.product(cast["a"], 4)
    log_in(client, cast["department"])
    text = _export(client, "csv", "as_of=2026-06-15").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [f"Báo cáo kết quả thực hiện {PLAN} — tỉnh Lạng Sơn"]
    assert rows[1][0].startswith("Phạm vi: toàn tỉnh Lạng Sơn")
    share = next(r for r in rows if len(r) > 4 and r[4] == "%")
    assert share[2] == "50%"  # and 16,7% would be written with its decimal comma (tests of vi_text below)
    assert "16.7%" not in text
    assert any(r[3:4] == ["12.000"] for r in rows), "twelve thousand written 12.000"
    html = _export(client, "html", "as_of=2026-06-15").get_data(as_text=True)
    assert PLAN in html and "Phạm vi: toàn tỉnh Lạng Sơn" in html
    assert ">12.000<" in html and ">12,5<" in html


def test_a_commune_scope_is_named(client, world, cast):
    log_in(client, cast["van_quan"])
    sheet = openpyxl.load_workbook(io.BytesIO(_export(client, "xlsx", "as_of=2026-06-15").data)).active
    assert sheet["A1"].value == f"Báo cáo kết quả thực hiện {PLAN} — xã Văn Quan"
    assert sheet["A2"].value.startswith("Phạm vi: xã Văn Quan; cây trồng: tất cả cây trồng")
    log_in(client, cast["department"])
    with world.context():
        crop = crop_id("hoi")
    sheet = openpyxl.load_workbook(io.BytesIO(_export(client, "xlsx", f"as_of=2026-06-15&crop={crop}").data)).active
    assert sheet["A1"].value == f"Báo cáo kết quả thực hiện {PLAN} — tỉnh Lạng Sơn, cây Hồi"
    assert "cây trồng: Hồi" in sheet["A2"].value
    with world.context():
        snapshot = db.session.scalar(sa.select(ReportSnapshot).order_by(ReportSnapshot.id.desc()))
        assert (snapshot.commune_id, snapshot.crop_id) == (None, crop)


def test_rerunning_a_past_date_gives_the_snapshots_file(client, app, world, cast):
    """The snapshot of 15 June: a fresh run for 15 June gives the same CSV bytes and the same XLSX bytes as
    the snapshot's own export, and the snapshot's address serves exactly that file."""
    log_in(client, cast["department"])
    _export(client, "xlsx", "as_of=2026-06-15")
    with app.test_request_context():
        snapshot = db.session.scalar(sa.select(ReportSnapshot))
        fresh = reports.build(targets.Scope(as_of=date(2026, 6, 15)))
        assert reports.to_csv(fresh) == reports.to_csv(snapshot.figures)
        assert reports.to_xlsx(fresh) == reports.to_xlsx(snapshot.figures)  # byte for byte, dates included
        time.sleep(1.1)  # a second later (a zip stamps its entries with the clock's second): the same bytes
        assert reports.to_xlsx(fresh) == reports.to_xlsx(snapshot.figures)
        stored_csv, stored_xlsx, snapshot_id = reports.to_csv(snapshot.figures), reports.to_xlsx(fresh), snapshot.id
    assert client.get(f"/dashboard/snapshots/{snapshot_id}.csv").data.decode("utf-8") == stored_csv
    assert client.get(f"/dashboard/snapshots/{snapshot_id}.xlsx").data == stored_xlsx


def test_rerunning_a_past_date_after_a_later_cancellation_gives_the_snapshots_file(client, app, world, cast):
    log_in(client, cast["department"])
    _export(client, "csv", "as_of=2026-06-15")
    with app.test_request_context():
        stored_csv = reports.to_csv(db.session.scalar(sa.select(ReportSnapshot)).figures)
    world.set_contract_state(cast["contract"], ContractState.CANCELLED)  # today, after the report was sent
    with app.test_request_context():
        assert reports.to_csv(reports.build(targets.Scope(as_of=date(2026, 6, 15)))) == stored_csv


def test_a_later_cancellation_leaves_the_snapshot_unchanged(client, app, world, cast):
    log_in(client, cast["department"])
    _export(client, "csv", "as_of=2026-06-15")
    with app.app_context():
        snapshot = db.session.scalar(sa.select(ReportSnapshot))
        before, snapshot_id = reports.to_csv(snapshot.figures), snapshot.id
    world.set_contract_state(cast["contract"], ContractState.CANCELLED)
    assert client.get(f"/dashboard/snapshots/{snapshot_id}.csv").data.decode("utf-8") == before


def test_the_communes_table_and_a_communes_page(client, world, cast):
    log_in(client, cast["department"])
    html = client.get("/reporting/communes/?as_of=2026-06-15").get_data(as_text=True)
    assert html.count("data-commune=") == 65
    van_quan, chi_lang = world.commune_id("Văn Quan"), world.commune_id("Chi Lăng")
    row = re.search(rf'<tr data-commune="{van_quan}">(.*?)</tr>', html, re.S).group(1)
    assert "12,5" in row and "Hồi" in row  # the verified zone, its crop
    sorted_html = client.get("/reporting/communes/?as_of=2026-06-15&sort=area&dir=desc").get_data(as_text=True)
    assert re.findall(r'data-commune="(\d+)"', sorted_html)[0] == str(van_quan)
    future = client.get("/reporting/communes/?as_of=2031-01-01").get_data(as_text=True)
    assert future.count("data-commune=") == 65  # a future date is refused (said in a message), today shown
    assert f'name="as_of" value="{today().isoformat()}"' in future and 'class="flash' in future
    only = client.get("/reporting/communes/?q=chi+lang&kind=xa").get_data(as_text=True)  # typed without marks
    assert re.findall(r'data-commune="(\d+)"', only) == [str(chi_lang)]
    ordered = re.findall(r'data-commune="\d+">\s*<td[^>]*><a [^>]*>([^<]*)</a>', html)
    assert ordered.index("xã Bắc Sơn") < ordered.index("xã Bình Gia")  # Vietnamese order, not code points
    page = client.get(f"/reporting/communes/{van_quan}?as_of=2026-06-15").get_data(as_text=True)
    figures = re.search(r'<table class="table" id="figures">.*?</table>', page, re.S).group(0)
    assert "Mục tiêu" not in figures and "Goal" not in figures and ">30<" not in figures  # no provincial goal
    # Commune staff: their own commune only.
    log_in(client, cast["van_quan"])
    own = client.get("/reporting/communes/").get_data(as_text=True)
    assert re.findall(r'data-commune="(\d+)"', own) == [str(van_quan)]
    assert client.get(f"/reporting/communes/{chi_lang}").status_code == 403
    assert client.get(f"/reporting/communes/{van_quan}").status_code == 200


def test_vietnamese_cells():
    assert reports.vi_text(reports.Share(16.7)) == "16,7%"
    assert reports.vi_text(12000) == "12.000"
    assert reports.vi_text(1234.5) == "1.234,5"
    assert reports.vi_text(None) == "" and reports.vi_text("HTX") == "HTX"
    assert reports.vi_date("2026-11-20") == "20/11/2026"
