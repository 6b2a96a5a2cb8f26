"""Importing the department's OCOP register: verified certificate records, row errors in Vietnamese for
unknown producers, bad stars, expired certificates and numbers held by another producer, all or nothing."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import Membership, OcopCertificate, OcopProduct, Organisation, ReviewStatus, User, VerifiedAgainst
from market.services import importer, ocop, products
from tests.conftest import csrf_token
from tests.factories import product_data
from tests.imports.conftest import ENTERPRISE, HOI, IMPORT_URL, MAC_CA, PRODUCT_HEADER, RETAILER, csv_bytes
from tests.imports.test_importer import product_row

# Numbers, dates, codes from files, matched and stored through SQL.
pytestmark = pytest.mark.both_engines

HEADER = ["so_quyet_dinh", "ma_so_thue", "ten_san_pham", "so_sao", "cap", "ngay_cap", "ngay_het_han"]


def row(number, *, tax=HOI, name="Tinh dầu hồi Văn Quan", stars="4 sao", level="", issued=None, expires=None):
    issued = issued or (today() - timedelta(days=100)).strftime("%d/%m/%Y")
    expires = expires or (today() + timedelta(days=900)).strftime("%d/%m/%Y")
    return [number, tax, name, stars, level, issued, expires]


def certificates() -> dict[str, OcopCertificate]:
    return {c.number: c for c in db.session.scalars(sa.select(OcopCertificate))}


def test_register_rows_become_verified_certificates_and_back_declared_products(req_en, orgs, staff):
    owner = User(email="chu@hoi.vn", full_name="Chủ HTX")
    db.session.add(owner)
    db.session.flush()
    db.session.add(Membership(user=owner, organisation_id=orgs[HOI], role="owner"))
    declared = products.create_product(owner, db.session.get(Organisation, orgs[HOI]),
                                       product_data(certificate_number="1501/qđ-ubnd"))
    db.session.commit()
    data = csv_bytes(HEADER, [row("1501/QĐ-UBND", stars="★★★★★", level="trung ương"),
                              row("1502/QĐ-UBND", tax=ENTERPRISE, name="Tinh dầu quế", level="tỉnh"),
                              row("1503/QĐ-UBND", tax=MAC_CA, name="Hạt mắc ca", stars="3")])
    preview = importer.preview_import("ocop", data, "so-ocop.csv")
    assert preview.bad == 0, [r.errors for r in preview.rows]
    assert preview.rows[0].notes == ["Updates the existing record; it becomes verified against the register."]
    counts = importer.commit_import(db.session.get(User, staff), "ocop", preview.table)
    db.session.commit()
    assert counts == {"rows": 3, "certificates": 3, "created": 2, "updated": 1, "claimed": 0}
    found = certificates()
    first = found["1501/QĐ-UBND"]
    assert (first.status, first.verified_against, first.stars, first.level, first.verified_by_id) == (
        ReviewStatus.VERIFIED, VerifiedAgainst.REGISTER, 5, "national", staff)
    assert found["1502/QĐ-UBND"].level == "province" and found["1503/QĐ-UBND"].organisation_id == orgs[MAC_CA]
    product = db.session.get(OcopProduct, declared.id)
    assert ocop.verified_stars(product) == 5  # the register's stars, not the 4 the producer declared


def test_bad_rows_are_refused_with_reasons_and_nothing_is_saved(req_en, orgs, staff, factory):
    other = factory.product(orgs[ENTERPRISE])  # verified record held by the enterprise
    taken = db.session.get(OcopProduct, other).ocop_certificate.number
    before = len(certificates())
    expired = (today() - timedelta(days=1)).strftime("%d/%m/%Y")
    data = csv_bytes(HEADER, [
        row("2001/QĐ-UBND"),
        row("2002/QĐ-UBND", tax="4999999999"),
        row("2003/QĐ-UBND", stars="6"),
        row("2004/QĐ-UBND", issued="01/01/2022", expires=expired),
        row("2001/QĐ-UBND", name="Trùng số"),
        row(taken),
        row("2005/QĐ-UBND", stars="5", level="tỉnh"),
        row("2006/QĐ-UBND", tax=RETAILER),
    ])
    preview = importer.preview_import("ocop", data, "so-ocop.csv")
    errors = {r.line: dict(r.errors) for r in preview.rows if r.errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9}
    assert "No organisation has the tax number" in errors[3]["tax_code"]
    assert errors[4]["stars"] == "OCOP products have 3, 4 or 5 stars."
    assert "expired on" in errors[5]["expires_on"]
    assert "row 2" in errors[6]["certificate_number"]
    assert "another producer" in errors[7]["certificate_number"]
    assert "national level" in errors[8]["level"]
    assert "not a producer" in errors[9]["tax_code"]
    with pytest.raises(importer.ImportRejected):
        importer.commit_import(db.session.get(User, staff), "ocop", preview.table)
    db.session.rollback()
    assert len(certificates()) == before


def test_row_errors_are_in_vietnamese(req, orgs):
    data = csv_bytes(HEADER, [row("3001/QĐ-UBND", stars="7"),
                              row("3002/QĐ-UBND", expires=(today() - timedelta(days=3)).strftime("%d/%m/%Y"),
                                  issued="01/01/2020")])
    preview = importer.preview_import("ocop", data, "so-ocop.csv")
    messages = [m for r in preview.rows for _k, m in r.errors]
    assert any("sao" in m for m in messages) and any("hết hạn" in m for m in messages)


def test_the_register_wins_over_another_producers_declaration(req_en, orgs, staff, factory):
    declared = factory.product(orgs[ENTERPRISE], ocop=ReviewStatus.PENDING)
    number = db.session.get(OcopProduct, declared).certificate_number
    preview = importer.preview_import("ocop", csv_bytes(HEADER, [row(number)]), "so-ocop.csv")
    assert preview.bad == 0 and "the register wins" in preview.rows[0].notes[0]
    counts = importer.commit_import(db.session.get(User, staff), "ocop", preview.table)
    db.session.commit()
    assert counts["claimed"] == 1
    product = db.session.get(OcopProduct, declared)
    assert product.ocop_certificate_id is None and ocop.standing(product)["state"] == "conflict"
    assert [(p.id, c.organisation_id) for p, c in ocop.conflicts()] == [(declared, orgs[HOI])]


def test_register_import_through_the_pages(staff_client, orgs):
    data = csv_bytes(HEADER, [row("4001/QĐ-UBND")])
    response = staff_client.post(IMPORT_URL, data={
        "csrf_token": _token(staff_client), "kind": "ocop", "file": (io.BytesIO(data), "so.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Save 1 OCOP certificates" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    done = staff_client.post("/department/import/confirm", data={"csrf_token": _token(staff_client), "token": token},
                             follow_redirects=True)
    assert "Imported 1 OCOP certificates" in done.get_data(as_text=True)
    with staff_client.application.app_context():
        assert db.session.scalar(sa.select(OcopCertificate.status).where(
            OcopCertificate.number == "4001/QĐ-UBND")) == ReviewStatus.VERIFIED


def _token(client) -> str:
    return csrf_token(client, IMPORT_URL)


def test_product_rows_sharing_a_certificate_must_agree_on_producer_stars_and_dates(req_en, orgs):
    data = csv_bytes(PRODUCT_HEADER, [
        product_row("Hoa hồi khô", number="77/QĐ-UBND"),
        product_row("Hoa hồi túi 1 kg", number="77/QĐ-UBND"),                 # same producer, same facts: fine
        product_row("Hoa hồi 5 sao", number="77/QĐ-UBND", stars="5"),         # other stars
        product_row("Quế thanh", number="77/qđ-ubnd", tax=ENTERPRISE),        # other producer
    ])
    preview = importer.preview_import("products", data, "p.csv")
    errors = {r.line: dict(r.errors).get("certificate_number", "") for r in preview.rows}
    assert errors[2] == errors[3] == ""
    assert "other stars or dates" in errors[4] and "another producer" in errors[5]
