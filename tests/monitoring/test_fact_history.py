"""The fact history's flush hook (market/models/history.py): every change of a tracked field of a stored row is
recorded with its values before and after, even when the row was expired by a commit and the field is set
without being read first, and nothing is recorded for untracked fields or new rows."""
from datetime import date

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import FactChange, GrowingZone, OcopCertificate, ReviewStatus
from market.models.history import takes_effect

pytestmark = pytest.mark.both_engines


def _changes(subject):
    return [(c.subject_id, c.before, c.after, c.effective_on) for c in db.session.scalars(
        sa.select(FactChange).where(FactChange.subject == subject).order_by(FactChange.id))]


def test_a_field_set_without_being_read_after_a_commit_is_recorded(world):
    z = world.zone(world.org(), 30)
    with world.context():
        zone = db.session.get(GrowingZone, z)
        db.session.commit()  # every attribute expired
        zone.area_ha = 12.5  # set without reading it first
        zone.name = "Đồi mới"  # not tracked
        db.session.commit()
        assert _changes("growing_zone") == [(z, {"area_ha": 30.0}, {"area_ha": 12.5}, today())]


def test_a_service_may_say_when_a_change_took_effect(world):
    p = world.product(world.org(), 4)
    with world.context():
        from market.models import OcopProduct

        cert = db.session.get(OcopProduct, p).ocop_certificate
        cert.status = ReviewStatus.RECALLED
        takes_effect(cert, date(2026, 5, 1))
        db.session.commit()
        assert _changes("ocop_certificate") == [(cert.id, {"status": "verified"}, {"status": "recalled"},
                                                 date(2026, 5, 1))]
        assert db.session.get(OcopCertificate, cert.id).status == ReviewStatus.RECALLED


def test_new_rows_and_unchanged_values_record_nothing(world):
    z = world.zone(world.org(), 30)
    with world.context():
        zone = db.session.get(GrowingZone, z)
        zone.area_ha = 30.0
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FactChange)) == 0
