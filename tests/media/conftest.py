"""In-memory files (a real PNG and JPEG made with Pillow, a minimal PDF), and a helper that
stores a file through the service and commits it."""
import io
from contextlib import contextmanager

from flask import session
from PIL import Image
from werkzeug.datastructures import FileStorage

from market.extensions import db
from market.models import Organisation, User
from market.services import uploads

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def image_bytes(fmt="PNG", size=(640, 480), color=(30, 120, 60), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    with Image.new(mode, size, color) as image:
        image.save(out, format=fmt, **save)
    return out.getvalue()


def file_storage(data: bytes, filename: str, content_type="application/octet-stream") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@contextmanager
def english(app):
    """A request context in English, so messages can be checked by their msgid."""
    with app.test_request_context():
        session["lang"] = "en"
        yield


def store(app, user_id: int, org_id: int, data: bytes, filename: str, **kwargs) -> dict:
    """Save through the service as `user_id` for `org_id`, commit, and return the row's columns."""
    with english(app):
        user, org = db.session.get(User, user_id), db.session.get(Organisation, org_id)
        upload = uploads.save_upload(user, org, file_storage(data, filename), **kwargs)
        db.session.commit()
        return {c.name: getattr(upload, c.name) for c in upload.__table__.columns}
