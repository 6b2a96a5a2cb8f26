"""Validity from dates (market/models/catalog.py): certificates, zone states, listings' trust signals."""
from datetime import timedelta

import pytest

from market.clock import today
from market.extensions import db
from market.models import Certificate, CertificateKind, GrowingZone, ReviewStatus, SupplyListing
from market.services import zones

ISSUED = today() - timedelta(days=200)
EXPIRES = today() + timedelta(days=30)


@pytest.fixture
def org(factory):
    return factory.org()


@pytest.fixture
def zone_id(cat, org):
    return cat.zone(org, code="LS-VQ-HOI-0100")


def test_verified_certificate_is_valid_from_issue_day_through_expiry_day(ctx, cat, zone_id):
    cert = db.session.get(Certificate, cat.certificate(zone_id, issued_on=ISSUED, expires_on=EXPIRES))
    assert not cert.is_valid(ISSUED - timedelta(days=1))
    assert cert.state(ISSUED - timedelta(days=1)) == "not_yet_valid"
    assert cert.is_valid(ISSUED)
    assert cert.is_valid(ISSUED + timedelta(days=50))
    assert cert.is_valid(EXPIRES)  # the expiry day itself still counts
    assert cert.state(EXPIRES) == ReviewStatus.VERIFIED
    assert not cert.is_valid(EXPIRES + timedelta(days=1))
    assert cert.state(EXPIRES + timedelta(days=1)) == "expired"


@pytest.mark.parametrize("status", [ReviewStatus.PENDING, ReviewStatus.REJECTED, ReviewStatus.RECALLED])
def test_unverified_certificates_are_never_valid(ctx, cat, zone_id, status):
    cert = db.session.get(Certificate, cat.certificate(zone_id, issued_on=ISSUED, expires_on=EXPIRES, status=status))
    for on in (ISSUED, ISSUED + timedelta(days=10), EXPIRES):
        assert cert.in_date(on)
        assert not cert.is_valid(on)
    assert cert.state(ISSUED) == status


def test_geographical_indication_without_expiry_stays_valid(ctx, cat, zone_id):
    cert = db.session.get(Certificate, cat.certificate(zone_id, kind=CertificateKind.GEOGRAPHICAL_INDICATION,
                                                       issued_on=ISSUED, expires_on=None))
    assert cert.expires_on is None
    assert not cert.is_valid(ISSUED - timedelta(days=1))
    assert cert.is_valid(ISSUED)
    assert cert.is_valid(today() + timedelta(days=365 * 30))


def test_zone_with_only_expired_code_certificates_is_expired(ctx, cat, zone_id):
    cat.certificate(zone_id, kind=CertificateKind.PLANTING_AREA_CODE, issued_on=today() - timedelta(days=800),
                    expires_on=today() - timedelta(days=1))
    cat.certificate(zone_id, kind=CertificateKind.FOREST_CODE, issued_on=today() - timedelta(days=900),
                    expires_on=today() - timedelta(days=100))
    # A valid certificate of another kind does not prove the code.
    cat.certificate(zone_id, kind=CertificateKind.VIETGAP, expires_on=today() + timedelta(days=300))
    zone = db.session.get(GrowingZone, zone_id)
    assert zone.status == ReviewStatus.VERIFIED
    assert zone.state(today()) == "expired"
    # The day before the last code certificate expired, it was still verified.
    assert zone.state(today() - timedelta(days=1)) == ReviewStatus.VERIFIED


def test_zone_with_one_valid_code_certificate_is_verified(ctx, cat, zone_id):
    cat.certificate(zone_id, issued_on=today() - timedelta(days=800), expires_on=today() - timedelta(days=1))
    cat.certificate(zone_id, issued_on=today() - timedelta(days=10), expires_on=today() + timedelta(days=700))
    assert db.session.get(GrowingZone, zone_id).state(today()) == ReviewStatus.VERIFIED


def test_unreviewed_zone_state_is_its_status_whatever_its_certificates(ctx, cat, org):
    pending = cat.zone(org, status=ReviewStatus.PENDING)
    cat.certificate(pending, expires_on=today() - timedelta(days=3))
    recalled = cat.zone(org, status=ReviewStatus.RECALLED)
    cat.certificate(recalled, expires_on=today() + timedelta(days=300))
    assert db.session.get(GrowingZone, pending).state(today()) == ReviewStatus.PENDING
    assert db.session.get(GrowingZone, recalled).state(today()) == ReviewStatus.RECALLED


def test_listing_valid_certificates_and_trust_warnings(ctx, cat, org):
    good = cat.zone(org, code="LS-VQ-HOI-0201")
    good_code = cat.certificate(good, number="MSVT-GOOD")
    good_vietgap = cat.certificate(good, kind=CertificateKind.VIETGAP, number="VG-GOOD")
    cat.certificate(good, kind=CertificateKind.ORGANIC, number="HC-PENDING", status=ReviewStatus.PENDING)
    cat.certificate(good, kind=CertificateKind.ORGANIC, number="HC-OLD", expires_on=today() - timedelta(days=1))
    expired = cat.zone(org, code="LS-VQ-HOI-0202")
    cat.certificate(expired, number="MSVT-OLD", expires_on=today() - timedelta(days=2))
    pending = cat.zone(org, code="LS-VQ-HOI-0203", status=ReviewStatus.PENDING)
    listing_id = cat.listing(org, [good, expired, pending])

    listing = db.session.get(SupplyListing, listing_id)
    valid = listing.valid_certificates(today())
    assert sorted(c.id for c in valid) == sorted([good_code, good_vietgap])
    assert sorted(listing.trust_warnings(today())) == ["LS-VQ-HOI-0202: expired", "LS-VQ-HOI-0203: pending"]


def test_listing_of_verified_zones_has_no_warning(ctx, cat, org):
    zone = cat.zone(org)
    cat.certificate(zone)
    listing = db.session.get(SupplyListing, cat.listing(org, [zone]))
    assert listing.trust_warnings(today()) == []
    assert len(listing.valid_certificates(today())) == 1


def test_expiring_certificates_window(ctx, cat, org, factory):
    zone = cat.zone(org)
    soon = cat.certificate(zone, expires_on=today() + timedelta(days=60))
    today_ = cat.certificate(zone, expires_on=today())
    cat.certificate(zone, expires_on=today() + timedelta(days=61))
    cat.certificate(zone, expires_on=today() - timedelta(days=1))
    cat.certificate(zone, expires_on=today() + timedelta(days=5), status=ReviewStatus.PENDING)
    other = cat.zone(factory.org())
    elsewhere = cat.certificate(other, expires_on=today() + timedelta(days=10))
    from market.models import Organisation
    mine = zones.expiring_certificates(db.session.get(Organisation, org))
    assert [c.id for c in mine] == [today_, soon]
    assert {c.id for c in zones.expiring_certificates()} == {today_, soon, elsewhere}
