"""Backups that restore: `flask market backup` and `flask market restore`.

An archive (.tar.gz) holds
- `manifest.json`: when, which engine, the schema revision, the row count of every table;
- the database: SQLite copied through its online backup API (`database.sqlite3`, a consistent snapshot even
  while the site writes), PostgreSQL through `pg_dump --format=custom` (`database.pgdump`, one transaction's
  snapshot);
- `uploads/`: the uploaded files, copied AFTER the database snapshot. A file is written before the row that
  names it is committed, so every upload row in the snapshot finds its file (files saved later are extra);
- `instance/`: the instance settings (the generated `secret_key`: sessions and links stay valid). Keep the
  archive as secret as the database.

`nightly` is what the worker runs every night (market/periodic.py): an archive in BACKUP_DIR (default
instance/backups), then the oldest archives beyond BACKUP_KEEP removed, so the disk does not fill up.

`restore` brings an archive back on an EMPTY instance (a database without tables, or with none of the
market's rows; it refuses otherwise) and then rebuilds the search index from the restored database.
"""
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import make_url

from market.extensions import db

FORMAT = 1
SETTINGS_FILES = ("secret_key",)


class BackupError(Exception):
    pass


def _engine_name() -> str:
    return db.engine.dialect.name  # "sqlite" or "postgresql"


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore: PG_BIN_DIR, else the PATH, else the newest /usr/lib/postgresql/*/bin."""
    if os.environ.get("PG_BIN_DIR"):
        return str(Path(os.environ["PG_BIN_DIR"]) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise BackupError(f"{name} not found: install PostgreSQL's client tools or set PG_BIN_DIR")
    return str(candidates[-1])


def _libpq(url: str) -> tuple[str, dict]:
    """A URL for pg_dump/pg_restore without the driver name or the password (passed by PGPASSWORD)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _counts() -> dict[str, int]:
    counts = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            counts[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return counts


def _revision() -> str | None:
    with db.engine.connect() as conn:
        try:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DBAPIError:
            return None


def _upload_folder() -> Path:
    from market.services.uploads import upload_folder

    return upload_folder()


def default_path(folder: Path | None = None) -> Path:
    """`<folder>/market-<engine>-<UTC time>.tar.gz`; the folder defaults to BACKUP_DIR."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(folder or current_app.config["BACKUP_DIR"])
    return folder / f"market-{_engine_name()}-{stamp}.tar.gz"


def nightly() -> dict:
    """Write tonight's archive, then keep only the newest BACKUP_KEEP archives of this engine in the folder.
    Returns what was done (the worker logs it)."""
    output = default_path()
    manifest = create(output)
    keep = max(1, int(current_app.config["BACKUP_KEEP"]))
    archives = sorted(output.parent.glob(f"market-{_engine_name()}-*.tar.gz"))  # the UTC stamp sorts by time
    removed = archives[:-keep]
    for old in removed:
        old.unlink()
    return {"archive": str(output), "upload_files": manifest["upload_files"], "removed": [p.name for p in removed]}


def create(output: Path) -> dict:
    """Write a backup archive to `output`; returns its manifest."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = _engine_name()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="market-backup-") as tmp:
        tmp = Path(tmp)
        manifest = {"format": FORMAT, "engine": engine, "created_at": datetime.now(UTC).isoformat(),
                    "revision": _revision()}
        if engine == "sqlite":
            dump = tmp / "database.sqlite3"
            source = sqlite3.connect(_sqlite_path(url))
            target = sqlite3.connect(dump)
            try:
                with target:
                    source.backup(target)  # a consistent snapshot, writers wait at most one step
            finally:
                target.close()
                source.close()
            manifest["tables"] = _snapshot_counts(sqlite3.connect(dump))
        elif engine == "postgresql":
            dump = tmp / "database.pgdump"
            libpq_url, env = _libpq(url)
            done = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                                   "--file", str(dump), "--dbname", libpq_url], env=env, capture_output=True,
                                  text=True)
            if done.returncode:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
            manifest["tables"] = None  # pg_dump's snapshot is not ours to count; restore counts what came back
        else:
            raise BackupError(f"no backup for the {engine} engine")
        with tarfile.open(output, "w:gz") as archive:
            archive.add(dump, arcname=dump.name)
            uploads = _upload_folder()
            files = 0
            if uploads.is_dir():
                for path in sorted(uploads.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=f"uploads/{path.relative_to(uploads)}")
                        files += 1
            manifest["upload_files"] = files
            for name in SETTINGS_FILES:
                path = Path(current_app.instance_path) / name
                if path.is_file():
                    archive.add(path, arcname=f"instance/{name}")
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
    output.chmod(0o600)
    return manifest


def _snapshot_counts(conn: sqlite3.Connection) -> dict[str, int]:
    try:
        names = [table.name for table in db.metadata.sorted_tables]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        conn.close()


def _market_rows() -> int:
    """How many rows the market's own tables hold (the plan's reference data aside): 0 on an empty instance."""
    reference = {"commune", "commune_alias", "crop", "crop_commune", "plan_target"}
    inspector = sa.inspect(db.engine)
    existing = set(inspector.get_table_names())
    total = 0
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in existing and table.name not in reference:
                total += conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return total


def _drop_everything() -> None:
    """An empty instance may have the schema (migrated, reference data seeded): the archive brings its own."""
    db.session.remove()
    if _engine_name() == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    db.engine.dispose()


def _safe_members(archive: tarfile.TarFile, prefix: str):
    for member in archive.getmembers():
        if member.name.startswith(prefix) and member.isfile():
            yield member


def restore(archive_path: Path) -> dict:
    """Bring a backup back on this (empty) instance; returns the manifest and the restored counts."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = _engine_name()
    if _market_rows():
        raise BackupError("this instance already holds data: restore only into an empty database")
    with tarfile.open(archive_path, "r:gz") as archive, tempfile.TemporaryDirectory(prefix="market-restore-") as tmp:
        manifest = json.load(archive.extractfile("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown archive format {manifest.get('format')!r}")
        if manifest["engine"] != engine:
            raise BackupError(f"the archive holds a {manifest['engine']} database; this instance uses {engine}")
        archive.extractall(tmp, members=list(_safe_members(archive, "database.")), filter="data")
        _drop_everything()
        if engine == "sqlite":
            source = sqlite3.connect(Path(tmp) / "database.sqlite3")
            target = sqlite3.connect(_sqlite_path(url))
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            libpq_url, env = _libpq(url)
            done = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                                   "--dbname", libpq_url, str(Path(tmp) / "database.pgdump")], env=env,
                                  capture_output=True, text=True)
            if done.returncode:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
        db.engine.dispose()
        uploads = _upload_folder()
        uploads.mkdir(parents=True, exist_ok=True)
        for member in _safe_members(archive, "uploads/"):
            member.name = member.name[len("uploads/"):]
            archive.extract(member, uploads, filter="data")
        instance = Path(current_app.instance_path)
        for member in _safe_members(archive, "instance/"):
            name = member.name[len("instance/"):]
            if name in SETTINGS_FILES:
                member.name = name
                archive.extract(member, instance, filter="data")
    return {"manifest": manifest, "tables": _counts()}
