"""The full reindex builds its documents with set-based queries (market/search/bulk_documents.py); the outbox
builds them one object at a time (documents.build). Both must give exactly the same documents, on SQLite and
PostgreSQL, for a world with every case a document depends on."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    CertificateKind,
    ListingStatus,
    OcopProduct,
    OrgKind,
    OrgStatus,
    ProductStatus,
    ReviewStatus,
    SupplyListing,
    ZoneKind,
)
from market.search import bulk_documents, documents

pytestmark = pytest.mark.both_engines


def varied_world(factory):
    """Organisations verified, pending and authorities; zones in several communes with certificates valid,
    expired, not yet valid, pending, without expiry and on recalled zones; listings with no, one and several
    zones, drafts and closed; OCOP products with verified, pending, recalled, expired, another producer's and no
    certificate records; products without a crop, with zones, drafts and withdrawn."""
    on = today()
    coop = factory.org(name="HTX Hồi Văn Quan", commune="Văn Quan")
    other = factory.org(name="HTX Quế Bình Gia", commune="Bình Gia")
    pending = factory.org(name="HTX chưa duyệt", status=OrgStatus.PENDING, commune="Văn Quan")
    factory.org(kind=OrgKind.DEPARTMENT, name="Sở Nông nghiệp thử", commune="Lương Văn Tri")
    factory.org(kind=OrgKind.ENTERPRISE, name="Công ty Thu mua Tinh dầu", commune="Bình Gia")
    factory.org(kind=OrgKind.RETAIL_CHAIN, name="Chuỗi siêu thị Xứ Lạng", status=OrgStatus.REJECTED)

    z1 = factory.zone(coop, code="LS-VQ-HOI-0001", commune="Văn Quan")
    z2 = factory.zone(coop, code="LS-BG-HOI-0002", commune="Bình Gia")
    z3 = factory.zone(coop, code="LS-AA-HOI-0003", commune="Văn Quan", status=ReviewStatus.RECALLED)
    z4 = factory.zone(other, code="LS-BG-QUE-0004", crop="que", commune="Bình Gia", kind=ZoneKind.PLANTED_FOREST)
    z5 = factory.zone(other, code="LS-BG-QUE-0005", crop="que", commune="Bình Gia", status=ReviewStatus.PENDING)
    factory.certificate(z1)
    factory.certificate(z1, kind=CertificateKind.VIETGAP)
    factory.certificate(z1, kind=CertificateKind.ORGANIC, expires_on=on - timedelta(days=3),
                        issued_on=on - timedelta(days=400))
    factory.certificate(z2, kind=CertificateKind.PLANTING_AREA_CODE, expires_on=on - timedelta(days=1),
                        issued_on=on - timedelta(days=700))  # expired code: the zone is "expired"
    factory.certificate(z2, kind=CertificateKind.GEOGRAPHICAL_INDICATION, expires_on=None)
    factory.certificate(z2, kind=CertificateKind.GLOBALGAP, issued_on=on + timedelta(days=5))
    factory.certificate(z3, kind=CertificateKind.VIETGAP)
    factory.certificate(z4, kind=CertificateKind.FOREST_CODE)
    factory.certificate(z4, kind=CertificateKind.SFM, status=ReviewStatus.PENDING)
    factory.certificate(z5, kind=CertificateKind.VIETGAP, status=ReviewStatus.REJECTED)

    factory.listing(coop, [z1], title="Hoa hồi khô loại 1")
    factory.listing(coop, [z1, z2], title="Hồi cánh hai vùng", price=None)
    factory.listing(coop, [z2, z3], title="Hồi vùng thu hồi", status=ListingStatus.RESERVED)
    factory.listing(coop, [], title="Hồi không vùng", status=ListingStatus.SOLD_OUT)
    factory.listing(coop, [z1], title="Hồi nháp", status=ListingStatus.DRAFT)
    factory.listing(coop, [z1], title="Hồi đã đóng", status=ListingStatus.CLOSED)
    factory.listing(other, [z4, z5], crop="que", title="Vỏ quế rừng trồng")
    factory.listing(pending, [], title="Hồi của HTX chưa duyệt")

    factory.product(coop, [z1], name="Tinh dầu hồi Văn Quan", stars=5)
    factory.product(coop, name="Hồi sao túi 200g", stars=4, ocop=ReviewStatus.PENDING)
    factory.product(coop, name="Bột hồi thu hồi", stars=4, ocop=ReviewStatus.RECALLED)
    factory.product(coop, name="Hồi hết hạn", stars=3, issued_on=on - timedelta(days=900),
                    expires_on=on - timedelta(days=2))
    factory.product(other, [z4], name="Quế thanh Bình Gia", stars=3, ocop=None)
    factory.product(other, name="Trà quế nháp", status=ProductStatus.DRAFT)
    factory.product(pending, name="Sản phẩm HTX chưa duyệt")
    factory.product(other, name="Quế rút", status=ProductStatus.WITHDRAWN)
    with factory.app.app_context():
        # One product with a crop and a description; one whose certificate record is another producer's.
        crop = factory.crop_id("que")
        first, second = db.session.scalars(sa.select(OcopProduct).where(OcopProduct.organisation_id == other)
                                           .order_by(OcopProduct.id).limit(2)).all()
        first.crop_id, first.description = crop, "Quế thanh cuộn tay, thơm cay."
        stolen = db.session.scalars(sa.select(OcopProduct).where(OcopProduct.organisation_id == coop)
                                    .order_by(OcopProduct.id)).first()
        second.ocop_certificate = stolen.ocop_certificate
        listing = db.session.scalars(sa.select(SupplyListing).order_by(SupplyListing.id)).first()
        listing.description, listing.grade = "Hồi phơi nắng, tám cánh đều.", "Loại 1"
        db.session.commit()


def test_set_based_documents_equal_the_per_object_ones(app, factory):
    varied_world(factory)
    on = today()
    with app.app_context():
        keys = [k for batch in documents.all_keys(db.session) for k in batch]
        expected, removed = documents.build(db.session, keys, on)
        db.session.expunge_all()
        built = bulk_documents.build_all(db.session, on)
    by_key = {d["key"]: d for d in built}
    assert len(by_key) == len(built)
    assert sorted(by_key) == sorted(d["key"] for d in expected)
    for doc in expected:
        assert by_key[doc["key"]] == doc, doc["key"]
    # The world covers what it claims: hidden rows, expired and valid certificates, OCOP with and without stars.
    kinds = {d["kind"] for d in built}
    assert kinds == {"listing", "product", "organisation"}
    assert len(removed) >= 8
    assert any(d["cert"] for d in built if d["kind"] == "listing")
    assert any(d["kind"] == "listing" and not d["verified"] for d in built)
    assert {tuple(d["stars"]) for d in built if d["kind"] == "product"} >= {(5,), ()}
    assert any(len(d["commune"]) > 1 for d in built)


def test_set_based_documents_in_small_batches(app, factory):
    """Chunks cut through the id ranges still give every document once."""
    varied_world(factory)
    on = today()
    with app.app_context():
        whole = bulk_documents.build_all(db.session, on)
        batches = list(bulk_documents.batches(db.session, on, chunk=2))
    assert len(batches) > 3
    assert sorted(d["key"] for b in batches for d in b) == sorted(d["key"] for d in whole)
