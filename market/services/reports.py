"""The yearly report: one table per plan section, exported as XLSX, CSV and a printable page, each
export kept as a snapshot so last November's report reopens unchanged after the data moves on.

What an official sends: labels, never stored codes; Vietnamese headers and numbers ("12.000", "16,7%":
CSV and print are written in Vietnamese, XLSX cells stay numbers with a number format, a share as a
percentage cell); a title naming the plan exactly and the scope (province or commune, crop, date). A
provincial report compiled from a reporting round (services/reporting.py) also lists the communes'
submissions. Everything is rendered from the snapshot's stored data, so re-running the report of a past
date gives the same file as its snapshot (tests/reporting/test_exports.py)."""
import csv
import io
import re
import zipfile
from datetime import date, datetime, time

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Font

from market.extensions import db
from market.labels import label
from market.models import Crop, ReportSnapshot, User
from market.numbers import format_number
from market.services import audit, targets

SECTION_TITLES = {
    "linkage": ("Chuỗi liên kết sản xuất - tiêu thụ", "Production-consumption linkage chains"),
    "ocop": ("Chương trình OCOP", "OCOP programme"),
    "certification": ("Diện tích được chứng nhận", "Certified area"),
    "crops": ("Diện tích vùng trồng theo cây trồng", "Zone area by crop"),
    "volumes": ("Sản lượng, giá trị hợp đồng và giao hàng", "Contracted and delivered volume and value"),
}


# The plan's own title (/work/shared/plan, the heading of the Vietnamese text), named exactly in every export.
PLAN_TITLE = ("Kế hoạch phát triển nông, lâm nghiệp chủ lực tập trung, bền vững gắn với chế biến, "
              "tiêu thụ sản phẩm giai đoạn 2026-2030")
PROVINCE = "toàn tỉnh Lạng Sơn"
ALL_CROPS = "tất cả cây trồng"


def build(scope: targets.Scope, locale: str = "vi") -> dict:
    """Everything the report shows, as plain data (what a snapshot stores)."""
    figures = targets.compute(scope, locale)
    chains = targets.linkage_chains(scope)
    crop = db.session.get(Crop, scope.crop_id) if scope.crop_id else None
    return {
        "as_of": scope.as_of.isoformat(),
        "commune": targets.commune_name(scope.commune_id),
        "crop": crop.name_vi if crop else None,
        "figures": [f.as_json() for f in figures],
        "chains": chains,
        "crops": targets.area_by_crop(scope),
        "volumes": targets.volumes(scope),
    }


def take_snapshot(actor: User, scope: targets.Scope) -> ReportSnapshot:
    snapshot = ReportSnapshot(as_of=scope.as_of, commune_id=scope.commune_id, crop_id=scope.crop_id,
                              figures=build(scope), created_by_id=actor.id)
    db.session.add(snapshot)
    db.session.flush()
    audit.record("report.exported", actor, obj=snapshot, as_of=scope.as_of.isoformat())
    return snapshot


class Share(float):
    """A percentage in a table (16.7 means 16,7%): a percentage cell in XLSX, "16,7%" in CSV and print."""


def vi_date(iso: str | None) -> str:
    """2026-11-20 -> 20/11/2026, as a Vietnamese official writes a date."""
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def title(report: dict) -> str:
    """The report's title: the plan, exactly as it is named, and where (province or commune, and crop)."""
    where = report.get("commune") or "tỉnh Lạng Sơn"
    if report.get("crop"):
        where += f", cây {report['crop']}"
    return f"Báo cáo kết quả thực hiện {PLAN_TITLE} — {where}"


def scope_line(report: dict) -> str:
    """What the report covers: province or commune, crop, date (and, compiled from a round, which round)."""
    line = (f"Phạm vi: {report.get('commune') or PROVINCE}; cây trồng: {report.get('crop') or ALL_CROPS}; "
            f"số liệu tính đến ngày {vi_date(report['as_of'])}")
    if report.get("round"):
        line += f"; kỳ báo cáo năm {report['round']['year']}"
    return line


def _value(f: dict):
    return Share(f["value"]) if f["unit"] == "%" else f["value"]


def _goal(f: dict):
    if f["goal"] is None:
        return ""
    return Share(f["goal"]) if f["unit"] == "%" else f["goal"]


def tables(report: dict) -> list[tuple[str, list[str], list[list]]]:
    """(section title, header, rows) for each table: the same content for XLSX, CSV and print."""
    out = []
    for section in ("linkage", "ocop", "certification"):
        rows = [[f["label"], _value(f), _goal(f), _vi_label("figure_unit", f["unit"])]
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
    if report.get("communes") is not None:
        out.append(("Số liệu theo xã, phường", ["Xã/phường", "Tổ chức", "Vùng trồng đã xác minh",
                                                "Diện tích vùng trồng (ha)", "Tổ chức trong chuỗi liên kết",
                                                "Sản phẩm OCOP còn hạn", "Hợp đồng liên kết", "Giá trị HĐ (VND)",
                                                "Cây trồng"],
                    [[c["commune"], c["organisations"], c["zones"], c["area_ha"], c["linkage"], c["ocop"],
                      c["contracts"], c["contracted_value"], ", ".join(c["crops"])] for c in report["communes"]]))
    if report.get("submissions") is not None:
        out.append(("Báo cáo của các xã, phường", ["Xã/phường", "Tình trạng", "Ngày nộp", "Nội dung báo cáo",
                                                   "Tệp đính kèm"],
                    [[s["commune"], s["status_vi"], vi_date(s["submitted_on"]), s["narrative"],
                      ", ".join(s["attachments"])] for s in report["submissions"]]))
    return out


def _vi_label(kind: str, code: str | None) -> str:
    """A stored code's label in Vietnamese, the report's language, whatever the page's language."""
    with force_locale("vi"):
        return label(kind, code)


def vi_text(value) -> str:
    """A cell as written in Vietnamese: "12.000", "12,5", "16,7%"; text as it is; None empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, Share):
        return format_number(float(value), locale="vi", digits=1) + "%"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, locale="vi", digits=2)
    return str(value)


def _xlsx_format(value) -> str | None:
    if isinstance(value, Share):
        return "0.0%"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return "#,##0" if float(value).is_integer() else "#,##0.0#"


def to_xlsx(report: dict) -> bytes:
    """Numbers stay numbers (a spreadsheet adds them up), with number formats that a Vietnamese Excel shows
    as "12.000", "12,5" and "16,7%"; the workbook's dates are the report's, so the same report gives the
    same file."""
    workbook = Workbook()
    moment = datetime.combine(date.fromisoformat(report["as_of"]), time())
    workbook.properties.creator = "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn"
    workbook.properties.created = workbook.properties.modified = moment
    workbook.properties.title = title(report)
    sheet = workbook.active
    sheet.title = "Bao cao " + report["as_of"]
    sheet.append([title(report)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([scope_line(report)])
    for section, header, rows in tables(report):
        sheet.append([])
        sheet.append([section])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([float(c) / 100 if isinstance(c, Share) else c for c in row])
            for cell, original in zip(sheet[sheet.max_row], row, strict=False):
                number_format = _xlsx_format(original)
                if number_format:
                    cell.number_format = number_format
    sheet.column_dimensions["A"].width = 60
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue(), moment)


def _fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The workbook's zip with every entry dated `moment` and the document's "modified" date the report's date
    (openpyxl stamps both with the clock when it saves), so the same report gives the same bytes whenever it
    is written."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, 0, 0, 0)
    modified = f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{moment.isoformat()}Z</dcterms:modified>".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"<dcterms:modified [^>]*>[^<]*</dcterms:modified>", modified, content)
            entry = zipfile.ZipInfo(item.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def to_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title(report)])
    writer.writerow([scope_line(report)])
    writer.writerow([])
    writer.writerow(["Phần", "Chỉ tiêu", "Thực hiện", "Mục tiêu 2030", "Đơn vị", "Tính đến ngày"])
    for section, _header, rows in tables(report)[:3]:
        for row in rows:
            writer.writerow([section] + [vi_text(cell) for cell in row] + [vi_date(report["as_of"])])
    for section, header, rows in tables(report)[3:]:
        writer.writerow([])
        writer.writerow([section])
        writer.writerow(header)
        writer.writerows([[vi_text(cell) for cell in row] for row in rows])
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
