"""Loading the vademecum's content: the templates of ``data/templates``, published as
version 1 the first time (the legal office owns their texts afterwards)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from contactpoint.audit import log_action

from . import placeholders
from .models import (
    Template,
    TemplateVersion,
    VersionStatus,
)
from .services import VademecumError


def _template_files() -> list[dict[str, Any]]:
    files = sorted((placeholders.DATA_DIR / "templates").glob("*.json"))
    return [json.loads(path.read_text(encoding="utf-8")) for path in files]


GUIDANCE_KEYS = (
    "summary",
    "when_to_use",
    "not_for",
    "legal_basis",
    "city_checks",
    "obligations_city",
    "obligations_partner",
    "documents_required",
    "typical_timing",
    "communication_plan",
)
ORDER = (
    "donazione-beni",
    "erogazione-liberale",
    "sponsorizzazione",
    "protocollo-intesa",
    "patto-collaborazione",
    "volontariato-impresa",
    "pro-bono",
    "comodato-uso",
)


def load_vademecum(*, actor: Any = None) -> int:
    """Create the templates of ``data/templates`` with version 1 published (idempotent).

    A template that already exists is left alone: its texts belong to the legal office now.
    Returns how many templates were created.
    """
    created = 0
    with transaction.atomic():
        for data in _template_files():
            template, is_new = Template.objects.get_or_create(
                slug=data["slug"],
                defaults={
                    "engagement_method": data["engagement_method"],
                    "title_it": data["title"]["it"],
                    "title_en": data["title"]["en"],
                    "position": ORDER.index(data["slug"]) if data["slug"] in ORDER else 99,
                },
            )
            if not is_new:
                continue
            now = timezone.now()
            version = TemplateVersion.objects.create(
                template=template,
                number=1,
                status=VersionStatus.DRAFT,
                clauses=data["clauses"],
                guidance={key: data[key] for key in GUIDANCE_KEYS if key in data},
                changelog="Prima versione / First version.",
                created_at=now,
            )
            problems = placeholders.clause_problems(version.clauses)
            if problems:
                raise VademecumError("; ".join(problems), field="clauses")
            # One statement per step, as the database allows (draft -> approved -> published).
            TemplateVersion.objects.filter(pk=version.pk).update(
                status=VersionStatus.APPROVED, approved_at=now
            )
            TemplateVersion.objects.filter(pk=version.pk).update(
                status=VersionStatus.PUBLISHED, published_at=now
            )
            log_action(actor=actor, action="vademecum.template.loaded", obj=template)
            created += 1
    return created
