"""The yearly report: one table per plan section, exported as XLSX, CSV and a printable page, each
export kept as a snapshot so last November's report reopens unchanged after the data moves on."""
import csv
import io
from datetime import date

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Font

from market.extensions import db
from market.labels import label
from market.models import ReportSnapshot, User
from market.numbers import plain
from market.services import audit, targets

SECTION_TITLES = {
    "linkage": ("Chuỗi liên kết sản xuất - tiêu thụ", "Production-consumption linkage chains"),
    "ocop": ("Chương trình OCOP", "OCOP programme"),
    "certification": ("Diện tích được chứng nhận", "Certified area"),
    "crops": ("Diện tích vùng trồng theo cây trồng", "Zone area by crop"),
    "volumes": ("Sản lượng, giá trị hợp đồng và giao hàng", "Contracted and delivered volume and value"),
}


def build(scope: targets.Scope, locale: str = "vi") -> dict:
    """Everything the report shows, as plain data (what a snapshot stores)."""
    figures = targets.compute(scope, locale)
    chains = targets.linkage_chains(scope)
    return {
        "as_of": scope.as_of.isoformat(),
        "commune": targets.commune_name(scope.commune_id),
        "figures": [f.as_json() for f in figures],
        "chains": chains,
        "crops": targets.area_by_crop(scope),
        "volumes": targets.volumes(scope),
    }


def take_snapshot(actor: User, scope: targets.Scope) -> ReportSnapshot:
    snapshot = ReportSnapshot(as_of=scope.as_of, commune_id=scope.commune_id, figures=build(scope),
                              created_by_id=actor.id)
    db.session.add(snapshot)
    db.session.flush()
    audit.record("report.exported", actor, obj=snapshot, as_of=scope.as_of.isoformat())
    return snapshot


def tables(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """(section title, header, rows) for each table: the same content for XLSX, CSV and print."""
    out = []
    for section in ("linkage", "ocop", "certification"):
        rows = [[f["label"], f["value"], f["goal"] if f["goal"] is not None else "", _vi_label("figure_unit", f["unit"])]
                for f in report["figures"] if f["section"] == section]
        out.append((SECTION_TITLES[section][0], ["Chỉ tiêu", "Thực hiện", "Mục tiêu 2030", "Đơn vị"], rows))
    # Labels, never stored codes: an organisation's kind as people call it (in Vietnamese, like the report).
    chains = [[o["name"], _vi_label("org_kind", o["kind"]), o["commune"] or "", "hợp đồng trên sàn",
               ", ".join(o["contracts"])] for o in report["chains"]["contracted"]]
    chains += [[o["name"], _vi_label("org_kind", o["kind"]), o["commune"] or "", "kê khai", ", ".join(o["partners"])]
               for o in report["chains"]["declared"]]
    out.append(("Tổ chức tham gia chuỗi liên kết", ["Tổ chức", "Loại", "Xã/phường", "Nguồn", "Hợp đồng / đối tác"],
                chains))
    out.append((SECTION_TITLES["crops"][0], ["Cây trồng", "Diện tích đã xác minh (ha)", "Mục tiêu tối thiểu (ha)",
                                             "Mục tiêu tối đa (ha)"],
                [[c["name_vi"], c["value"], c["goal_min"] or "", c["goal_max"] or ""] for c in report["crops"]]))
    out.append((SECTION_TITLES["volumes"][0], ["Cây trồng", "Xã/phường", "Đơn vị", "Hợp đồng", "Giá trị HĐ (VND)",
                                               "Đã giao", "Giá trị đã giao (VND)"],
                [[v["crop"], v["commune"], _vi_label("unit", v["unit"]), v["contracted"], v["contracted_value"], v["delivered"],
                  v["delivered_value"]] for v in report["volumes"]]))
    return out


def _vi_label(kind: str, code: str | None) -> str:
    """A stored code's label in Vietnamese, the report's language, whatever the page's language."""
    with force_locale("vi"):
        return label(kind, code)


def _csv_number(value):
    """A number in a CSV cell the Vietnamese way ("12,5"), as a Vietnamese spreadsheet and the register
    importer read it; XLSX cells stay numbers. Text is left as it is; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return plain(value, locale="vi")
    return value


def to_xlsx(report: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bao cao " + report["as_of"]
    sheet.append([f"Báo cáo kết quả thực hiện kế hoạch 2026-2030, tính đến ngày {report['as_of']}"
                  + (f" — {report['commune']}" if report["commune"] else "")])
    sheet["A1"].font = Font(bold=True, size=13)
    for title, header, rows in tables(report):
        sheet.append([])
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    sheet.column_dimensions["A"].width = 60
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Phần", "Chỉ tiêu", "Thực hiện", "Mục tiêu 2030", "Đơn vị", "Tính đến ngày"])
    for f in report["figures"]:
        section = SECTION_TITLES.get(f["section"], (f["section"],))[0]
        writer.writerow([section, f["label"], _csv_number(f["value"]), _csv_number(f["goal"]),
                         _vi_label("figure_unit", f["unit"]), report["as_of"]])
    for title, header, rows in tables(report)[3:]:
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows([[_csv_number(cell) for cell in row] for row in rows])
    return "\ufeff" + buffer.getvalue()  # the BOM makes Excel read Vietnamese as UTF-8


def parse_as_of(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        from flask_babel import gettext as _

        from market.services.errors import ValidationFailed

        raise ValidationFailed({"as_of": _("Enter a date as YYYY-MM-DD.")}) from None
