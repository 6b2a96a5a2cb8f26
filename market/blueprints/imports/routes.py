"""The department's bulk import of registers: upload, preview (nothing saved), confirm (all rows or none).

Between the preview and the confirmation the uploaded file waits in UPLOAD_FOLDER/imports/<token>.<ext>,
with <token>.json beside it (kind, file name, who uploaded it). The browser sends back only the random
token; the file is read and checked again on confirmation (<token>.json is renamed <token>.claimed while it
is being saved, so a double click saves nothing twice), and deleted once saved or cancelled. Files left
behind are swept after MAX_AGE seconds.

The preview is streamed: rows are checked CHUNK_SIZE at a time and the page shows a progress line after
each chunk (plain HTML, the earlier lines hidden by CSS), then the result. No JavaScript, no background job.
"""
import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    send_from_directory,
    stream_template,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from market import access
from market.blueprints import write
from market.blueprints.forms import attach_errors
from market.blueprints.imports.forms import KIND_LABELS, TOKEN_PATTERN, ConfirmForm, UploadForm
from market.config import PROJECT_DIR
from market.services import importer, organisations
from market.services.errors import ValidationFailed

bp = Blueprint("imports", __name__)

MAX_AGE = 24 * 3600  # seconds a checked file waits for its confirmation
SAMPLES_DIR = PROJECT_DIR / "docs" / "import-samples"
SAMPLES = {"zones": "zones.csv", "products": "ocop_products.csv", "ocop": "ocop_register.csv"}
BAD_ROWS_SHOWN = 1000
GOOD_ROWS_SHOWN = 100
_TOKEN = re.compile(TOKEN_PATTERN)


@bp.before_request
@login_required
def require_staff():
    organisations.require_department(current_user)


# --- the stored file ------------------------------------------------------------------------------

def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Forget files whose preview was never confirmed or cancelled."""
    limit = time.time() - MAX_AGE
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass  # another worker removed it first


def _store(data: bytes, table: importer.Table) -> str:
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.{table.format}").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({
        "kind": table.kind, "format": table.format, "filename": table.filename, "user_id": current_user.id,
    }), encoding="utf-8")
    return token


def _load(token: str) -> tuple[dict, bytes] | None:
    """The stored file's description and bytes, if the token is one this user received."""
    if not token or not _TOKEN.match(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        if meta.get("user_id") != current_user.id or meta.get("format") not in importer.EXTENSIONS \
                or meta.get("kind") not in importer.KINDS:
            return None
        return meta, (folder / f"{token}.{meta['format']}").read_bytes()
    except (OSError, ValueError):
        return None


def _claim(token: str) -> tuple[dict, bytes] | None:
    """Like _load, and marks the file as being saved, so that a second click (or a second tab) finds
    nothing to save instead of saving the rows twice. Renaming is atomic: one request wins."""
    stored = _load(token)
    if stored is None:
        return None
    folder = _folder()
    try:
        os.rename(folder / f"{token}.json", folder / f"{token}.claimed")
    except OSError:
        return None
    return stored


def _release(token: str) -> None:
    """Saving failed: the file may be cancelled or confirmed again."""
    folder = _folder()
    try:
        os.rename(folder / f"{token}.claimed", folder / f"{token}.json")
    except OSError:
        pass


def _discard(token: str) -> None:
    if not _TOKEN.match(token or ""):
        return
    for path in _folder().glob(f"{token}.*"):
        try:
            path.unlink()
        except OSError:
            pass


# --- pages ----------------------------------------------------------------------------------------

def _upload_page(form: UploadForm, status: int = 200):
    return render_template("imports/upload.html", form=form, columns=importer.COLUMNS,
                           samples=SAMPLES), status


def _preview_context(preview: importer.Preview, token: str, **extra) -> dict:
    return dict(preview=preview, token=token, kind_label=KIND_LABELS[preview.kind],
                headings={c.key: c.label for c in importer.COLUMNS[preview.kind]},
                bad_shown=BAD_ROWS_SHOWN, good_shown=GOOD_ROWS_SHOWN, format_decimal=format_decimal, **extra)


@bp.route("/", methods=["GET", "POST"])
@access.rule(access.DEPARTMENT)
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 400 if form.is_submitted() else 200)
    upload_file = form.file.data
    filename = os.path.basename((upload_file.filename or "").replace("\\", "/"))[:200]
    data = upload_file.read()
    try:
        table = importer.read_table(data, filename, form.kind.data)
    except ValidationFailed as exc:
        attach_errors(form, exc)
        return _upload_page(form, 400)
    token = _store(data, table)
    preview = importer.Preview(table)
    # The body is streamed after the session cookie is sent: take the flashed messages out of the
    # session now, so that they are not shown again on the next page.
    get_flashed_messages(with_categories=True)
    body = stream_template("imports/preview.html", steps=preview.steps(), **_preview_context(preview, token))
    return Response(body, mimetype="text/html",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # nginx: do not buffer


@bp.post("/confirm")
@access.rule(access.DEPARTMENT)
def confirm():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    stored = _claim(token)
    if stored is None:
        flash(_("This import has expired or was already saved. Upload the file again."), "error")
        return redirect(url_for(".upload"))
    meta, data = stored
    # The write path's core (one commit, all rolled back on any error); the answers here are the import's own.
    try:
        counts = write.commit(lambda: importer.commit_import(
            current_user, meta["kind"], importer.read_table(data, meta["filename"], meta["kind"]),
            confirm_outliers=form.confirm_outliers.data)).value
    except importer.OutliersUnconfirmed as exc:
        _release(token)
        return render_template("imports/preview.html", steps=(), unconfirmed=True,
                               **_preview_context(exc.preview, token)), 409
    except importer.ImportRejected as exc:
        _release(token)
        return render_template("imports/preview.html", steps=(), rejected=True,
                               **_preview_context(exc.preview, token)), 409
    except ValidationFailed as exc:
        _release(token)
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for(".upload"))
    except IntegrityError:
        _release(token)
        flash(_("Another change registered some of these codes meanwhile; nothing was saved. "
                "Upload the file again to see which rows."), "error")
        return redirect(url_for(".upload"))
    except Exception:
        _release(token)  # the error page says nothing was saved; the stored file may still be cancelled
        raise
    _discard(token)
    if meta["kind"] == "ocop":
        flash(_("Imported %(count)d OCOP certificates, recorded as verified against the register: %(created)d new, "
                "%(updated)d updated, %(claimed)d taken over from another producer's declaration.",
                count=counts["certificates"], created=counts["created"], updated=counts["updated"],
                claimed=counts["claimed"]), "success")
    elif meta["kind"] == "zones":
        flash(_("Imported %(zones)d zones and %(certificates)d certificates, recorded as verified.",
                zones=counts["zones"], certificates=counts["certificates"]), "success")
    else:
        flash(_("Imported %(products)d OCOP products: %(published)d published, %(drafts)d drafts.",
                products=counts["products"], published=counts["published"], drafts=counts["drafts"]), "success")
    return redirect(url_for(".upload"))


@bp.post("/cancel")
@access.rule(access.DEPARTMENT)
def cancel():
    form = ConfirmForm()
    if form.validate_on_submit() and _load(form.token.data) is not None:
        _discard(form.token.data)
        flash(_("The import was cancelled; nothing was saved."), "info")
    return redirect(url_for(".upload"))


@bp.get("/samples/<kind>")
@access.rule(access.DEPARTMENT)
def sample(kind: str):
    if kind not in SAMPLES:
        abort(404)
    return send_from_directory(SAMPLES_DIR, SAMPLES[kind], as_attachment=True, mimetype="text/csv")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    size = f"{limit / 2**20:.0f} MB" if limit >= 2**20 else f"{max(limit // 1024, 1)} KB"
    message = _("The file is larger than the limit of %(size)s. Split the register into smaller files.", size=size)
    if not (current_user.is_authenticated and current_user.is_department_staff):
        # The size check runs before the login check: strangers get the plain error page.
        return render_template("errors/error.html", status=413, title=_("File too large"), message=message), 413
    form = UploadForm(formdata=None)  # the request body is not read again
    form.file.errors = [message]
    return _upload_page(form, 413)
