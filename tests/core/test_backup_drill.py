"""Backup and restore drill: back up, restore into a fresh database, compare every table."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from contactpoint import backup
from stakeholders.models import ImportJob
from tests.factories import (
    ContactPersonFactory,
    MatchFactory,
    OfferFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def drill_database():
    name = f"{connection.settings_dict['NAME']}_drill"
    target = backup.Target.from_settings(name)
    with target.connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    yield name
    with target.connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def media_root(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("CONTACTPOINT_BACKUP_DIR", str(tmp_path / "backups"))
    return settings.MEDIA_ROOT


def some_data():
    organisation = OrganisationFactory(legal_name="Fondazione Àccènti ‮ S.r.l.")
    ContactPersonFactory.create_batch(3, organisation=organisation)
    MatchFactory(offer=OfferFactory(organisation=organisation))
    # An upload under MEDIA_ROOT, as the import jobs keep them; a finished job, so that a
    # worker still running from earlier tests has nothing to do while the backup is taken.
    return ImportJob.objects.create(
        kind="organisations",
        filename="lista.csv",
        upload=ContentFile(b"kind,legal_name\ncompany,Alfa\n", name="lista.csv"),
        status=ImportJob.Status.DONE,
    )


def test_a_backup_restores_into_a_fresh_database_with_every_table_identical(
    drill_database, media_root
):
    job = some_data()
    source = backup.Target.from_settings()

    folder = backup.make_backup()

    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "manifest.json",
        "media.tar.gz",
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    before = backup.table_fingerprints(source)
    # The worker may mark a job done meanwhile: the outbox is compared by row count only (the
    # manifest and the dump read one snapshot, which the restore below checks exactly).
    moving = {"contactpoint_outboxmessage"}
    assert {k: v[0] for k, v in manifest["tables"].items()} == {k: v[0] for k, v in before.items()}
    assert {k: v for k, v in manifest["tables"].items() if k not in moving} == {
        k: v for k, v in before.items() if k not in moving
    }
    assert before["stakeholders_organisation"][0] >= 1
    assert before["stakeholders_contactperson"][0] >= 3

    upload = media_root / job.upload.name
    original = upload.read_bytes()
    upload.unlink()
    (media_root / "later.txt").write_text("uploaded after the backup")
    call_command("restore", str(folder), "--database", drill_database, "--create")

    restored = backup.table_fingerprints(backup.Target.from_settings(drill_database))
    assert restored == before  # same tables, same row counts, same checksums
    assert upload.read_bytes() == original
    assert not (media_root / "later.txt").exists()  # MEDIA_ROOT is as it was backed up

    # Restoring again over a database that changed since puts it back exactly.
    with backup.Target.from_settings(drill_database).connect() as conn:
        conn.execute("UPDATE stakeholders_contactperson SET first_name = 'Changed'")
        conn.execute("DELETE FROM stakeholders_duplicateflag")
    backup.restore_backup(folder=folder, database=drill_database, media=False)
    assert backup.table_fingerprints(backup.Target.from_settings(drill_database)) == before


def test_an_incomplete_backup_is_refused_and_restores_nothing(drill_database, media_root, tmp_path):
    folder = tmp_path / "not-a-backup"
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"garbage")
    with pytest.raises(backup.BackupError, match="missing"):
        backup.restore_backup(folder=folder, database=drill_database, create=True)


def test_a_corrupt_dump_leaves_the_target_database_as_it_was(drill_database, media_root):
    some_data()
    folder = backup.make_backup()
    backup.restore_backup(folder=folder, database=drill_database, create=True, media=False)
    target = backup.Target.from_settings(drill_database)
    before = backup.table_fingerprints(target)
    dump = folder / "database.dump"
    dump.write_bytes(dump.read_bytes()[: len(dump.read_bytes()) // 2])

    with pytest.raises(backup.BackupError):
        backup.restore_backup(folder=folder, database=drill_database, media=False)

    assert backup.table_fingerprints(target) == before
