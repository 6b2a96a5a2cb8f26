"""Saving uploads: the real type by content, size and pixel limits, metadata stripped, thumbnails,
membership, and files on disk that follow the transaction (nothing left behind on refusal)."""
import hashlib
import io
import os
import struct
import zlib
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from market.extensions import db
from market.models import (
    AuditEvent,
    Certificate,
    CertificateKind,
    Commune,
    Crop,
    GrowingZone,
    Organisation,
    ReviewStatus,
    Role,
    Upload,
    User,
)
from market.services import uploads
from market.services.errors import PermissionDenied, ValidationFailed
from tests.media.conftest import MINIMAL_PDF, english, file_storage, files_in, image_bytes, store


def noise_png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (120, 120), os.urandom(120 * 120 * 3)).save(out, format="PNG")
    return out.getvalue()


def attempt(app, user_id, org_id, data, filename, **kwargs):
    """Call the service without committing; returns the exception it raised (or fails)."""
    with english(app):
        user, org = db.session.get(User, user_id), db.session.get(Organisation, org_id)
        with pytest.raises((ValidationFailed, PermissionDenied)) as caught:
            uploads.save_upload(user, org, file_storage(data, filename), **kwargs)
        db.session.rollback()
        return caught.value


def upload_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Upload))


@pytest.fixture
def owner(factory):
    org = factory.org()
    return org, factory.member(org, Role.MEMBER)


# --- accepted --------------------------------------------------------------------------------------

def test_png_is_accepted_reencoded_and_thumbnailed(app, upload_dir, owner):
    org, user = owner
    row = store(app, user, org, image_bytes("PNG", size=(1000, 600)), "../../ảnh vườn hồi.png")

    assert row["kind"] == "image" and row["content_type"] == "image/png"
    assert row["organisation_id"] == org and row["uploaded_by_id"] == user
    assert row["stored_name"].endswith(".png") and "vuon" not in row["stored_name"]
    assert "/" not in row["original_name"] and ".." not in row["original_name"]
    assert row["original_name"].endswith(".png")
    assert files_in(upload_dir) == sorted([row["stored_name"], row["thumbnail_name"]])

    stored = (upload_dir / row["stored_name"]).read_bytes()
    assert row["size"] == len(stored) and row["sha256"] == hashlib.sha256(stored).hexdigest()
    with Image.open(upload_dir / row["stored_name"]) as photo:
        assert photo.format == "PNG" and photo.size == (1000, 600)
    with Image.open(upload_dir / row["thumbnail_name"]) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320 and thumb.size == (320, 192)

    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "upload.saved"))
        assert event.actor_id == user and event.organisation_id == org and event.object_id == str(row["id"])
        assert event.details["sha256"] == row["sha256"]


def test_jpeg_loses_its_exif_and_is_turned_upright(app, upload_dir, owner):
    exif = Image.Exif()
    exif[0x010F] = "Điện thoại bí mật"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    data = image_bytes("JPEG", size=(640, 480), exif=exif.tobytes(), comment=b"toa do vuon")
    row = store(app, *reversed(owner), data, "IMG_0001.JPG")

    assert row["content_type"] == "image/jpeg" and row["stored_name"].endswith(".jpg")
    stored = (upload_dir / row["stored_name"]).read_bytes()
    assert b"Exif" not in stored and "bí mật".encode() not in stored and b"toa do vuon" not in stored
    with Image.open(io.BytesIO(stored)) as photo:
        assert photo.size == (480, 640)  # upright: the orientation tag was applied, then dropped
        assert not photo.getexif()


def test_large_photo_is_scaled_down(app, upload_dir, owner):
    row = store(app, *reversed(owner), image_bytes("WEBP", size=(4000, 3000)), "vuon.webp")
    with Image.open(upload_dir / row["stored_name"]) as photo:
        assert photo.format == "WEBP" and photo.size == (uploads.MAX_IMAGE_SIDE, 1920)


def test_transparent_png_gets_a_white_thumbnail(app, upload_dir, owner):
    row = store(app, *reversed(owner), image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0)), "logo.png")
    with Image.open(upload_dir / row["stored_name"]) as photo:
        assert photo.mode == "RGBA"
    with Image.open(upload_dir / row["thumbnail_name"]) as thumb:
        assert thumb.mode == "RGB" and thumb.getpixel((5, 5)) == (255, 255, 255)


def test_pdf_is_accepted_as_is(app, upload_dir, owner):
    row = store(app, *reversed(owner), MINIMAL_PDF, "Giấy chứng nhận VietGAP.pdf", allowed=("pdf",))
    assert row["kind"] == "pdf" and row["content_type"] == "application/pdf"
    assert row["stored_name"].endswith(".pdf") and row["thumbnail_name"] is None
    assert (upload_dir / row["stored_name"]).read_bytes() == MINIMAL_PDF
    assert row["sha256"] == hashlib.sha256(MINIMAL_PDF).hexdigest() and row["size"] == len(MINIMAL_PDF)
    assert files_in(upload_dir) == [row["stored_name"]]


def test_a_file_without_an_extension_is_judged_by_its_content(app, upload_dir, owner):
    row = store(app, *reversed(owner), image_bytes("JPEG"), "photo")
    assert row["content_type"] == "image/jpeg" and row["stored_name"].endswith(".jpg")


def test_stored_names_are_random(app, upload_dir, owner):
    first = store(app, *reversed(owner), image_bytes(), "a.png")
    second = store(app, *reversed(owner), image_bytes(), "a.png")
    assert first["stored_name"] != second["stored_name"]
    assert len(first["stored_name"].split(".")[0]) == 32


# --- refused, and nothing written --------------------------------------------------------------------

REFUSALS = [
    pytest.param(b"Day la mot tep van ban, khong phai anh.\n" * 20, "anh-vuon.jpg", ("image", "pdf"),
                 "named like a photo", id="text-renamed-jpg"),
    pytest.param(MINIMAL_PDF, "anh-vuon.png", ("image",), "PDF", id="pdf-renamed-png-images-only"),
    pytest.param(MINIMAL_PDF, "anh-vuon.jpg", ("image", "pdf"), "PDF", id="pdf-renamed-jpg-even-when-pdf-allowed"),
    pytest.param(image_bytes("PNG"), "chung-nhan.pdf", ("pdf",), "named like a PDF", id="png-renamed-pdf"),
    pytest.param(image_bytes("PNG"), "anh.png", ("pdf",), "Only PDF", id="png-where-pdf-only"),
    pytest.param(MINIMAL_PDF, "chung-nhan.pdf", ("image",), "Only photos", id="pdf-where-images-only"),
    pytest.param(image_bytes("GIF"), "anh.gif", ("image", "pdf"), "JPEG, PNG or WebP", id="gif"),
    pytest.param(image_bytes("BMP"), "anh.jpg", ("image",), "named like a photo", id="bmp-renamed-jpg"),
    pytest.param(noise_png()[:2000], "anh.png", ("image",), "named like a photo",
                 id="truncated-png"),
    pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "anh.svg", ("image",),
                 "Only photos", id="svg"),
    pytest.param(b"", "anh.png", ("image",), "empty", id="empty"),
]


@pytest.mark.parametrize("data, filename, allowed, says", REFUSALS)
def test_refused_by_content(app, upload_dir, owner, data, filename, allowed, says):
    org, user = owner
    error = attempt(app, user, org, data, filename, allowed=allowed)
    assert isinstance(error, ValidationFailed) and list(error.errors) == ["file"]
    assert says in " ".join(error.errors["file"])
    assert files_in(upload_dir) == [] and upload_count(app) == 0


def test_no_file_chosen(app, upload_dir, owner):
    org, user = owner
    with english(app):
        with pytest.raises(ValidationFailed) as caught:
            uploads.save_upload(db.session.get(User, user), db.session.get(Organisation, org), None)
    assert "Choose a file" in caught.value.errors["file"][0]


def test_too_big_is_refused(app, upload_dir, owner, monkeypatch):
    data = image_bytes("PNG", size=(64, 64))
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", len(data) - 1)
    error = attempt(app, *reversed(owner), data, "anh.png")
    assert "too large" in error.errors["file"][0]
    assert files_in(upload_dir) == [] and upload_count(app) == 0
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", len(data))  # exactly the limit is fine
    store(app, *reversed(owner), data, "anh.png")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: a decompression bomb needs no more than its header."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused(app, upload_dir, owner):
    error = attempt(app, *reversed(owner), _png_header_only(30_000, 30_000), "bom.png")
    assert "too many pixels" in error.errors["file"][0]
    assert files_in(upload_dir) == []


def test_pixel_limit_is_configurable(app, upload_dir, owner, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_PIXELS", 100 * 100)
    error = attempt(app, *reversed(owner), image_bytes("PNG", size=(101, 100)), "anh.png")
    assert "too many pixels" in error.errors["file"][0]
    assert files_in(upload_dir) == []


def test_non_member_is_refused(app, upload_dir, factory):
    org = factory.org()
    outsider = factory.member(factory.org())
    error = attempt(app, outsider, org, image_bytes(), "anh.png")
    assert isinstance(error, PermissionDenied)
    assert files_in(upload_dir) == [] and upload_count(app) == 0


def test_department_staff_do_not_upload_for_others(app, upload_dir, factory):
    error = attempt(app, factory.department_staff(), factory.org(), MINIMAL_PDF, "x.pdf")
    assert isinstance(error, PermissionDenied)


# --- files follow the transaction --------------------------------------------------------------------

def test_files_are_removed_when_the_flush_fails(app, upload_dir, owner, monkeypatch):
    org, user = owner
    taken = store(app, user, org, image_bytes(), "first.png")
    (upload_dir / taken["stored_name"]).unlink()  # the name is taken in the database, not on disk
    (upload_dir / taken["thumbnail_name"]).unlink()
    stem = taken["stored_name"].split(".")[0]
    monkeypatch.setattr(uploads.secrets, "token_hex", lambda n: stem)
    with english(app):
        with pytest.raises(sa.exc.IntegrityError):
            uploads.save_upload(db.session.get(User, user), db.session.get(Organisation, org),
                                file_storage(image_bytes(), "second.png"))
        assert files_in(upload_dir) == []
        db.session.rollback()
    assert upload_count(app) == 1


def test_files_are_removed_when_the_transaction_rolls_back(app, upload_dir, owner):
    org, user = owner
    with english(app):
        uploads.save_upload(db.session.get(User, user), db.session.get(Organisation, org),
                            file_storage(image_bytes(), "anh.png"))
        assert len(files_in(upload_dir)) == 2
        db.session.rollback()
        assert files_in(upload_dir) == []


def test_files_are_removed_when_the_session_ends_without_commit(app, upload_dir, owner):
    org, user = owner
    with english(app):
        uploads.save_upload(db.session.get(User, user), db.session.get(Organisation, org),
                            file_storage(MINIMAL_PDF, "x.pdf"))
        assert len(files_in(upload_dir)) == 1
    assert files_in(upload_dir) == [] and upload_count(app) == 0


# --- deleting ----------------------------------------------------------------------------------------

def _delete(app, user_id, upload_id, *, commit=True):
    with english(app):
        uploads.delete_upload(db.session.get(User, user_id), db.session.get(Upload, upload_id))
        (db.session.commit if commit else db.session.rollback)()


def test_delete_removes_files_once_committed(app, upload_dir, owner):
    org, user = owner
    row = store(app, user, org, image_bytes(), "anh.png")
    _delete(app, user, row["id"], commit=False)
    assert len(files_in(upload_dir)) == 2 and upload_count(app) == 1  # rolled back: all kept
    _delete(app, user, row["id"])
    assert files_in(upload_dir) == [] and upload_count(app) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "upload.deleted"))


def test_delete_needs_membership(app, upload_dir, owner, factory):
    org, user = owner
    row = store(app, user, org, image_bytes(), "anh.png")
    with pytest.raises(PermissionDenied):
        _delete(app, factory.member(factory.org()), row["id"])
    assert len(files_in(upload_dir)) == 2


def _certificate_with_document(app, org_id, upload_id, status) -> int:
    with app.app_context():
        zone = GrowingZone(code=f"LS-VQ-HOI-{upload_id:04d}", organisation_id=org_id, area_ha=3,
                           commune_id=db.session.scalar(sa.select(Commune.id).limit(1)),
                           crop_id=db.session.scalar(sa.select(Crop.id).limit(1)))
        certificate = Certificate(zone=zone, kind=CertificateKind.VIETGAP, number="VG-1", issuer="TT",
                                  issued_on=date(2025, 1, 1), expires_on=None, status=status,
                                  document_id=upload_id)
        db.session.add(certificate)
        db.session.commit()
        return certificate.id


def test_document_of_a_pending_certificate_is_unlinked_on_delete(app, upload_dir, owner):
    org, user = owner
    row = store(app, user, org, MINIMAL_PDF, "vietgap.pdf")
    certificate_id = _certificate_with_document(app, org, row["id"], ReviewStatus.PENDING)
    _delete(app, user, row["id"])
    with app.app_context():
        assert db.session.get(Certificate, certificate_id).document_id is None
    assert files_in(upload_dir) == []


def test_document_of_a_verified_certificate_stays(app, upload_dir, owner):
    org, user = owner
    row = store(app, user, org, MINIMAL_PDF, "vietgap.pdf")
    _certificate_with_document(app, org, row["id"], ReviewStatus.VERIFIED)
    with pytest.raises(ValidationFailed):
        _delete(app, user, row["id"])
    assert files_in(upload_dir) == [row["stored_name"]] and upload_count(app) == 1
