"""Renewal reminders: 90, 30 and 7 days before a zone code, a zone certificate or an OCOP certificate
expires, the owning organisation gets an inbox notification and an e-mail (for OCOP, the department too).

`send_due(on)` (the `flask market remind-renewals` command, daily) sends, for each verified certificate
expiring within 90 days, the reminder of the nearest threshold reached, once: a `SentReminder` row per
certificate, expiry date and threshold is inserted first (in a SAVEPOINT), and the unique constraint on it
decides who sends when two runs race; the loser's insert fails and it sends nothing. A missed day sends
the nearer threshold only (a certificate found 25 days before expiry gets the 30-day reminder, not also the
90-day one). A renewed certificate (a new expiry date) is reminded again.
"""
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from market.clock import today
from market.extensions import db
from market.labels import label
from market.models import (
    Certificate,
    CertificateKind,
    GrowingZone,
    OcopCertificate,
    Organisation,
    OrgKind,
    OrgStatus,
    ReviewStatus,
    SentReminder,
)
from market.services import notifications

THRESHOLDS = (90, 30, 7)
CODE_KINDS = (CertificateKind.PLANTING_AREA_CODE, CertificateKind.FOREST_CODE)


@dataclass(frozen=True)
class Expiring:
    """Something that expires: what it is, whose, when, and where to see it."""

    subject: str  # "certificate" (a zone's) or "ocop_certificate"
    subject_id: int
    kind: str  # "zone_code", "zone_certificate" or "ocop_certificate"
    title: str
    number: str
    expires_on: date
    organisation: Organisation
    link: str

    def days_left(self, on: date) -> int:
        return (self.expires_on - on).days

    @property
    def kind_label(self) -> str:
        return {"zone_code": _("Zone code"), "zone_certificate": _("Zone certificate"),
                "ocop_certificate": _("OCOP certificate")}[self.kind]


def threshold(days_left: int) -> int | None:
    """The nearest threshold reached: 7 within a week, 30 within a month, 90 within three months."""
    if days_left < 0:
        return None
    reached = [t for t in THRESHOLDS if days_left <= t]
    return min(reached) if reached else None


def expiring(on: date | None = None, *, within_days: int = max(THRESHOLDS),
             org: Organisation | None = None) -> list[Expiring]:
    """Verified zone certificates (codes included) and OCOP certificates expiring from `on` to `on` +
    `within_days`, soonest first; only one organisation's when `org` is given."""
    on = on or today()
    until = on + timedelta(days=within_days)
    rows: list[Expiring] = []
    query = (sa.select(Certificate).join(GrowingZone)
             .where(Certificate.status == ReviewStatus.VERIFIED, GrowingZone.status == ReviewStatus.VERIFIED,
                    Certificate.expires_on >= on, Certificate.expires_on <= until))
    if org is not None:
        query = query.where(GrowingZone.organisation_id == org.id)
    for c in db.session.scalars(query):
        code = c.kind in CODE_KINDS
        rows.append(Expiring("certificate", c.id, "zone_code" if code else "zone_certificate",
                             f"{label('certificate', c.kind)} · {c.zone.code}", c.number, c.expires_on,
                             c.zone.organisation, notifications.page("catalog.zone", code=c.zone.code)))
    query = sa.select(OcopCertificate).where(OcopCertificate.status == ReviewStatus.VERIFIED,
                                             OcopCertificate.expires_on >= on, OcopCertificate.expires_on <= until)
    if org is not None:
        query = query.where(OcopCertificate.organisation_id == org.id)
    for c in db.session.scalars(query):
        rows.append(Expiring("ocop_certificate", c.id, "ocop_certificate",
                             _("OCOP %(stars)d stars · %(product)s", stars=c.stars, product=c.product_name),
                             c.number, c.expires_on, c.organisation,
                             notifications.page("workspace.dashboard", org_id=c.organisation_id)))
    return sorted(rows, key=lambda r: (r.expires_on, r.title))


def _departments() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.DEPARTMENT, Organisation.status == OrgStatus.VERIFIED)))


def _claim(item: Expiring, days_before: int) -> bool:
    """Insert the reminder's row in a SAVEPOINT; False when it exists already (sent before, or by a run
    racing this one: the unique constraint waits for the other transaction and then refuses)."""
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(subject=item.subject, subject_id=item.subject_id,
                                        expires_on=item.expires_on, days_before=days_before,
                                        organisation_id=item.organisation.id))
    except IntegrityError:
        return False
    return True


def message(item: Expiring, days: int) -> str:
    return _("%(what)s %(number)s (%(title)s) expires on %(date)s, in %(days)d days: renew it in time.",
             what=item.kind_label, number=item.number, title=item.title, date=format_date(item.expires_on),
             days=days)


def send_due(on: date | None = None) -> int:
    """Send every reminder due on `on` not sent before; the caller commits. Returns how many were sent."""
    on = on or today()
    sent_keys = {(r.subject, r.subject_id, r.expires_on, r.days_before)
                 for r in db.session.scalars(sa.select(SentReminder).where(SentReminder.expires_on >= on))}
    departments = None
    sent = 0
    for item in expiring(on):
        days_before = threshold(item.days_left(on))
        if days_before is None or (item.subject, item.subject_id, item.expires_on, days_before) in sent_keys:
            continue
        if not _claim(item, days_before):
            continue
        text = message(item, item.days_left(on))
        notifications.notify(item.organisation, "renewal.reminder", text, item.link)
        if item.subject == "ocop_certificate":
            departments = _departments() if departments is None else departments
            record = notifications.page("department.ocop_certificate", certificate_id=item.subject_id)
            for department in departments:
                notifications.notify(department, "renewal.reminder", f"{item.organisation.name}: {text}", record)
        sent += 1
    return sent
