"""A published or retired version cannot change, even with raw SQL; a change is a new version."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection, transaction

from vademecum import services
from vademecum.models import TemplateVersion, VersionStatus


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_update_of_published_clauses_fails(published):
    version = published["donazione-beni"]
    with pytest.raises(IntegrityError, match="immutable"):
        raw("UPDATE vademecum_templateversion SET clauses = %s WHERE id = %s", ["[]", version.pk])
    version.refresh_from_db()
    assert len(version.clauses) > 10


def test_raw_update_of_published_guidance_and_changelog_fails(published):
    version = published["pro-bono"]
    for column, value in (("guidance", json.dumps({})), ("changelog", "rewritten")):
        with pytest.raises(IntegrityError):
            raw(
                f"UPDATE vademecum_templateversion SET {column} = %s WHERE id = %s",
                [value, version.pk],
            )


def test_published_version_cannot_be_deleted_or_go_back_to_draft(published):
    version = published["comodato-uso"]
    with pytest.raises(IntegrityError, match="cannot be deleted"):
        raw("DELETE FROM vademecum_templateversion WHERE id = %s", [version.pk])
    with pytest.raises(IntegrityError, match="cannot go from"):
        raw("UPDATE vademecum_templateversion SET status = 'draft' WHERE id = %s", [version.pk])


def test_retired_version_is_frozen_too(published, legal):
    old = published["sponsorizzazione"]
    draft = services.create_draft(version=old, actor=legal)
    services.update_draft(
        version=draft, clauses=draft.clauses, changelog="Nuova clausola", actor=legal
    )
    services.approve(version=draft, actor=legal)
    services.publish(version=draft, actor=legal)
    old.refresh_from_db()
    assert old.status == VersionStatus.RETIRED
    with pytest.raises(IntegrityError):
        raw("UPDATE vademecum_templateversion SET status = 'published' WHERE id = %s", [old.pk])
    with pytest.raises(IntegrityError):
        raw("UPDATE vademecum_templateversion SET clauses = '[]' WHERE id = %s", [old.pk])


def test_orm_save_of_published_version_fails_and_draft_can_change(published, legal):
    version = published["erogazione-liberale"]
    version.clauses = version.clauses[:1]
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()
    draft = services.create_draft(version=published["erogazione-liberale"], actor=legal)
    raw("UPDATE vademecum_templateversion SET changelog = 'ok' WHERE id = %s", [draft.pk])
    draft.refresh_from_db()
    assert draft.changelog == "ok"
    assert draft.number == 2


def test_only_drafts_are_edited_through_the_service(published, legal):
    with pytest.raises(services.VademecumError):
        services.update_draft(version=published["pro-bono"], clauses=[], changelog="x", actor=legal)


def test_one_published_version_per_template_and_publish_retires_the_previous(published, legal):
    first = published["volontariato-impresa"]
    draft = services.create_draft(version=first, actor=legal)
    draft = services.update_draft(
        version=draft, clauses=draft.clauses, changelog="Orari rivisti", actor=legal
    )
    services.approve(version=draft, actor=legal)
    services.publish(version=draft, actor=legal)
    statuses = dict(
        TemplateVersion.objects.filter(template=first.template).values_list("number", "status")
    )
    assert statuses == {1: VersionStatus.RETIRED, 2: VersionStatus.PUBLISHED}
