"""Business rules of the needs catalogue: one function per action, one transaction, audited.

Views, the admin, the API and the periodic jobs all call these functions; none of them
changes a need any other way. Validation problems raise ``ValidationError`` keyed by field
name (forms show them next to the field, the API returns them as a 400); a user acting on
a department that is not theirs gets ``NeedPermissionDenied``.
"""

from __future__ import annotations

import datetime
import logging
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contactpoint import mail, outbox, roles
from contactpoint.audit import log_action
from contactpoint.context_processors import absolute_url

from . import language, signals
from .models import Department, InterventionArea, Need, NeedReminder, Neighbourhood

logger = logging.getLogger(__name__)

# Fields a department may set on its needs. Status, quantities covered and review dates
# change only through the actions below.
EDITABLE_FIELDS = (
    "title",
    "description",
    "department",
    "area",
    "resource_kind",
    "quantity",
    "unit",
    "beneficiaries",
    "beneficiaries_count",
    "neighbourhood",
    "school",
    "address",
    "priority",
    "wanted_by",
)
# A change to one of these may change which offers fit, so a published need is re-matched.
MATCHING_FIELDS = frozenset(
    {
        "title",
        "description",
        "area",
        "resource_kind",
        "quantity",
        "unit",
        "beneficiaries",
        "neighbourhood",
        "school",
        "wanted_by",
    }
)
# The text of the search document: a change rewrites the stored lemmas.
TEXT_FIELDS = frozenset({"title", "description", "beneficiaries", "school"})
MATCH_NEED_TASK = "matching.match_need"


class NeedPermissionDenied(PermissionDenied):
    """The actor may not act on this department's needs."""


# --- Who may do what ------------------------------------------------------------------------


def is_department_user(user: Any) -> bool:
    """Users who keep needs: department role or superuser."""
    return bool(user.is_authenticated) and (
        user.is_superuser or roles.has_role(user, roles.DEPARTMENT)
    )


def departments_for(user: Any) -> QuerySet[Department]:
    """The departments whose needs ``user`` may create and change."""
    if not user.is_authenticated:
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.all()
    return Department.objects.filter(members=user)


def _require_department(actor: Any, department: Department) -> None:
    if not departments_for(actor).filter(pk=department.pk).exists():
        raise NeedPermissionDenied(_("You can only manage the needs of your own departments."))


# --- Validation -----------------------------------------------------------------------------


def rule_errors(
    need: Need, *, covered: int = 0, publishing: bool = False
) -> dict[str, list[ValidationError]]:
    """The catalogue's own rules, beyond the model's field checks, as errors by field.

    ``covered`` is what offers already cover: the quantity may not drop below it. A need
    that is or becomes public may not have a wanted-by date in the past.
    """
    errors: dict[str, list[ValidationError]] = {}
    if isinstance(need.quantity, int) and need.quantity < covered:
        errors["quantity"] = [
            ValidationError(
                _(
                    "The quantity cannot be less than what offers already cover "
                    "(%(covered)s %(unit)s)."
                ),
                code="below_covered",
                params={"covered": covered, "unit": need.unit},
            )
        ]
    if (
        (publishing or need.is_public)
        and isinstance(need.wanted_by, datetime.date)
        and need.wanted_by < timezone.localdate()
    ):
        errors["wanted_by"] = [
            ValidationError(
                _("This date is in the past: choose a future date or leave it empty."),
                code="past",
            )
        ]
    return errors


def check_need(need: Need, *, covered: int = 0, publishing: bool = False) -> None:
    """Raise ``ValidationError`` (by field) if ``need`` may not be saved as it is."""
    errors: dict[str, list[Any]] = {}
    try:
        need.full_clean(exclude=["quantity_open", "created_by", "reviewed_by"])
    except ValidationError as exc:
        errors = {name: list(messages) for name, messages in exc.error_dict.items()}
    for name, messages in rule_errors(need, covered=covered, publishing=publishing).items():
        errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)


def _public_status(need: Need) -> str:
    if need.quantity_open == 0:
        return Need.Status.COVERED
    if need.quantity_open < need.quantity:
        return Need.Status.PARTIALLY_COVERED
    return Need.Status.PUBLISHED


def _queue_matching(need: Need) -> None:
    outbox.enqueue(MATCH_NEED_TASK, need.pk, dedup_key=f"match-need-{need.pk}")


def _write_lemmas(need: Need) -> None:
    """Fill the lemma columns of the need's search document from its text."""
    lemmas = language.need_lemmas(
        title=need.title,
        description=need.description,
        beneficiaries=need.beneficiaries,
        school=need.school,
    )
    need.title_lemmas = lemmas.title_lemmas
    need.text_lemmas = lemmas.text_lemmas


def _locked_for(actor: Any, need: Need) -> Need:
    """The need's row, locked, once ``actor`` is found to work for its department."""
    locked = Need.objects.select_for_update().get(pk=need.pk)
    _require_department(actor, locked.department)
    return locked


# --- Actions --------------------------------------------------------------------------------


def create_need(
    *,
    actor: Any,
    department: Department,
    area: InterventionArea,
    title: str,
    description: str,
    resource_kind: str,
    quantity: int,
    unit: str,
    beneficiaries: str,
    beneficiaries_count: int | None = None,
    neighbourhood: Neighbourhood | None = None,
    school: str = "",
    address: str = "",
    priority: int = Need.Priority.NORMAL,
    wanted_by: datetime.date | None = None,
    publish: bool = False,
) -> Need:
    """Create a need of one of the actor's departments, as a draft or published at once."""
    with transaction.atomic():
        _require_department(actor, department)
        now = timezone.now()
        need = Need(
            department=department,
            area=area,
            title=title,
            description=description,
            resource_kind=resource_kind,
            quantity=quantity,
            quantity_open=quantity,
            unit=unit,
            beneficiaries=beneficiaries,
            beneficiaries_count=beneficiaries_count,
            neighbourhood=neighbourhood,
            school=school or "",
            address=address or "",
            priority=priority,
            wanted_by=wanted_by,
            created_by=actor,
            # Writing a need is reviewing it: its content is up to date today.
            last_reviewed_at=now,
            reviewed_by=actor,
        )
        check_need(need, publishing=publish)
        _write_lemmas(need)
        if publish:
            need.status = Need.Status.PUBLISHED
            need.published_at = now
        need.save()
        log_action(
            actor=actor,
            action="needs.need.created",
            obj=need,
            payload={"department": department.slug, "status": need.status},
        )
        if publish:
            log_action(actor=actor, action="needs.need.published", obj=need)
            _queue_matching(need)
    return need


def update_need(*, need: Need, actor: Any, **changes: Any) -> Need:
    """Change a need's editable fields; a published need with new content is re-matched.

    The quantity already covered by offers is kept: the open quantity follows the new
    total, and a public need whose open quantity reaches zero becomes covered.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        need = _locked_for(actor, need)
        new_department = changes.get("department")
        if new_department is not None and new_department.pk != need.department_id:
            _require_department(actor, new_department)
        changed = sorted(name for name, value in changes.items() if getattr(need, name) != value)
        if not changed:
            return need
        covered = need.quantity_covered
        for name in changed:
            setattr(need, name, changes[name])
        need.school = need.school or ""
        need.address = need.address or ""
        if isinstance(need.quantity, int):
            need.quantity_open = max(need.quantity - covered, 0)
        check_need(need, covered=covered)
        if TEXT_FIELDS.intersection(changed):
            _write_lemmas(need)
        previous_status = need.status
        if need.is_public:
            need.status = _public_status(need)
        need.last_reviewed_at = timezone.now()
        need.reviewed_by = actor
        need.save()
        payload: dict[str, Any] = {"fields": changed}
        if need.status != previous_status:
            payload["status"] = [previous_status, need.status]
        log_action(actor=actor, action="needs.need.updated", obj=need, payload=payload)
        if need.is_public and MATCHING_FIELDS.intersection(changed):
            _queue_matching(need)
    return need


def publish_need(*, need: Need, actor: Any) -> Need:
    """Show a draft (or an expired need with a new date) in the public catalogue."""
    with transaction.atomic():
        need = _locked_for(actor, need)
        if need.status not in (Need.Status.DRAFT, Need.Status.EXPIRED):
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: ValidationError(
                        _("Only a draft or an expired need can be published."),
                        code="not_publishable",
                    )
                }
            )
        check_need(need, covered=need.quantity_covered, publishing=True)
        now = timezone.now()
        previous_status = need.status
        need.status = _public_status(need)
        need.published_at = now
        need.last_reviewed_at = now
        need.reviewed_by = actor
        need.save()
        log_action(
            actor=actor,
            action="needs.need.published",
            obj=need,
            payload={"status": [previous_status, need.status]},
        )
        _queue_matching(need)
    return need


def review_need(*, need: Need, actor: Any) -> Need:
    """Confirm the need is still current: it stops being stale for another period."""
    with transaction.atomic():
        need = _locked_for(actor, need)
        need.last_reviewed_at = timezone.now()
        need.reviewed_by = actor
        need.save(update_fields=["last_reviewed_at", "reviewed_by", "updated_at"])
        log_action(actor=actor, action="needs.need.reviewed", obj=need)
    return need


def close_need(*, need: Need, actor: Any, reason: str = "") -> Need:
    """Withdraw a need from the catalogue for good (no longer needed, solved elsewhere)."""
    with transaction.atomic():
        need = _locked_for(actor, need)
        if need.status == Need.Status.CLOSED:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: ValidationError(
                        _("This need is already closed."), code="already_closed"
                    )
                }
            )
        _end(
            need,
            Need.Status.CLOSED,
            actor=actor,
            action="needs.need.closed",
            why=signals.NEED_CLOSED,
            payload={"reason": reason[:500]},
        )
    return need


def _end(
    need: Need, status: str, *, actor: Any, action: str, why: str, payload: dict[str, Any]
) -> None:
    """Close or expire the locked ``need``: audited with its previous status, and, in the same
    transaction, its matches end (or are flagged) with it."""
    payload = {"previous_status": need.status, **payload}
    need.status = status
    need.save(update_fields=["status", "updated_at"])
    log_action(actor=actor, action=action, obj=need, payload=payload)
    signals.need_ended.send(sender=Need, need=need, actor=actor, reason=why)


def expire_needs(*, today: datetime.date | None = None) -> int:
    """Move public needs whose wanted-by date has passed to expired; return how many.

    Safe to run twice or concurrently: it only picks public needs and skips locked rows.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            Need.objects.published()
            .filter(wanted_by__lt=today)
            .select_for_update(skip_locked=True)
            .order_by("pk")
        )
        for need in due:
            _end(
                need,
                Need.Status.EXPIRED,
                actor=None,
                action="needs.need.expired",
                why=signals.NEED_EXPIRED,
                payload={"wanted_by": str(need.wanted_by)},
            )
    return len(due)


def remind_stale_needs(*, today: datetime.date | None = None) -> int:
    """E-mail each department the list of its public needs nobody reviewed lately.

    At most one reminder per department and week: the ``NeedReminder`` row is written in
    the same transaction as the sending, so a failed send is retried by the next run and
    a second run in the same week sends nothing. Returns the number of departments
    reminded.
    """
    today = today or timezone.localdate()
    week = today - datetime.timedelta(days=today.weekday())
    stale = (
        Need.objects.published()
        .stale()
        .select_related("department")
        .order_by("department_id", "wanted_by", "pk")
    )
    reminded = 0
    for department, department_needs in groupby(stale, key=lambda need: need.department):
        needs = list(department_needs)
        recipients = sorted(
            {
                email
                for email in department.members.filter(is_active=True).values_list(
                    "email", flat=True
                )
                if email
            }
            | ({department.email} if department.email else set())
        )
        if not recipients:
            logger.warning("stale needs of %s: the department has no one to e-mail", department)
            continue
        with transaction.atomic():
            reminder, created = NeedReminder.objects.get_or_create(
                department=department,
                week=week,
                defaults={"need_ids": [need.pk for need in needs], "recipients": recipients},
            )
            if not created:
                continue
            _send_stale_reminder(department=department, needs=needs, recipients=recipients)
            log_action(
                actor=None,
                action="needs.reminder.sent",
                obj=reminder,
                payload={"needs": reminder.need_ids, "recipients": len(recipients)},
            )
        reminded += 1
    return reminded


def _send_stale_reminder(
    *, department: Department, needs: list[Need], recipients: list[str]
) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "department": department,
            "needs": needs,
            "stale_after_days": settings.NEED_STALE_AFTER_DAYS,
            "workspace_url": absolute_url(reverse("needs:workspace")),
            "base_url": absolute_url(""),
            "portal_name": settings.CONTACTPOINT_NAME,
        }
    mail.send_messages(
        mail.render_message(
            subject_template="needs/email/stale_needs_subject.txt",
            text_template="needs/email/stale_needs_body.txt",
            context=context,
            to=[recipient],
            language=settings.LANGUAGE_CODE,
        )
        for recipient in recipients
    )
