"""The vademecum's business verbs: versions of templates and agreements for matches.

Each verb runs in one transaction and writes its audit entry there. Who may act:
the legal office (``legal`` role, or a superuser) drafts, approves, publishes and retires
versions; the account manager of a match (or a team lead) prepares its agreements; either
the match's manager or the legal office marks an agreement signed.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactpoint import outbox, roles
from contactpoint.audit import log_action
from contactpoint.refusals import Refusal
from matching import lifecycle, permissions
from matching.models import Match, Stage

from . import guide, placeholders
from .models import (
    Agreement,
    AgreementStatus,
    Template,
    TemplateVersion,
    VersionStatus,
    pick,
)

logger = logging.getLogger(__name__)

RENDER_TASK = "vademecum.render_agreement"


class VademecumError(Refusal):
    """A refused vademecum operation, with a translatable message and the field at fault."""


class NotPermitted(VademecumError):
    status_code = 403


# --- Who may do what -------------------------------------------------------------------------


def is_legal(user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or roles.has_role(user, roles.LEGAL)


def may_prepare_agreement(user: Any, match: Match) -> bool:
    """The match's account manager or a team lead (the people who work the match)."""
    return permissions.can_act(user, match)


def may_read_all_agreements(user: Any) -> bool:
    """City staff who work agreements: legal office, account managers, team leads."""
    if user is None or not user.is_authenticated:
        return False
    return is_legal(user) or permissions.is_match_staff(user)


def agreements_for(user: Any) -> QuerySet[Agreement]:
    """Agreements ``user`` may read: all for the staff above, their own organisations'
    (once rendered) for stakeholders, none for anyone else."""
    base = Agreement.objects.select_related(
        "version__template", "match__offer__organisation", "match__need"
    )
    if may_read_all_agreements(user):
        return base.all()
    if roles.is_city_staff(user):
        return base.none()
    return base.for_organisation_member(user)


def _require_legal(actor: Any) -> None:
    if not is_legal(actor):
        raise NotPermitted(_("Only the legal office can do this."))


# --- Versions --------------------------------------------------------------------------------


def _move(
    version: TemplateVersion,
    status: str,
    verb: str,
    *,
    actor: Any,
    when: datetime.datetime | None = None,
    payload: dict[str, Any] | None = None,
    **also: Any,
) -> None:
    """Move the locked ``version`` to ``status``, dated in ``<verb>_at`` (now, unless
    ``when``) with the fields in ``also``, and audit ``vademecum.version.<verb>``."""
    version.status = status
    setattr(version, f"{verb}_at", when or timezone.now())
    for name, value in also.items():
        setattr(version, name, value)
    version.save(update_fields=["status", f"{verb}_at", *also])
    log_action(actor=actor, action=f"vademecum.version.{verb}", obj=version, payload=payload)


def _locked(version: TemplateVersion, status: str, refusal: Any) -> TemplateVersion:
    """The version, locked for the step, which only a version in ``status`` may take."""
    version = (
        TemplateVersion.objects.select_for_update(of=("self",))
        .select_related("template")
        .get(pk=version.pk)
    )
    if version.status != status:
        raise VademecumError(refusal)
    return version


def create_draft(*, version: TemplateVersion, actor: Any) -> TemplateVersion:
    """A new draft of ``version``'s template, copied from ``version``, numbered next."""
    _require_legal(actor)
    with transaction.atomic():
        # Lock the template so two drafts cannot take the same number.
        template = Template.objects.select_for_update().get(pk=version.template_id)
        number = (template.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        draft = TemplateVersion.objects.create(
            template=template,
            number=number,
            clauses=version.clauses,
            guidance=version.guidance,
            based_on=version,
            created_by=actor,
        )
        log_action(
            actor=actor,
            action="vademecum.version.drafted",
            obj=draft,
            payload={"based_on": version.number},
        )
    return draft


def update_draft(
    *,
    version: TemplateVersion,
    clauses: list[dict[str, Any]],
    changelog: str,
    actor: Any,
) -> TemplateVersion:
    """Change a draft's clauses and changelog. Only drafts change; unknown placeholders are
    allowed while drafting and refused at approval."""
    _require_legal(actor)
    with transaction.atomic():
        version = _locked(
            version, VersionStatus.DRAFT, _("Only a draft can be changed: start a new version.")
        )
        if not isinstance(clauses, list) or not all(isinstance(c, dict) for c in clauses):
            raise VademecumError(_("The clauses are not in the expected form."), field="clauses")
        version.clauses = clauses
        version.changelog = (changelog or "").strip()
        version.save(update_fields=["clauses", "changelog"])
        log_action(actor=actor, action="vademecum.version.edited", obj=version)
    return version


def approve(*, version: TemplateVersion, actor: Any) -> TemplateVersion:
    """The legal office approves a draft whose clauses use only the fixed placeholders."""
    _require_legal(actor)
    with transaction.atomic():
        version = _locked(version, VersionStatus.DRAFT, _("Only a draft can be approved."))
        problems = placeholders.clause_problems(version.clauses)
        if problems:
            raise ValidationError({"clauses": problems})
        if version.number > 1 and not version.changelog.strip():
            raise ValidationError({"changelog": [_("Say what changed from the previous version.")]})
        _move(version, VersionStatus.APPROVED, "approved", actor=actor, approved_by=actor)
    return version


def publish(*, version: TemplateVersion, actor: Any) -> TemplateVersion:
    """Publish an approved version; the template's previous published version retires."""
    _require_legal(actor)
    with transaction.atomic():
        Template.objects.select_for_update().get(pk=version.template_id)
        version = _locked(
            version, VersionStatus.APPROVED, _("Only an approved version can be published.")
        )
        now = timezone.now()
        previous = list(
            TemplateVersion.objects.select_for_update()
            .filter(template_id=version.template_id, status=VersionStatus.PUBLISHED)
            .values_list("pk", flat=True)
        )
        TemplateVersion.objects.filter(pk__in=previous).update(
            status=VersionStatus.RETIRED, retired_at=now
        )
        _move(
            version,
            VersionStatus.PUBLISHED,
            "published",
            actor=actor,
            when=now,
            payload={"retired": previous},
        )
    return version


def retire(*, version: TemplateVersion, actor: Any) -> TemplateVersion:
    """Withdraw a published version (the template then has no public text)."""
    _require_legal(actor)
    with transaction.atomic():
        version = _locked(
            version, VersionStatus.PUBLISHED, _("Only a published version can be retired.")
        )
        _move(version, VersionStatus.RETIRED, "retired", actor=actor)
    return version


def delete_draft(*, version: TemplateVersion, actor: Any) -> None:
    _require_legal(actor)
    with transaction.atomic():
        version = _locked(version, VersionStatus.DRAFT, _("Only a draft can be deleted."))
        log_action(
            actor=actor,
            action="vademecum.version.deleted",
            obj=version.template,
            payload={"number": version.number},
        )
        version.delete()


# --- Agreements ------------------------------------------------------------------------------

# Values the account manager enters on the agreement (the models do not hold them).
ENTERED_NAMES = (
    "organisation.address",
    "organisation.representative_name",
    "organisation.representative_role",
    "offer.estimated_value",
    "agreement.date",
    "agreement.duration",
    "agreement.start_date",
    "agreement.end_date",
    "agreement.value_in_kind_eur",
    "agreement.amount_eur",
    "city.office",
    "city.signatory",
    "communication.visibility",
    "communication.logo_use",
    "communication.channels",
)


def format_date(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def format_euro(value: Decimal | None, language: str) -> str:
    """``€ 25.000,00`` in Italian, ``€25,000.00`` in English."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    if language == "it":
        return "€ " + text.replace(",", "·").replace(".", ",").replace("·", ".")
    return "€" + text


def suggested_template(match: Match) -> str | None:
    """The guide's main recommendation for the match, from the offer and the organisation."""
    answers = guide.prefill(
        resource_kind=match.offer.resource_kind,
        organisation_kind=match.offer.organisation.kind,
    )
    # Answers the portal cannot know are assumed as the most common case; the account
    # manager confirms the choice anyway.
    answers = {
        "counterpart_public": "no",
        "value_band": "up_to_40k",
        "wants_visibility": "no",
        "money_flow": "none",
        "duration": "one_off",
        "cultural_heritage": "no",
        **answers,
    }
    result = guide.recommend(answers)
    if result is None or not result.slugs:
        return None
    return result.slugs[0]


def initial_values(match: Match, language: str = "it") -> dict[str, Any]:
    """Suggested values for the fields the account manager enters."""
    offer, organisation, need = match.offer, match.offer.organisation, match.need
    contact = offer.contact
    channels = []
    allow_press = offer.allow_press or organisation.allow_press
    allow_social = getattr(offer, "allow_social", False) or organisation.allow_social
    if allow_press:
        channels.append("comunicati stampa" if language == "it" else "press releases")
    if allow_social:
        channels.append("canali social del Comune" if language == "it" else "City social media")
    logo = offer.allow_logo_use or organisation.allow_logo_use
    department = need.department.name if language == "it" else need.department.name_en
    return {
        "organisation.representative_name": (
            f"{contact.first_name} {contact.last_name}" if contact else ""
        ),
        "organisation.representative_role": contact.role if contact else "",
        "agreement.date": timezone.localdate(),
        "city.office": f"Direzione {need.department.name}"
        if language == "it"
        else f"{department or need.department.name} Department",
        "communication.logo_use": (
            (
                "il Comune può riprodurre il logo dell'organizzazione"
                if language == "it"
                else "the City may show the organisation's logo"
            )
            if logo
            else ""
        ),
        "communication.channels": ", ".join(channels),
    }


def placeholder_values(
    match: Match, entered: Mapping[str, Any], *, language: str
) -> dict[str, str]:
    """Every placeholder's value for ``match``, as text in ``language``."""
    offer, organisation, need = match.offer, match.offer.organisation, match.need
    neighbourhood = need.neighbourhood
    municipi = ""
    if neighbourhood is not None:
        municipi = ", ".join(
            pick({"it": m.name, "en": m.name_en or m.name}, language)
            for m in neighbourhood.municipi.all()
        )
    department = need.department.name
    if language == "en" and need.department.name_en:
        department = need.department.name_en
    for prefix in ("Direzione ", "Department "):
        department = department.removeprefix(prefix)
    quantity = match.quantity or offer.quantity
    values: dict[str, str] = {
        "organisation.legal_name": organisation.legal_name,
        "organisation.tax_code": organisation.tax_code,
        "organisation.vat_number": organisation.vat_number,
        "need.title": need.title,
        "need.department": department,
        "need.quantity": f"{need.quantity} {need.unit}",
        "need.municipio": municipi,
        "need.nil": neighbourhood.name if neighbourhood is not None else "",
        "need.wanted_by": format_date(need.wanted_by),
        "offer.title": offer.title,
        "offer.description": offer.description,
        "offer.quantity": f"{quantity} {offer.unit}",
        "match.reference": str(match.pk),
        "city.name": settings.CONTACTPOINT_CITY,
        "agreement.protocol_number": "",
    }
    for name in ENTERED_NAMES:
        value = entered.get(name)
        if isinstance(value, datetime.date):
            values[name] = format_date(value)
        elif isinstance(value, Decimal):
            values[name] = format_euro(value, language)
        else:
            values[name] = str(value or "").strip()
    return values


def _jsonable(entered: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: (value.isoformat() if isinstance(value, datetime.date) else str(value or ""))
        for name, value in entered.items()
        if name in ENTERED_NAMES
    }


def create_agreement(
    *,
    match: Match,
    version: TemplateVersion,
    entered: Mapping[str, Any],
    language: str,
    actor: Any,
    render_now: bool = False,
) -> Agreement:
    """Prepare an agreement for a match in negotiation, pinned to ``version``.

    The values are snapshotted now; the PDF is rendered by a job (or at once with
    ``render_now``). An earlier agreement of the match is never changed.
    """
    with transaction.atomic():
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related(
                "offer__organisation", "offer__contact", "need__department", "need__neighbourhood"
            )
            .get(pk=match.pk)
        )
        if not may_prepare_agreement(actor, match):
            raise NotPermitted(permissions.NOT_PERMITTED_MESSAGE)
        version = TemplateVersion.objects.select_related("template").get(pk=version.pk)
        if match.stage != Stage.NEGOTIATING:
            raise VademecumError(
                _("An agreement is prepared while the match is in negotiation."), field="match"
            )
        if version.status != VersionStatus.PUBLISHED:
            raise VademecumError(_("Choose a published version of a template."), field="version")
        if language not in ("it", "en"):
            raise VademecumError(_("Choose Italian or English."), field="language")
        agreement = Agreement.objects.create(
            match=match,
            version=version,
            language=language,
            entered=_jsonable(entered),
            values=placeholder_values(match, entered, language=language),
            created_by=actor,
        )
        log_action(
            actor=actor,
            action="vademecum.agreement.created",
            obj=agreement,
            payload={"match": match.pk, "version": str(version)},
        )
        if not render_now:
            outbox.enqueue(RENDER_TASK, agreement.pk)
    if render_now:
        render_agreement(agreement_id=agreement.pk)
        agreement.refresh_from_db()
    return agreement


def render_agreement(*, agreement_id: int) -> Agreement | None:
    """Render the agreement's PDF once and store it with its SHA-256 (idempotent)."""
    from . import pdf

    agreement = (
        Agreement.objects.select_related("version__template").filter(pk=agreement_id).first()
    )
    if agreement is None or agreement.status != AgreementStatus.RENDERING:
        return agreement
    try:
        content = pdf.agreement_pdf(agreement)
    except Exception as exc:
        logger.exception("agreement %s: rendering failed", agreement_id)
        with transaction.atomic():
            Agreement.objects.filter(pk=agreement_id, status=AgreementStatus.RENDERING).update(
                status=AgreementStatus.FAILED, error=str(exc)[:2000]
            )
        return None
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
        if agreement.status != AgreementStatus.RENDERING:
            return agreement  # another worker finished first
        agreement.pdf.save(
            f"agreement-{agreement.match_id}-{agreement.pk}.pdf", ContentFile(content), save=False
        )
        agreement.sha256 = digest
        agreement.status = AgreementStatus.READY
        agreement.rendered_at = timezone.now()
        agreement.save(update_fields=["pdf", "sha256", "status", "rendered_at"])
        log_action(
            actor=None,
            action="vademecum.agreement.rendered",
            obj=agreement,
            payload={"sha256": digest, "bytes": len(content)},
        )
    return agreement


def mark_signed(
    *, agreement: Agreement, signed_on: datetime.date, protocol_number: str, actor: Any
) -> Agreement:
    """Record the signature and move the match to "agreed" through the match lifecycle."""
    protocol_number = (protocol_number or "").strip()
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("match")
            .get(pk=agreement.pk)
        )
        match = agreement.match
        works_match = may_prepare_agreement(actor, match)
        if not (works_match or is_legal(actor)):
            raise NotPermitted(
                _("Only the match's account manager or the legal office can do this.")
            )
        if agreement.status != AgreementStatus.READY:
            raise VademecumError(_("Only an agreement waiting for signature can be signed."))
        if not protocol_number:
            raise VademecumError(_("Enter the protocol number."), field="protocol_number")
        if signed_on > timezone.localdate():
            raise VademecumError(
                _("The signature date cannot be in the future."), field="signed_on"
            )
        if match.stage != Stage.NEGOTIATING:
            raise VademecumError(_("The match is no longer in negotiation."), field="signed_on")
        agreement.status = AgreementStatus.SIGNED
        agreement.signed_on = signed_on
        agreement.protocol_number = protocol_number
        agreement.signed_by = actor
        agreement.save(update_fields=["status", "signed_on", "protocol_number", "signed_by"])
        log_action(
            actor=actor,
            action="vademecum.agreement.signed",
            obj=agreement,
            payload={"protocol_number": protocol_number, "signed_on": signed_on.isoformat()},
        )
        # The legal office is not on the match: the lifecycle then acts as the system,
        # after the permission check above.
        try:
            lifecycle.transition(
                match=match,
                to_stage=Stage.AGREED,
                actor=actor if works_match else None,
                note=str(_("Agreement signed, protocol %(n)s") % {"n": protocol_number}),
            )
        except lifecycle.MatchError as exc:
            raise VademecumError(exc.message, field="signed_on") from exc
    return agreement
