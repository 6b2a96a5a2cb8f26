"""The dashboard over HTTP: who sees what, the targets API, the yearly report and its snapshots, the audit
log and the declared-chain form.

The world (the linkage base of test_linkage.py), on AS_OF = 2026-06-15:
    A  cooperative, Văn Quan; processors (verified capability): E1 Đông Kinh, E2 Chi Lăng, P Văn Quan
    C1: E1 buys hồi from A, active since 2026-03-02; C2: E2 buys quế from A, active since 2026-04-01;
    C3: P buys hồi from A, active since 2026-03-02
    -> linkage 3 for the province, 1 for Văn Quan (P), 1 for Chi Lăng (E2).
    One OCOP product of A, 4 stars, in a retail chain -> ocop_valid 1, four-star 1, retail share 100.0.
    One zone of A in Văn Quan, 12.5 ha, with a valid VietGAP -> cert_gap_organic_zone_ha 12.5."""
import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    ContractState,
    DeclaredChain,
    Organisation,
    OrgKind,
    OrgStatus,
    ReportSnapshot,
    ReviewStatus,
    Upload,
    User,
)
from market.services import audit, targets
from tests.conftest import csrf_token, log_in, submit
from tests.factories import AS_OF, FIGURE_KEYS, MINIMAL_PDF, card_value

# Both engines: the figures are computed in SQL (sums, dates).
pytestmark = pytest.mark.both_engines


def export(client, fmt: str, query: str = ""):
    """Export the report as the dashboard's buttons do: a POST with the CSRF token of the session."""
    token = csrf_token(client, "/auth/reset")
    return client.post(f"/dashboard/report.{fmt}?{query}", data={"csrf_token": token})


LINKAGE_SECTION_VI = "Chuỗi liên kết sản xuất - tiêu thụ"
LINKAGE_VI = "Doanh nghiệp, HTX chế biến tham gia chuỗi liên kết sản xuất - tiêu thụ"
Q = "as_of=2026-06-15"


@pytest.fixture
def market(world):
    a = world.org(OrgKind.COOPERATIVE, commune="Văn Quan", name="HTX Hồi A")
    e1 = world.processor(commune="Đông Kinh", name="Công ty E1")
    e2 = world.processor(commune="Chi Lăng", name="Công ty E2")
    p = world.processor(OrgKind.COOPERATIVE, commune="Văn Quan", name="HTX Chế biến P")
    c1 = world.contract(e1, a, ContractState.ACTIVE, activated=date(2026, 3, 2), crop="hoi")
    c2 = world.contract(e2, a, ContractState.ACTIVE, activated=date(2026, 4, 1), crop="que")
    world.contract(p, a, ContractState.ACTIVE, activated=date(2026, 3, 2), crop="hoi")
    world.product(a, 4, retailers=[world.org(OrgKind.RETAIL_CHAIN)])
    world.zone(a, 12.5, certificates=[("vietgap", date(2025, 6, 1), date(2027, 6, 1), ReviewStatus.VERIFIED)])
    return {"a": a, "e1": e1, "e2": e2, "c1": c1, "c2": c2}


@pytest.fixture
def staff(client, world):
    user_id = world.department_staff()
    log_in(client, user_id)
    return user_id


@pytest.fixture
def officer(client, world):
    """A commune officer of Văn Quan."""
    user_id = world.commune_officer("Văn Quan")
    log_in(client, user_id)
    return user_id


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _linkage_row(sheet) -> tuple:
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] == LINKAGE_VI]
    assert len(rows) == 1, rows
    return rows[0][:4]


def _xlsx(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.match(r'attachment; filename="bao-cao-ke-hoach-2026-06-15-\d+\.xlsx"',
                    response.headers["Content-Disposition"])
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


# --- who sees the dashboard ------------------------------------------------------------------------

@pytest.mark.figures
def test_department_staff_see_every_target(client, world, market, staff):
    page = client.get(f"/dashboard/?{Q}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in FIGURE_KEYS:
        assert f'data-key="{key}"' in html
    assert card_value(html, "linkage_orgs") == "3"
    assert card_value(html, "ocop_valid") == "1"
    assert card_value(html, "ocop_four_star") == "1"
    assert card_value(html, "ocop_retail_share") == "100"
    assert card_value(html, "cert_gap_organic_zone_ha") == "12,5"  # Vietnamese decimal comma
    assert "HTX Hồi A" in html and world.reference(market["c1"]) in html  # the chains table
    # The linkage rule in one sentence, and every counted organisation with the link that counts it.
    assert 'data-linkage-rule' in html and "retail chains and shops are buyers" not in html  # in Vietnamese
    assert world.gettext("Counted: enterprises and cooperatives whose processing facility the department verified "
                         "and that, on the date, buy from producers (cooperatives, farmer groups) under an active "
                         "contract or run a declared chain as processor; retail chains and shops are buyers, "
                         "never processors.") in html
    counted = html.split("data-counted>")[1].split("</table>")[0]
    for org in ("e1", "e2"):
        assert f'data-counted-org="{market[org]}"' in counted
    assert f'data-counted-org="{market["a"]}"' not in counted  # the producer
    assert f"hợp đồng {world.reference(market['c1'])} với HTX Hồi A" in counted
    assert "data-not-tracked" in html and "Đàn lợn" in html  # what the market cannot see, listed
    assert "data-late-changes" not in html  # no report of that date was sent yet
    assert client.get("/dashboard/").status_code == 200  # today, by default


@pytest.mark.figures
def test_a_commune_officer_sees_their_own_commune_only(client, world, market, officer):
    van_quan, chi_lang = world.commune_id("Văn Quan"), world.commune_id("Chi Lăng")
    page = client.get(f"/dashboard/?{Q}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "xã Văn Quan" in html.split("</h1>")[0]
    assert card_value(html, "linkage_orgs") == "1"  # P only: E1 and E2 are in other communes
    assert f'<option value="{chi_lang}"' not in html  # the commune list holds their own commune only
    assert client.get(f"/dashboard/?{Q}&commune={van_quan}").status_code == 200
    assert client.get(f"/dashboard/?{Q}&commune={chi_lang}").status_code == 403
    assert export(client, "xlsx", f"{Q}&commune={chi_lang}").status_code == 403
    api = client.get(f"/api/v1/targets?{Q}&commune={chi_lang}")
    assert api.status_code == 403 and api.is_json
    figures = {f["key"]: f["value"] for f in client.get(f"/api/v1/targets?{Q}").get_json()["figures"]}
    assert figures == world.values(commune="Văn Quan")
    assert figures["linkage_orgs"] == 1
    # Department pages stay closed to them.
    assert client.get("/dashboard/audit").status_code == 403
    assert client.get("/dashboard/chains").status_code == 403


@pytest.mark.figures
def test_a_commune_officer_exports_their_commune_and_sees_only_its_snapshots(client, world, market, officer):
    sheet = _xlsx(export(client, "xlsx", f"{Q}"))
    assert sheet["A2"].value.startswith("Phạm vi: xã Văn Quan;")
    assert _linkage_row(sheet) == (LINKAGE_VI, 1, 30, "tổ chức")
    with world.context():
        own = db.session.scalar(sa.select(ReportSnapshot))
        assert own.commune_id == world.commune_id("Văn Quan")
        province = ReportSnapshot(as_of=AS_OF, commune_id=None, figures=own.figures, created_by_id=officer)
        db.session.add(province)
        db.session.commit()
        own_id, province_id = own.id, province.id
    assert client.get(f"/dashboard/snapshots/{own_id}.html").status_code == 200
    assert client.get(f"/dashboard/snapshots/{province_id}.html").status_code == 404
    listing = client.get("/dashboard/snapshots/").get_data(as_text=True)
    assert f"/dashboard/snapshots/{own_id}.html" in listing
    assert f"/dashboard/snapshots/{province_id}.html" not in listing


@pytest.mark.parametrize("kind,status", [(OrgKind.COOPERATIVE, OrgStatus.VERIFIED),
                                         (OrgKind.COMMUNE_OFFICE, OrgStatus.PENDING),
                                         (OrgKind.DEPARTMENT, OrgStatus.PENDING)])
def test_others_get_403(client, world, kind, status):
    log_in(client, world.user(world.org(kind, status=status)))
    for url in ("/dashboard/", "/dashboard/snapshots/", "/dashboard/audit", "/dashboard/chains"):
        assert client.get(url).status_code == 403, url
    assert export(client, "xlsx", Q).status_code == 403
    api = client.get("/api/v1/targets")
    assert api.status_code == 403 and api.get_json()["error"]["status"] == 403


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for response in (client.get("/dashboard/"), export(client, "xlsx", Q), client.get("/dashboard/audit")):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    api = client.get("/api/v1/targets")
    assert api.status_code == 401 and api.get_json()["error"]["status"] == 401
    with world.context():
        assert _count(ReportSnapshot) == 0


# --- the API -------------------------------------------------------------------------------------------

@pytest.mark.figures
@pytest.mark.parametrize("scope", [{}, {"commune": "Văn Quan"}, {"crop": "que"}, {"as_of": date(2026, 3, 15)}])
def test_the_api_gives_the_same_figures_as_compute(client, world, market, staff, scope):
    args = {"as_of": scope.get("as_of", AS_OF).isoformat()}
    if "commune" in scope:
        args["commune"] = world.commune_id(scope["commune"])
    if "crop" in scope:
        args["crop"] = world.crop_id(scope["crop"])
    response = client.get("/api/v1/targets", query_string=args)
    assert response.status_code == 200
    payload = response.get_json()
    data = payload["figures"]
    expected = world.figures(**scope)
    assert [f["key"] for f in data] == list(expected)
    assert set(FIGURE_KEYS) - ({"organic_hoi_ha"} if "crop" in scope else set()) <= set(expected)
    assert payload["as_of"] == args["as_of"]
    assert payload["scope"]["commune_id"] == args.get("commune")
    assert payload["scope"]["crop_id"] == args.get("crop")
    for item in data:
        figure = expected[item["key"]]
        assert {"key", "label", "value", "goal", "goal_max", "range", "progress", "gap", "on_track", "line", "unit",
                "as_of"} <= set(item)
        assert (item["label"], item["value"], item["goal"], item["unit"], item["as_of"]) == (
            figure.label, figure.value, figure.goal, figure.unit, args["as_of"])


@pytest.mark.figures
def test_the_api_figures_by_hand(client, world, market, staff):
    payload = client.get(f"/api/v1/targets?{Q}").get_json()
    data = {f["key"]: f for f in payload["figures"]}
    assert {k: data[k]["value"] for k in FIGURE_KEYS} == {
        "linkage_orgs": 3, "ocop_valid": 1, "ocop_four_star": 1, "ocop_five_star": 0, "ocop_retail_share": 100.0,
        "ocop_expiring_90_days": 0, "cert_gap_organic_zone_ha": 12.5, "cert_planted_forest_ha": 0.0,
        "cert_sfm_ha": 0.0}
    assert (data["processors_hoi"]["value"], data["processors_hoi"]["range"]) == (2, [1, 2])  # E1 and P
    assert (data["zone_area_hoi"]["value"], data["zone_area_hoi"]["range"]) == (12.5, [55000, 56000])
    assert data["zone_area_hoi"]["gap"] == 55000 - 12.5
    # 1 t of hồi and 1 t of quế under contract (1,000 kg each): 3 t with P's.
    assert data["volume_contracted_t"]["value"] == 3.0
    by_crop = {row["key"]: row for row in payload["by_crop"]}
    assert (by_crop["hoi"]["processors"], by_crop["hoi"]["value"]) == (2, 12.5)
    by_commune = {row["commune"]: row for row in payload["by_commune"]}
    assert by_commune["Văn Quan"]["linkage_orgs"] == 1 and by_commune["Văn Quan"]["ocop_valid"] == 1
    assert by_commune["Văn Quan"]["contracts"] == 3 and by_commune["Văn Quan"]["contracted_t"] == 3.0
    assert {o["name"] for o in payload["linkage"]["organisations"]} == {"Công ty E1", "Công ty E2", "HTX Chế biến P"}
    assert any(t["key"] == "livestock_pig_head" for t in payload["not_tracked"])
    assert (data["linkage_orgs"]["label"], data["linkage_orgs"]["goal"], data["linkage_orgs"]["unit"]) == (
        LINKAGE_VI, 30, "org")  # the JSON API keeps the code, for programs
    assert data["linkage_orgs"]["progress"] == pytest.approx(0.1)
    assert data["linkage_orgs"]["gap"] == 27


@pytest.mark.parametrize("raw,message", [
    ("2031-01-01", "The date cannot be in the future."),
    ("tomorrow", "The date cannot be in the future."),
    ("2025-12-31", "The plan starts on 1 January 2026: choose that date or a later one."),
    ("15/06/2026", "Enter a date as YYYY-MM-DD."),
])
def test_a_bad_date_is_a_400_in_the_api_and_a_flash_on_the_page(client, world, staff, raw, message):
    raw = (today() + timedelta(days=1)).isoformat() if raw == "tomorrow" else raw
    expected = world.gettext(message)
    response = client.get(f"/api/v1/targets?as_of={raw}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["fields"] == {"as_of": expected}

    for request_page in (lambda: client.get(f"/dashboard/?as_of={raw}"),
                         lambda: export(client, "xlsx", f"as_of={raw}")):
        page = request_page()
        assert page.status_code == 302 and page.headers["Location"] == "/dashboard/"
        with client.session_transaction() as session:
            assert session["_flashes"] == [("error", expected)]
            session.pop("_flashes")
    with world.context():
        assert _count(ReportSnapshot) == 0


@pytest.mark.parametrize("arg,field,message", [
    ("commune=0", "commune", "No commune or ward has this number."),
    ("commune=99999", "commune", "No commune or ward has this number."),
    ("crop=99999", "crop", "No crop has this number."),
])
def test_an_unknown_commune_or_crop_is_refused_and_never_kept_as_a_snapshot(client, world, staff, arg, field, message):
    # Found by the fuzz test: "commune=0" reached the snapshot insert and failed on the foreign key (a 500).
    expected = world.gettext(message)
    response = client.get(f"/api/v1/targets?{arg}")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {field: expected}
    page = export(client, "csv", f"{Q}&{arg}")
    assert page.status_code == 302 and page.headers["Location"] == "/dashboard/"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("error", expected)]
    with world.context():
        assert _count(ReportSnapshot) == 0


@pytest.mark.figures
def test_the_flash_shows_on_the_dashboard(client, world, staff):
    page = client.get("/dashboard/?as_of=2025-12-31", follow_redirects=True)
    assert page.status_code == 200
    assert world.gettext("The plan starts on 1 January 2026: choose that date or a later one.") in page.get_data(as_text=True)


# --- the yearly report and its snapshots ----------------------------------------------------------------

@pytest.mark.figures
def test_the_xlsx_report_holds_the_figures_and_is_kept_as_a_snapshot(client, world, market, staff):
    sheet = _xlsx(export(client, "xlsx", f"{Q}"))
    assert sheet["A1"].value == ("Báo cáo kết quả thực hiện Kế hoạch phát triển nông, lâm nghiệp chủ lực tập trung, "
                                 "bền vững gắn với chế biến, tiêu thụ sản phẩm giai đoạn 2026-2030 — tỉnh Lạng Sơn")
    assert sheet["A2"].value.endswith("số liệu tính đến ngày 15/06/2026")
    assert _linkage_row(sheet) == (LINKAGE_VI, 3, 30, "tổ chức")
    rows = list(sheet.iter_rows(values_only=True))
    by_label = {r[0]: r[1] for r in rows if r and r[0]}
    assert by_label["Sản phẩm OCOP còn hạn chứng nhận"] == 1
    assert by_label["Diện tích đạt VietGAP, hữu cơ, mã số vùng trồng và tiêu chuẩn khác"] == 12.5
    assert by_label["Công ty E1"] == "Doanh nghiệp chế biến"  # the organisations in chains, by name and kind (a label, never the stored code)
    assert by_label["HTX Chế biến P"] == "Hợp tác xã (HTX)"
    assert "HTX Hồi A" not in by_label  # the producer: linked, never counted as a processor
    with world.context():
        snapshot = db.session.scalar(sa.select(ReportSnapshot))
        assert (snapshot.as_of, snapshot.commune_id, snapshot.created_by_id) == (AS_OF, None, staff)
        assert snapshot.figures["as_of"] == "2026-06-15"
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "report.exported"))
        assert (event.actor_id, event.object_id, event.details) == (staff, str(snapshot.id),
                                                                   {"as_of": "2026-06-15"})


def _html_value(html: str, label: str) -> str:
    match = re.search(r"<td>%s</td><td class=\"num\">([^<]*)</td>" % re.escape(label), html)
    assert match, label
    return match.group(1)


@pytest.mark.figures
def test_a_snapshot_reopens_unchanged_after_the_data_moves_on(client, world, market, staff):
    first = export(client, "xlsx", f"{Q}")
    assert _linkage_row(_xlsx(first))[1] == 3
    with world.context():
        first_id = db.session.scalar(sa.select(ReportSnapshot.id))
    # C2 is cancelled today: it ran on 2026-06-15, so the figure of that date keeps E2 (3). But a contract entered
    # late, active since 2026-04-01 between A and a new processor Q, is a fact of that date: 4 from now on.
    world.set_contract_state(market["c2"], ContractState.CANCELLED)
    assert world.figures()["linkage_orgs"].value == 3
    world.contract(world.processor(name="Công ty Q"), market["a"], ContractState.ACTIVE, activated=date(2026, 4, 1))

    assert _linkage_row(_xlsx(client.get(f"/dashboard/snapshots/{first_id}.xlsx")))[1] == 3
    html = client.get(f"/dashboard/snapshots/{first_id}.html").get_data(as_text=True)
    assert _html_value(html, LINKAGE_VI) == "3"
    assert f"#{first_id}" in html
    old_csv = csv.reader(io.StringIO(client.get(f"/dashboard/snapshots/{first_id}.csv").data.decode("utf-8-sig")))
    assert [LINKAGE_SECTION_VI, LINKAGE_VI, "3", "30", "tổ chức", "15/06/2026"] in list(old_csv)

    page = client.get(f"/dashboard/?{Q}").get_data(as_text=True)
    assert card_value(page, "linkage_orgs") == "4"
    assert 'data-late-changes' in page and 'data-changed="linkage_orgs"' in page  # the late entry, against the report
    assert 'data-changed="ocop_valid"' not in page
    assert _linkage_row(_xlsx(export(client, "xlsx", f"{Q}")))[1] == 4
    assert _html_value(export(client, "html", f"{Q}").get_data(as_text=True), LINKAGE_VI) == "4"
    assert 'data-changed=' not in client.get(f"/dashboard/?{Q}").get_data(as_text=True)  # the latest report: 4
    with world.context():
        ids = db.session.scalars(sa.select(ReportSnapshot.id).order_by(ReportSnapshot.id)).all()
    assert len(ids) == 3 and ids[0] == first_id  # every export is kept (XLSX, XLSX, printable page)
    assert _html_value(client.get(f"/dashboard/snapshots/{first_id}.html").get_data(as_text=True), LINKAGE_VI) == "3"
    listing = client.get("/dashboard/snapshots/").get_data(as_text=True)
    for snapshot_id in ids:
        for fmt in ("html", "xlsx", "csv"):
            assert f'href="/dashboard/snapshots/{snapshot_id}.{fmt}"' in listing


@pytest.mark.figures
def test_the_csv_report_has_a_bom_and_the_figures(client, world, market, staff):
    response = export(client, "csv", f"{Q}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[3] == ["Phần", "Chỉ tiêu", "Thực hiện", "Mục tiêu 2030", "Đơn vị", "Tính đến ngày"]  # under the title
    figures = {r[1]: r for r in rows[4:] if len(r) == 6 and r[5] == "15/06/2026"}
    assert figures[LINKAGE_VI] == [LINKAGE_SECTION_VI, LINKAGE_VI, "3", "30", "tổ chức", "15/06/2026"]
    assert figures["Sản phẩm OCOP 4 sao"] == ["Chương trình OCOP", "Sản phẩm OCOP 4 sao", "1", "20", "sản phẩm", "15/06/2026"]
    assert figures["Diện tích đạt VietGAP, hữu cơ, mã số vùng trồng và tiêu chuẩn khác"][2] == "12,5"
    assert ["Công ty E1", "Doanh nghiệp chế biến", "Đông Kinh", "hợp đồng trên sàn",
            world.reference(market['c1'])] in rows
    with world.context():
        assert _count(ReportSnapshot) == 1


@pytest.mark.figures
def test_a_scoped_report(client, world, market, staff):
    args = f"{Q}&commune={world.commune_id('Chi Lăng')}"
    sheet = _xlsx(export(client, "xlsx", f"{args}"))
    assert sheet["A2"].value.startswith("Phạm vi: xã Chi Lăng;")
    assert _linkage_row(sheet)[1] == 1  # E2
    with world.context():
        assert db.session.scalar(sa.select(ReportSnapshot.commune_id)) == world.commune_id("Chi Lăng")


def test_an_unknown_snapshot_is_a_404(client, world, staff):
    assert client.get("/dashboard/snapshots/999.xlsx").status_code == 404


# --- the audit log --------------------------------------------------------------------------------------

def test_the_audit_log_filters_by_organisation_user_and_action(client, world, staff):
    o1, o2 = world.org(name="HTX Nhật ký 1"), world.org(name="HTX Nhật ký 2")
    u1, u2 = world.user(o1, full_name="Người ghi 1"), world.user(o2, full_name="Người ghi 2")
    with world.context():
        actor = {u: db.session.get(User, u) for u in (u1, u2)}
        org = {o: db.session.get(Organisation, o) for o in (o1, o2)}
        audit.record("report.exported", actor[u1], marker="m-one")
        audit.record("chain.declared", actor[u1], organisation=org[o1], marker="m-two")
        audit.record("chain.declared", actor[u2], organisation=org[o2], marker="m-three")
        audit.record("zone.verified", actor[u2], organisation=org[o1], marker="m-four")
        db.session.commit()

    def shown(query: str = "") -> set[str]:
        response = client.get(f"/dashboard/audit{query}")
        assert response.status_code == 200
        return set(re.findall(r"m-(?:one|two|three|four)", response.get_data(as_text=True)))

    assert shown() == {"m-one", "m-two", "m-three", "m-four"}
    assert shown(f"?organisation={o1}") == {"m-two", "m-four"}
    assert shown(f"?user={u1}") == {"m-one", "m-two"}
    assert shown("?action=chain.declared") == {"m-two", "m-three"}
    assert shown("?action=chain") == {"m-two", "m-three"}  # a prefix picks a family of actions
    assert shown(f"?organisation={o1}&user={u2}") == {"m-four"}
    assert shown(f"?organisation={o2}&action=zone.verified") == set()
    html = client.get(f"/dashboard/audit?organisation={o1}&user={u2}&action=zone.verified").get_data(as_text=True)
    assert f'<option value="{o1}" selected>' in html and f'<option value="{u2}" selected>' in html
    assert '<option value="zone.verified" selected>' in html  # shown by its label, sent as the code


# --- declaring a chain through the form ------------------------------------------------------------------

def _chain_form(org_id, **extra):
    data = {"organisation_id": str(org_id), "partner_name": "Công ty TNHH Thu mua Đồng Đăng", "crop_id": "",
            "started_on": "2026-02-01", "ended_on": "", "note": ""}
    data.update(extra)
    return data


def test_declaring_without_evidence_shows_the_error_and_saves_nothing(client, world, staff, upload_dir):
    e4 = world.org(OrgKind.ENTERPRISE, name="Công ty E4")
    page = submit(client, "/dashboard/chains", _chain_form(e4))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    message = world.gettext("Attach the evidence: a declared chain needs a document.")
    assert f'<p class="error" id="evidence-error">{message}</p>' in html
    assert 'value="Công ty TNHH Thu mua Đồng Đăng"' in html  # what was typed stays
    with world.context():
        assert (_count(DeclaredChain), _count(Upload)) == (0, 0)
        assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "chain.declared")) is None
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


@pytest.mark.figures
def test_declaring_with_evidence_saves_the_chain_and_it_counts(client, world, staff, upload_dir):
    e4 = world.processor(name="Công ty E4")
    response = submit(client, "/dashboard/chains",
                      _chain_form(e4, evidence=(io.BytesIO(MINIMAL_PDF), "bien-ban.pdf")))
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/chains"
    with world.context():
        chain = db.session.scalar(sa.select(DeclaredChain))
        assert (chain.organisation_id, chain.started_on, chain.ended_on) == (e4, date(2026, 2, 1), None)
        assert chain.evidence.original_name == "bien-ban.pdf"
        assert (upload_dir / chain.evidence.stored_name).read_bytes() == MINIMAL_PDF
    listing = client.get("/dashboard/chains").get_data(as_text=True)
    assert "Công ty E4" in listing and "bien-ban.pdf" in listing
    assert world.figures()["linkage_orgs"].detail == {"contracted": 0, "declared": 1}
    with world.context():
        assert targets.linkage_chains(world.scope())["declared"][0]["name"] == "Công ty E4"


def test_the_form_offers_verified_processors_only(client, world, staff):
    verified = world.org(OrgKind.ENTERPRISE, name="Công ty Đã xác minh")
    pending = world.org(OrgKind.COOPERATIVE, status=OrgStatus.PENDING, name="HTX Chờ xác minh")
    world.org(OrgKind.RETAIL_CHAIN, name="Chuỗi Bán lẻ")
    html = client.get("/dashboard/chains").get_data(as_text=True)
    assert f'<option value="{verified}">Công ty Đã xác minh</option>' in html
    assert "HTX Chờ xác minh" not in html and "Chuỗi Bán lẻ" not in html
    page = submit(client, "/dashboard/chains", _chain_form(pending, evidence=(io.BytesIO(MINIMAL_PDF), "x.pdf")))
    assert page.status_code == 200 and 'id="organisation_id-error"' in page.get_data(as_text=True)
    with world.context():
        assert _count(DeclaredChain) == 0


def test_exporting_is_a_post_so_prefetching_a_link_creates_no_report(client, world, staff):
    assert client.get(f"/dashboard/report.xlsx?{Q}").status_code == 405
    with world.context():
        assert _count(ReportSnapshot) == 0
