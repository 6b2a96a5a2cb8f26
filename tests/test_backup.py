"""Backups that restore (market/backup.py): an archive taken WHILE the site writes, restored on an empty
instance, holds every row committed before the backup began and the file of every upload it names; both
engines (SQLite's backup API, PostgreSQL's pg_dump / pg_restore)."""
import hashlib
import io
import tarfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from market import create_app, periodic
from market.extensions import db
from market.models import AuditEvent, Organisation, Upload, User
from market.services import uploads

pytestmark = pytest.mark.both_engines


def png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (n % 256, 90, 30)).save(out, format="PNG")
    return out.getvalue()


def save_photo(app, user_id: int, org_id: int, n: int) -> int:
    with app.test_request_context():
        upload = uploads.save_upload(db.session.get(User, user_id), db.session.get(Organisation, org_id),
                                     FileStorage(io.BytesIO(png(n)), filename=f"vuon-{n}.png"))
        db.session.commit()
        upload_id = upload.id
        db.session.remove()
        return upload_id


class Writer(threading.Thread):
    """Saves photos (a row and its files) one after another until stopped; `committed` lists those saved."""

    def __init__(self, app, user_id, org_id):
        super().__init__(daemon=True)
        self.app, self.user_id, self.org_id = app, user_id, org_id
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        n = 1000
        try:
            while not self.stop.is_set():
                n += 1
                self.committed.append(save_photo(self.app, self.user_id, self.org_id, n))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def empty_database_like(app, tmp_path) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    parsed = make_url(url)
    name = f"{parsed.database}_restore"
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_database(app, url: str) -> None:
    if url.startswith("sqlite"):
        return
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def test_a_backup_taken_during_writes_restores_every_committed_row_and_file(app, factory, upload_dir, tmp_path):
    org_id = factory.org(name="HTX Hồi Văn Quan")
    user_id = factory.member(org_id)
    early = [save_photo(app, user_id, org_id, n) for n in range(3)]
    writer = Writer(app, user_id, org_id)
    writer.start()
    while len(writer.committed) < 3 and writer.is_alive():
        time.sleep(0.01)
    written = len(writer.committed)
    before = set(early) | set(writer.committed[:written])  # committed before the backup began: must all come back
    with app.app_context():
        audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        db.session.remove()
    archive = tmp_path / "backup.tar.gz"
    result = app.test_cli_runner().invoke(args=["market", "backup", "--output", str(archive)])
    while len(writer.committed) <= written and writer.is_alive():  # the writer kept going through the backup
        time.sleep(0.01)
    writer.stop.set()
    writer.join(30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert "manifest.json" in names and ({"database.sqlite3", "database.pgdump"} & names)
    assert "instance/secret_key" in names

    # An empty instance: a database nobody migrated, an empty upload folder.
    target = empty_database_like(app, tmp_path)
    restored_uploads = tmp_path / "restored-uploads"
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target, "UPLOAD_FOLDER": str(restored_uploads),
                        "SEARCH_SQLITE_PATH": str(tmp_path / "restored-search.sqlite3"), "JOBS_IMMEDIATE": True})
    try:
        result = other.test_cli_runner().invoke(args=["market", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        with other.app_context():
            rows = db.session.scalars(sa.select(Upload)).all()
            restored_ids = {row.id for row in rows}
            assert before <= restored_ids  # every row committed before the backup began
            for row in rows:  # and every row there, even one saved during the backup, has its files
                data = (restored_uploads / row.stored_name).read_bytes()
                assert hashlib.sha256(data).hexdigest() == row.sha256, row.stored_name
                if row.thumbnail_name:
                    assert (restored_uploads / row.thumbnail_name).is_file()
            assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= audit_before
            assert db.session.scalar(sa.select(Organisation.name).where(Organisation.id == org_id)) == "HTX Hồi Văn Quan"
            assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
            db.session.remove()

        # A second restore on what is no longer empty is refused, and changes nothing.
        again = other.test_cli_runner().invoke(args=["market", "restore", str(archive)])
        assert again.exit_code == 1 and "already holds data" in again.output
        with other.app_context():
            assert {row for row in db.session.scalars(sa.select(Upload.id))} == restored_ids
            db.session.remove()
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(app, target)


def test_the_nightly_backup_writes_an_archive_and_keeps_only_the_newest(app, factory, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 2)
    factory.org(name="HTX Sao lưu")
    engine = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    folder = tmp_path / "backups"
    folder.mkdir()
    older = [folder / f"market-{engine}-2026010{n}T193000Z.tar.gz" for n in (1, 2, 3)]
    for path in older:
        path.write_bytes(b"an older night")
    other_engine = folder / "market-other-20250101T193000Z.tar.gz"
    other_engine.write_bytes(b"kept: another engine's archive")
    with app.app_context():
        done = periodic.nightly_backup.call_local()
    tonight = Path(done["archive"])
    assert tonight.parent == folder and tarfile.is_tarfile(tonight)
    with tarfile.open(tonight) as archive:
        assert "manifest.json" in archive.getnames()
    assert sorted(done["removed"]) == [older[0].name, older[1].name]
    assert sorted(p.name for p in folder.iterdir()) == sorted([older[2].name, tonight.name, other_engine.name])
