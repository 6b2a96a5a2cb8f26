"""Serving uploads: by id and name, from the stored file only, with the right headers; photos public,
certificate documents (PDFs or scans) only for the owning organisation and department staff; no path
traversal."""
from datetime import date

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import Certificate, CertificateKind, Commune, Crop, GrowingZone, ReviewStatus, Role
from tests.conftest import log_in
from tests.media.conftest import MINIMAL_PDF, image_bytes, store


@pytest.fixture
def photo(app, upload_dir, factory):
    org = factory.org()
    return store(app, factory.member(org), org, image_bytes("PNG"), "vuon-hoi.png")


@pytest.fixture
def document(app, upload_dir, factory):
    org = factory.org()
    row = store(app, factory.member(org), org, MINIMAL_PDF, "Chứng nhận VietGAP.pdf", allowed=("pdf",))
    return row


def get(client, path: str):
    """Buffered: the file the response streams from is read and closed at once (no ResourceWarning)."""
    return client.get(path, buffered=True)


def url(row, name=None) -> str:
    return f"/media/{row['id']}/{name or row['stored_name']}"


def test_photo_is_public_with_safe_headers(client, photo, upload_dir):
    response = get(client, url(photo))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # A photo was re-encoded on upload: shown inline, still under the sandbox.
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert response.headers["Content-Security-Policy"].startswith("sandbox;")
    assert response.cache_control.public and response.cache_control.max_age >= 86400
    assert response.data == (upload_dir / photo["stored_name"]).read_bytes()


def test_thumbnail_is_public(client, photo):
    response = get(client, f"/media/{photo['id']}/thumb")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.cache_control.public
    assert response.data[:3] == b"\xff\xd8\xff"


def test_photo_needs_a_name_of_its_own(client, photo, upload_dir):
    assert get(client, url(photo, "vuon-hoi.png")).data == (upload_dir / photo["stored_name"]).read_bytes()
    assert get(client, url(photo, "khac.png")).status_code == 404
    assert get(client, url(photo, photo["stored_name"].replace(".png", ".jpg"))).status_code == 404
    assert get(client, f"/media/{photo['id'] + 1000}/{photo['stored_name']}").status_code == 404
    assert get(client, f"/media/{photo['id'] + 1000}/thumb").status_code == 404


def test_missing_file_on_disk_is_404(client, photo, upload_dir):
    (upload_dir / photo["stored_name"]).unlink()
    assert get(client, url(photo)).status_code == 404


def test_document_is_hidden_from_anonymous_visitors(client, document):
    assert get(client, url(document)).status_code == 404


def test_document_is_hidden_from_other_organisations(client, document, factory):
    log_in(client, factory.member(factory.org(), Role.OWNER))
    assert get(client, url(document)).status_code == 404


@pytest.mark.parametrize("role", [Role.OWNER, Role.MEMBER])
def test_document_is_given_to_members_as_an_attachment_in_a_sandbox(client, document, factory, role):
    """A PDF is not re-encoded: it downloads (never opens in the site's origin) and would run nothing if opened."""
    log_in(client, factory.member(document["organisation_id"], role))
    response = get(client, url(document))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == MINIMAL_PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "private" in response.headers["Cache-Control"] and not response.cache_control.public


def test_document_is_shown_to_department_staff(client, document, factory):
    log_in(client, factory.department_staff())
    response = get(client, url(document))
    assert response.status_code == 200 and response.data == MINIMAL_PDF


def test_document_link_by_its_original_name(client, document, factory):
    """The department's queue links documents by the name they were uploaded with."""
    log_in(client, factory.department_staff())
    response = get(client, url(document, document["original_name"]))
    assert response.status_code == 200 and response.data == MINIMAL_PDF
    assert document["original_name"] in response.headers["Content-Disposition"]


def _attach_to_certificate(app, row) -> None:
    with app.app_context():
        zone = GrowingZone(code=f"LS-VQ-HOI-{row['id']:04d}", organisation_id=row["organisation_id"], area_ha=3,
                           commune_id=db.session.scalar(sa.select(Commune.id).limit(1)),
                           crop_id=db.session.scalar(sa.select(Crop.id).limit(1)))
        db.session.add(Certificate(zone=zone, kind=CertificateKind.VIETGAP, number="VG-1", issuer="TT",
                                   issued_on=date(2025, 1, 1), expires_on=date(2028, 1, 1),
                                   status=ReviewStatus.PENDING, document_id=row["id"]))
        db.session.commit()


def test_certificate_scan_uploaded_as_an_image_is_private(app, client, photo, factory):
    _attach_to_certificate(app, photo)
    assert get(client, url(photo)).status_code == 404
    assert get(client, f"/media/{photo['id']}/thumb").status_code == 404
    log_in(client, factory.member(photo["organisation_id"], Role.MEMBER))
    response = get(client, url(photo))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert not response.cache_control.public and "private" in response.headers["Cache-Control"]
    assert get(client, f"/media/{photo['id']}/thumb").status_code == 200


def test_document_has_no_thumbnail(client, document, factory):
    log_in(client, factory.member(document["organisation_id"]))
    assert get(client, f"/media/{document['id']}/thumb").status_code == 404


@pytest.mark.parametrize("path", [
    "/media/{id}/../../secret_key",
    "/media/{id}/..%2F..%2Fsecret_key",
    "/media/{id}/%2e%2e%2fsecret_key",
    "/media/{id}/..",
    "/media/{id}/%2e%2e",
    "/media/{id}/..%5Csecret_key",
    "/media/{id}/thumb/../../secret_key",
    "/media/{id}/%2Fetc%2Fpasswd",
    "/media/../secret_key",
])
def test_path_traversal_is_404(client, photo, upload_dir, path):
    (upload_dir.parent / "secret_key").write_text("do-not-serve")
    response = get(client, path.format(id=photo["id"]))
    assert response.status_code == 404
    assert b"do-not-serve" not in response.data
