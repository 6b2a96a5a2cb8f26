"""The demo's reporting rounds (development only), on top of the demo market:

- commune offices for Chi Lăng, Bắc Sơn, Tràng Định and Đình Lập (Văn Quan's is the demo market's), one
  account each (password DEMO_PASSWORD, e-mails xa.<commune>@demo.langson.vn);
- a locked earlier round: the plan period starts on 1 January 2026 (`targets.check_as_of` refuses earlier
  dates), so "last year's" report cannot exist; the earlier round is this year's six-month review, figures
  as of 30 June, reported 1-3 July, compiled and locked on 10 July (Văn Quan and Chi Lăng submitted);
- this year's round in progress: opened on 10 November with the plan's calendar (report 18-20 November,
  figures as of the 20th, compile by 1 December); Văn Quan and Chi Lăng submitted on the 19th, Bắc Sơn
  late on the 24th, Đình Lập is writing (late), Tràng Định has submitted nothing and was reminded.

Idempotent: rounds are found by their date, offices and accounts by name and e-mail. Nothing is seeded
before 1 July 2026 (the six-month review's date must not be in the future)."""
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app, has_request_context

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.models import (
    CommuneReport,
    CommuneReportStatus,
    Membership,
    Organisation,
    OrgKind,
    OrgStatus,
    ReportingRound,
    RoundReminder,
    RoundStatus,
    User,
)
from market.models.types import utcnow
from market.services import reporting
from market.services.reference_data import commune_named
from market.text import name_key

OFFICES = [("Chi Lăng", "xa.chilang@demo.langson.vn", "Hà Văn Thắng"),
           ("Bắc Sơn", "xa.bacson@demo.langson.vn", "Dương Thị Huệ"),
           ("Tràng Định", "xa.trangdinh@demo.langson.vn", "Nông Văn Hải"),
           ("Đình Lập", "xa.dinhlap@demo.langson.vn", "Triệu Thị Vân")]
NARRATIVE = ("UBND {commune} đã rà soát các vùng trồng, hợp đồng liên kết và sản phẩm OCOP trên địa bàn. "
             "Số liệu trên sàn khớp với sổ theo dõi của xã.\nKiến nghị: hỗ trợ cấp mã số vùng trồng cho các hộ còn lại.")


def _moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def _offices(password_hash: str) -> dict[str, Organisation]:
    offices = {}
    for commune_name, email, full_name in OFFICES:
        commune = commune_named(commune_name)
        name = f"UBND xã {commune_name}"
        org = db.session.scalar(sa.select(Organisation).where(Organisation.name_key == name_key(name),
                                                              Organisation.commune_id == commune.id))
        if org is None:
            org = Organisation(name=name, name_key=name_key(name), kind=OrgKind.COMMUNE_OFFICE, commune=commune,
                               status=OrgStatus.VERIFIED, status_changed_at=utcnow(),
                               description=f"Cán bộ nông nghiệp xã {commune_name}.",
                               address=f"{commune.display_name}, tỉnh Lạng Sơn")
            db.session.add(org)
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is None:
            user = User(email=email, full_name=full_name, password_hash=password_hash)
            db.session.add(user)
            db.session.add(Membership(user=user, organisation=org, role="owner"))
        offices[commune_name] = org
    office = db.session.scalar(sa.select(Organisation).where(Organisation.name_key == name_key("UBND xã Văn Quan")))
    if office is not None:
        offices["Văn Quan"] = office
    db.session.flush()
    return offices


def _report(round_: ReportingRound, commune_name: str, submitted_on: date | None, by: User | None,
            status: str = CommuneReportStatus.SUBMITTED) -> None:
    commune = commune_named(commune_name)
    if reporting.report_of(round_, commune) is not None:
        return
    db.session.add(CommuneReport(
        round=round_, commune=commune, status=status, narrative=NARRATIVE.format(commune=commune.display_name),
        submitted_on=submitted_on, submitted_at=_moment(submitted_on) if submitted_on else None,
        submitted_by_id=by.id if by and submitted_on else None))


def _officer(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def seed_demo_reporting() -> dict[str, int]:
    on = today()
    year = on.year
    if on < date(2026, 7, 10):
        return {"rounds": 0}
    department = db.session.scalar(sa.select(User).where(User.email == "so@demo.langson.vn"))
    if department is None:
        return {"rounds": 0}
    _offices(department.password_hash)
    vq, cl = _officer("xa.vanquan@demo.langson.vn"), _officer("xa.chilang@demo.langson.vn")
    if has_request_context():
        _rounds(on, year, department, vq, cl)
    else:
        with current_app.test_request_context():
            _rounds(on, year, department, vq, cl)
    return {"rounds": db.session.scalar(sa.select(sa.func.count()).select_from(ReportingRound))}


def _rounds(on: date, year: int, department: User, vq: User | None, cl: User | None) -> None:
    mid = date(year, 6, 30)
    earlier = db.session.scalar(sa.select(ReportingRound).where(ReportingRound.as_of == mid))
    if earlier is None:
        earlier = ReportingRound(year=year, as_of=mid, reports_from=date(year, 7, 1), reports_due=date(year, 7, 3),
                                 compile_by=date(year, 7, 10), status=RoundStatus.OPEN, opened_by_id=department.id,
                                 opened_at=_moment(date(year, 6, 25)))
        db.session.add(earlier)
        db.session.flush()
        _report(earlier, "Văn Quan", date(year, 7, 2), vq)
        _report(earlier, "Chi Lăng", date(year, 7, 3), cl)
        db.session.flush()
        db.session.refresh(earlier)
        reporting.compile_and_lock(department, earlier)
        earlier.locked_at = _moment(date(year, 7, 10), 16)
    yearly = reporting.default_dates(year)
    if on < yearly["reports_from"] or db.session.scalar(
            sa.select(ReportingRound).where(ReportingRound.as_of == yearly["as_of"])) is not None:
        return
    current = ReportingRound(**yearly, status=RoundStatus.OPEN, opened_by_id=department.id,
                             opened_at=_moment(date(year, 11, 10)))
    db.session.add(current)
    db.session.flush()
    _report(current, "Văn Quan", date(year, 11, 19), vq)
    _report(current, "Chi Lăng", date(year, 11, 19), cl)
    _report(current, "Bắc Sơn", date(year, 11, 24), _officer("xa.bacson@demo.langson.vn"))
    _report(current, "Đình Lập", None, None, status=CommuneReportStatus.DRAFT)
    tràng_định = commune_named("Tràng Định")
    for day in (date(year, 11, 21), date(year, 11, 25)):
        if day <= on:
            db.session.add(RoundReminder(round_id=current.id, commune_id=tràng_định.id, sent_on=day, late=True,
                                         sent_at=_moment(day, 7)))
    db.session.flush()
