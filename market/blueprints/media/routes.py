"""Uploaded files, served by id: the path on disk is always the stored (random) name, never taken from
the address. Photos are public; certificate documents (PDFs, or scans uploaded as images) only to the
owning organisation's members and department staff. Anything else is a 404, never a 403: the
response does not confirm that a private document exists."""
from flask import Blueprint, abort, send_from_directory
from flask_login import current_user

from market import access
from market.extensions import db
from market.models import Upload
from market.security import UPLOAD_POLICY
from market.services import uploads

bp = Blueprint("media", __name__)

PHOTO_MAX_AGE = 30 * 24 * 3600  # a stored name is random and never reused: its content never changes
THUMBNAIL_MAX_AGE = 24 * 3600  # addressed by id only


def _send(upload: Upload, stored_name: str, content_type: str, *, max_age: int, download_name: str | None = None):
    """Images (always re-encoded by the upload) are shown inline; anything else (PDF documents) downloads as an
    attachment under its uploaded name, never opened in the site's origin. Both under a sandboxing policy."""
    public = uploads.is_public(upload)
    attachment = upload.kind != uploads.IMAGE
    response = send_from_directory(uploads.upload_folder(), stored_name, mimetype=content_type,
                                   download_name=download_name if attachment else None, as_attachment=attachment,
                                   max_age=max_age if public else None, conditional=True, etag=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = UPLOAD_POLICY
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    else:
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.add("Cookie")
    return response


def _visible(upload_id: int) -> Upload:
    upload = db.session.get(Upload, upload_id)
    if upload is None or not uploads.may_view(current_user, upload):
        abort(404)
    return upload


@bp.get("/<int:upload_id>/thumb")
@access.rule(access.visible("upload"))
def thumbnail(upload_id: int):
    upload = _visible(upload_id)
    if upload.kind != uploads.IMAGE or not upload.thumbnail_name:
        abort(404)
    return _send(upload, upload.thumbnail_name, uploads.THUMBNAIL_TYPE, max_age=THUMBNAIL_MAX_AGE)


@bp.get("/<int:upload_id>/<name>")
@access.rule(access.visible("upload"))
def file(upload_id: int, name: str):
    """`name` is the stored name, or the original name for a readable link; either way it only has to
    match the record, and the file sent is the stored one."""
    upload = _visible(upload_id)
    if name not in (upload.stored_name, upload.original_name):
        abort(404)
    return _send(upload, upload.stored_name, upload.content_type, max_age=PHOTO_MAX_AGE,
                 download_name=upload.original_name)
