"""Uploaded files: photos (re-encoded without metadata, with a thumbnail) and PDF certificate documents.

The type is judged by the content, never by the name: images must open and verify with Pillow as
JPEG, PNG or WebP; PDFs must start with %PDF-. A file whose name claims one kind (a .jpg) but whose
content is another (a PDF, or text) is refused. Files are stored under UPLOAD_FOLDER with a random
name; the user's file name is kept for display only. A file is written only after every check
passes, and removed again if the transaction that records it does not commit.
"""
import hashlib
import io
import secrets
import warnings
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps
from werkzeug.utils import secure_filename

from market.extensions import db
from market.models import Certificate, Organisation, ReviewStatus, Upload, User, message_upload
from market.services import audit
from market.services.errors import ValidationFailed
from market.services.organisations import require_role

IMAGE, PDF = "image", "pdf"
KINDS = (IMAGE, PDF)
# Pillow format -> (content type, extension of the stored file).
IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
PDF_TYPE = ("application/pdf", ".pdf")
THUMBNAIL_TYPE = "image/jpeg"
# What a file name claims, by its extension; names without one of these claim nothing.
CLAIMED_BY_EXTENSION = {".jpg": IMAGE, ".jpeg": IMAGE, ".jpe": IMAGE, ".jfif": IMAGE, ".png": IMAGE,
                        ".webp": IMAGE, ".pdf": PDF}

DEFAULT_MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: more than a phone camera, far below a bomb
MAX_IMAGE_SIDE = 2560  # stored photos are scaled down to this: pages stay light on slow networks
THUMBNAIL_SIDE = 320
PHOTO_QUALITY = 85
THUMBNAIL_QUALITY = 75

_NEW_FILES = "market.uploads.new_files"  # written in the current transaction: removed on rollback
_DOOMED_FILES = "market.uploads.doomed_files"  # of deleted uploads: removed once the deletion commits


def upload_folder() -> Path:
    """UPLOAD_FOLDER as an absolute path (a relative setting is taken inside the instance folder)."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    if not folder.is_absolute():
        folder = Path(current_app.instance_path) / folder
    return folder


def is_certificate_document(upload: Upload) -> bool:
    return db.session.scalar(sa.select(Certificate.id).where(Certificate.document_id == upload.id).limit(1)) is not None


def is_message_attachment(upload: Upload) -> bool:
    return db.session.scalar(sa.select(message_upload.c.message_id).where(
        message_upload.c.upload_id == upload.id).limit(1)) is not None


def is_public(upload: Upload) -> bool:
    """Photos are public. Certificate documents are not, whether PDFs or scans uploaded as images, nor files
    attached to a conversation (served by the conversations blueprint to the thread's readers)."""
    return upload.kind == IMAGE and not is_certificate_document(upload) and not is_message_attachment(upload)


def may_view(viewer: User | None, upload: Upload) -> bool:
    """Public files to everyone; the rest only to the owning organisation's members and department staff."""
    if is_public(upload):
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.membership_in(upload.organisation_id) is not None or viewer.is_department_staff


# --- saving ------------------------------------------------------------------------------------------

def _allowed_message(allowed: tuple[str, ...]) -> str:
    if IMAGE in allowed and PDF in allowed:
        return _("Upload a photo (JPEG, PNG or WebP) or a PDF document.")
    if IMAGE in allowed:
        return _("Only photos in JPEG, PNG or WebP format can be uploaded here.")
    return _("Only PDF documents can be uploaded here.")


def _read_limited(file_storage, limit: int) -> bytes:
    stream = getattr(file_storage, "stream", file_storage)
    if getattr(stream, "seekable", lambda: False)():
        stream.seek(0)  # a form validator may have read it already
    return stream.read(limit + 1)


def _claimed_kind(filename: str) -> str | None:
    return CLAIMED_BY_EXTENSION.get(Path(filename.lower()).suffix)


def _refuse_mismatch(claimed: str | None, actual: str | None, allowed: tuple[str, ...]) -> None:
    """Refuse a file whose name says one kind and whose content is another (or nothing we accept)."""
    if claimed == IMAGE and actual != IMAGE:
        what = _("a PDF document") if actual == PDF else _("not a photo in a format we accept")
        raise ValidationFailed({"file": _(
            "The file is named like a photo but its content is %(what)s. Check that you chose the right file. "
            "%(allowed)s", what=what, allowed=_allowed_message(allowed))})
    if claimed == PDF and actual != PDF:
        raise ValidationFailed({"file": _(
            "The file is named like a PDF but its content is not a PDF document. Check that you chose the "
            "right file. %(allowed)s", allowed=_allowed_message(allowed))})


def _max_pixels() -> int:
    return int(current_app.config.get("MAX_IMAGE_PIXELS") or DEFAULT_MAX_IMAGE_PIXELS)


def _too_many_pixels() -> ValidationFailed:
    return ValidationFailed({"file": _(
        "This image has too many pixels (more than %(limit)s megapixels). Make it smaller and upload it again.",
        limit=_max_pixels() // 1_000_000)})


def _open_image(data: bytes) -> Image.Image | None:
    """The decoded image, or None when the content is not a sound JPEG, PNG or WebP image.
    Pillow's own bomb check runs with its warning promoted to an error, and our tighter limit first."""
    formats = tuple(IMAGE_FORMATS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=formats) as probe:
                if probe.width * probe.height > _max_pixels():
                    raise _too_many_pixels()
                probe.verify()  # checks the structure (and PNG checksums) without decoding the pixels
            image = Image.open(io.BytesIO(data), formats=formats)
            try:
                image.load()
            except BaseException:
                image.close()
                raise
            return image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except ValidationFailed:
            raise
        except Exception:  # noqa: BLE001 - untrusted bytes: any decoder failure means "not an image"
            return None


def _clean_copy(image: Image.Image) -> Image.Image:
    """Upright, scaled down, in RGB(A), and with every piece of metadata (EXIF, XMP, comments) dropped."""
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    clean = upright.convert("RGBA" if has_alpha and image.format != "JPEG" else "RGB")
    if max(clean.size) > MAX_IMAGE_SIDE:
        clean.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    clean.info = {}
    return clean


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _photo_bytes(clean: Image.Image, fmt: str) -> bytes:
    if fmt == "JPEG":
        return _encode(clean, "JPEG", quality=PHOTO_QUALITY, optimize=True, progressive=True)
    if fmt == "WEBP":
        return _encode(clean, "WEBP", quality=PHOTO_QUALITY, method=4)
    return _encode(clean, "PNG", optimize=True)


def _thumbnail_bytes(clean: Image.Image) -> bytes:
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if thumb.mode == "RGBA":  # JPEG has no transparency: lay it on white
        background = Image.new("RGB", thumb.size, (255, 255, 255))
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    return _encode(thumb, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)


def _display_name(filename: str, extension: str) -> str:
    name = secure_filename(filename or "")[:200]
    return name or f"file{extension}"


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    with open(path, "xb") as fh:  # "x": never overwrite an existing file
        fh.write(data)
    db.session.info.setdefault(_NEW_FILES, []).append(str(path))
    return path


def _remove(paths) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:  # pragma: no cover - a file we cannot remove is logged, not fatal
            current_app.logger.warning("could not remove upload file %s", path)


def save_upload(actor: User, org: Organisation, file_storage, *, allowed=(IMAGE, PDF)) -> Upload:
    """Check and store an uploaded file for `org`; returns the flushed Upload (the caller commits).
    Raises PermissionDenied for non-members and ValidationFailed({"file": ...}) for a refused file."""
    require_role(actor, org)
    allowed = tuple(k for k in allowed if k in KINDS)
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise ValidationFailed({"file": _("Choose a file to upload.")})
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    data = _read_limited(file_storage, limit)
    if len(data) > limit:
        raise ValidationFailed({"file": _("The file is too large: the limit is %(size)s.",
                                          size=_human_size(limit))})
    if not data:
        raise ValidationFailed({"file": _("The file is empty.")})

    filename = file_storage.filename
    is_pdf = data.startswith(b"%PDF-")
    image = None if is_pdf else _open_image(data)
    actual = PDF if is_pdf else IMAGE if image is not None else None
    try:
        _refuse_mismatch(_claimed_kind(filename), actual, allowed)
        if actual is None or actual not in allowed:
            raise ValidationFailed({"file": _allowed_message(allowed)})
        thumbnail = None
        if actual == IMAGE:
            content_type, extension = IMAGE_FORMATS[image.format]
            try:
                clean = _clean_copy(image)
                stored, thumbnail = _photo_bytes(clean, image.format), _thumbnail_bytes(clean)
            except (OSError, ValueError):  # decoded, but cannot be re-encoded: refuse rather than fail
                raise ValidationFailed({"file": _allowed_message(allowed)}) from None
        else:
            content_type, extension = PDF_TYPE
            stored = data
    finally:
        if image is not None:
            image.close()

    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stem = secrets.token_hex(16)
    written = [_write_new(folder, stem + extension, stored)]
    upload = Upload(
        organisation=org,
        uploaded_by_id=actor.id,
        kind=actual,
        content_type=content_type,
        original_name=_display_name(filename, extension),
        stored_name=stem + extension,
        size=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
    )
    try:
        if thumbnail is not None:
            upload.thumbnail_name = f"{stem}-thumb.jpg"
            written.append(_write_new(folder, upload.thumbnail_name, thumbnail))
        db.session.add(upload)
        db.session.flush()
    except BaseException:
        _remove(written)
        raise
    audit.record("upload.saved", actor, organisation=org, obj=upload, kind=upload.kind,
                 name=upload.original_name, size=upload.size, sha256=upload.sha256)
    return upload


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} B"


# --- deleting ----------------------------------------------------------------------------------------

def delete_upload(actor: User, upload: Upload) -> None:
    """A member removes a file. Its files on disk go once the deletion commits. The document of a
    certificate the department verified (or recalled) stays: it is the evidence of that review."""
    require_role(actor, upload.organisation)
    reviewed = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.document_id == upload.id,
        Certificate.status.in_((ReviewStatus.VERIFIED, ReviewStatus.RECALLED))))
    if reviewed:
        raise ValidationFailed({"file": _(
            "This document belongs to a certificate the department has reviewed; it cannot be deleted.")})
    db.session.execute(sa.update(Certificate).where(Certificate.document_id == upload.id)
                       .values(document_id=None).execution_options(synchronize_session="fetch"))
    folder = upload_folder()
    doomed = db.session.info.setdefault(_DOOMED_FILES, [])
    doomed.extend(str(folder / name) for name in (upload.stored_name, upload.thumbnail_name) if name)
    audit.record("upload.deleted", actor, organisation=upload.organisation, obj=upload,
                 kind=upload.kind, name=upload.original_name, sha256=upload.sha256)
    db.session.delete(upload)
    db.session.flush()


# --- files follow the transaction --------------------------------------------------------------------

@sa.event.listens_for(db.session, "after_commit")
def _after_commit(session) -> None:
    session.info.pop(_NEW_FILES, None)  # committed: keep them
    _remove(session.info.pop(_DOOMED_FILES, []))


@sa.event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint; the outer transaction decides
        return
    # Still listed at the end of the outermost transaction: it did not commit (rollback or close).
    _remove(session.info.pop(_NEW_FILES, []))
    session.info.pop(_DOOMED_FILES, None)
