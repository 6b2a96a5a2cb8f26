"""OCOP certificates as department records: declaring, conflicts between producers, verifying, rejecting,
recalling, and material edits of verified products waiting as revisions."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    Notification,
    OcopCertificate,
    OcopProduct,
    Organisation,
    ReviewStatus,
    Revision,
    RevisionStatus,
    User,
    VerifiedAgainst,
)
from market.services import ocop, products, recalls, revisions
from market.services.errors import ValidationFailed
from tests.factories import count, product_data


def get(model, ident):
    return db.session.get(model, ident)


@pytest.fixture
def producers(factory):
    a, b = factory.org(name="HTX Hồi Văn Quan"), factory.org(name="HTX Quế Tràng Định")
    return {"a": a, "a_owner": factory.member(a), "b": b, "b_owner": factory.member(b),
            "staff": factory.department_staff()}


def declare(owner, org, **overrides):
    product = products.create_product(get(User, owner), get(Organisation, org), product_data(**overrides))
    db.session.commit()
    return product


@pytest.mark.both_engines
def test_a_new_product_declares_a_pending_certificate_and_is_not_verified(req, producers):
    product = declare(producers["a_owner"], producers["a"], certificate_number=" 12/qđ-ubnd ")
    certificate = product.ocop_certificate
    assert (certificate.number, certificate.status, certificate.organisation_id) == (
        "12/QĐ-UBND", ReviewStatus.PENDING, producers["a"])
    assert ocop.verified_certificate(product) is None and ocop.verified_stars(product) is None
    assert ocop.standing(product)["state"] == "declared"


@pytest.mark.both_engines
def test_the_same_number_cannot_back_products_of_two_producers(req, producers):
    declare(producers["a_owner"], producers["a"], certificate_number="12/QĐ-UBND")
    before = count(OcopProduct), count(OcopCertificate)
    with pytest.raises(ValidationFailed) as caught:
        declare(producers["b_owner"], producers["b"], certificate_number="12 / qđ-UBND", name="Quế thanh")
    db.session.rollback()
    message = caught.value.errors["certificate_number"][0]
    assert "HTX Hồi Văn Quan" in message and "12/QĐ-UBND" in message
    assert (count(OcopProduct), count(OcopCertificate)) == before


@pytest.mark.both_engines
def test_the_same_producer_may_rest_two_products_on_one_certificate(req, producers):
    first = declare(producers["a_owner"], producers["a"], certificate_number="12/QĐ-UBND")
    second = declare(producers["a_owner"], producers["a"], certificate_number="12/QĐ-UBND", name="Hồi túi 1 kg")
    assert first.ocop_certificate_id == second.ocop_certificate_id
    assert count(OcopCertificate) == 1


def test_verifying_records_who_when_and_against_what(req, producers):
    product = declare(producers["a_owner"], producers["a"], stars="5")
    staff = get(User, producers["staff"])
    ocop.verify(staff, product.ocop_certificate)
    db.session.commit()
    certificate = product.ocop_certificate
    assert (certificate.status, certificate.verified_against, certificate.verified_by_id) == (
        ReviewStatus.VERIFIED, VerifiedAgainst.DOCUMENT, staff.id)
    assert ocop.verified_certificate(product) is certificate and ocop.verified_stars(product) == 5
    standing = ocop.standing(product)
    assert standing["state"] == "verified" and standing["against"] == "document" and standing["verified_at"]
    assert standing["verified_by"].startswith("Sở Nông nghiệp")
    # The producer is told.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("notification"))) == 1


def test_only_department_staff_verify(req, producers):
    product = declare(producers["a_owner"], producers["a"])
    with pytest.raises(Exception) as caught:
        ocop.verify(get(User, producers["a_owner"]), product.ocop_certificate)
    assert type(caught.value).__name__ == "PermissionDenied"


def test_rejecting_needs_a_reason_and_a_new_declaration_asks_again(req, producers):
    product = declare(producers["a_owner"], producers["a"])
    staff = get(User, producers["staff"])
    with pytest.raises(ValidationFailed):
        ocop.reject(staff, product.ocop_certificate, "no")
    ocop.reject(staff, product.ocop_certificate, "Giấy chứng nhận không khớp tên sản phẩm")
    db.session.commit()
    assert ocop.standing(product)["state"] == "rejected"
    products.update_product(get(User, producers["a_owner"]), product, product_data(name="Tên đã sửa"))
    db.session.commit()
    assert product.ocop_certificate.status == ReviewStatus.PENDING


def test_a_verified_certificate_expires_on_its_own_dates(req, factory, producers):
    product_id = factory.product(producers["a"], expires_on=today() - timedelta(days=1),
                                 issued_on=today() - timedelta(days=900))
    product = get(OcopProduct, product_id)
    assert ocop.verified_certificate(product) is None
    assert ocop.verified_certificate(product, today() - timedelta(days=1)) is not None
    assert ocop.standing(product)["state"] == "expired"


def test_recall_and_lift_keep_the_verification_record(req, factory, producers):
    product = get(OcopProduct, factory.product(producers["a"]))
    certificate = product.ocop_certificate
    staff = get(User, producers["staff"])
    verified_at = certificate.verified_at
    recalls.recall(staff, certificate, "Sai thông tin trên nhãn")
    db.session.commit()
    assert ocop.verified_certificate(product) is None
    standing = ocop.standing(product)
    assert (standing["state"], standing["reason"]) == ("recalled", "Sai thông tin trên nhãn")
    with pytest.raises(ValidationFailed):
        recalls.recall(staff, certificate, "Lần nữa thì sao")  # already recalled
    db.session.rollback()
    recalls.lift(staff, certificate, "Đã kiểm tra lại hồ sơ, đúng")
    db.session.commit()
    assert ocop.verified_certificate(product) is certificate and certificate.verified_at == verified_at
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"ocop.recalled", "ocop.recall_lifted"} <= actions


# --- material edits of a verified product ---------------------------------------------------------------

def verified_product(factory, producers, **kwargs) -> OcopProduct:
    return get(OcopProduct, factory.product(producers["a"], name="Tinh dầu hồi", stars=4, **kwargs))


def edit(producers, product, **changes):
    data = product_data(certificate_number=product.certificate_number, name=product.name, stars=str(product.stars),
                        certificate_issued_on=product.certificate_issued_on,
                        certificate_expires_on=product.certificate_expires_on)
    data.update(changes)
    products.update_product(get(User, producers["a_owner"]), product, data)
    db.session.commit()


@pytest.mark.both_engines
def test_a_material_edit_of_a_verified_product_waits_and_the_verified_version_counts(req, factory, producers):
    product = verified_product(factory, producers)
    edit(producers, product, name="Tinh dầu hồi thượng hạng", stars="5", price="250000")
    assert (product.name, product.stars, product.price) == ("Tinh dầu hồi", 4, 250_000)  # price is not material
    revision = products.pending_revision(product)
    assert revision.proposed == {"name": "Tinh dầu hồi thượng hạng", "stars": 5}
    assert revision.previous == {"name": "Tinh dầu hồi", "stars": 4}
    assert ocop.verified_stars(product) == 4
    # A second edit replaces the proposal; what it replaces is still the verified version.
    edit(producers, product, name="Tinh dầu hồi loại 1")
    assert count(Revision) == 1 and products.pending_revision(product).proposed == {"name": "Tinh dầu hồi loại 1"}
    assert products.pending_revision(product).previous["name"] == "Tinh dầu hồi"


def test_accepting_a_revision_applies_it_to_the_product_and_its_certificate(req, factory, producers):
    product = verified_product(factory, producers)
    edit(producers, product, stars="5")
    revisions.accept(get(User, producers["staff"]), products.pending_revision(product))
    db.session.commit()
    assert product.stars == 5 and product.ocop_certificate.stars == 5 and ocop.verified_stars(product) == 5
    assert products.pending_revision(product) is None
    told = db.session.scalars(sa.select(Notification.organisation_id).where(Notification.kind == "revision.decided"))
    assert list(told) == [producers["a"]]


def test_rejecting_a_revision_keeps_the_verified_version(req, factory, producers):
    product = verified_product(factory, producers)
    edit(producers, product, name="Tên mới")
    revision = products.pending_revision(product)
    with pytest.raises(ValidationFailed):
        revisions.reject(get(User, producers["staff"]), revision, "")
    revisions.reject(get(User, producers["staff"]), revision, "Tên mới không có trong quyết định công nhận")
    db.session.commit()
    assert product.name == "Tinh dầu hồi" and revision.status == RevisionStatus.REJECTED
    with pytest.raises(ValidationFailed):
        revisions.accept(get(User, producers["staff"]), revision)


def test_putting_the_verified_values_back_withdraws_the_revision(req, factory, producers):
    product = verified_product(factory, producers)
    edit(producers, product, name="Tên mới")
    edit(producers, product, name="Tinh dầu hồi")
    assert products.pending_revision(product) is None


def test_a_declared_product_changes_at_once(req, producers):
    product = declare(producers["a_owner"], producers["a"])
    edit(producers, product, name="Tên mới", stars="5")
    assert (product.name, product.stars) == ("Tên mới", 5) and count(Revision) == 0
    assert product.ocop_certificate.stars == 5  # the declaration follows
