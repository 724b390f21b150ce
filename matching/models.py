"""Matches between offers and needs, their lifecycle, and the account managers who work them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactpoint import roles
from contactpoint.date_bounds import BoundedDateField
from needs.models import Department, InterventionArea, Need
from stakeholders.models import Offer, Organisation, OrganisationMembership


class Stage(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ASSIGNED = "assigned", _("Assigned")
    CONTACTED = "contacted", _("Contacted")
    NEGOTIATING = "negotiating", _("Negotiating")
    AGREED = "agreed", _("Agreed")
    IN_DELIVERY = "in_delivery", _("In delivery")
    COMPLETED = "completed", _("Completed")
    DECLINED_BY_CITY = "declined_city", _("Declined by the city")
    DECLINED_BY_STAKEHOLDER = "declined_stakeholder", _("Declined by the stakeholder")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


OPEN_STAGES = (
    Stage.PROPOSED,
    Stage.ASSIGNED,
    Stage.CONTACTED,
    Stage.NEGOTIATING,
    Stage.AGREED,
    Stage.IN_DELIVERY,
)
# Stages whose quantity is taken from the offer and the need.
ALLOCATED_STAGES = (Stage.AGREED, Stage.IN_DELIVERY)
CLOSED_STAGES = (
    Stage.COMPLETED,
    Stage.DECLINED_BY_CITY,
    Stage.DECLINED_BY_STAKEHOLDER,
    Stage.WITHDRAWN,
    Stage.EXPIRED,
)

# Open work that waits for a team lead: routed, no manager yet. (Other candidates wait on
# their offer's routed matches, not in that queue.)
UNASSIGNED = Q(manager__isnull=True, other_candidate=False, stage__in=OPEN_STAGES)


class MatchQuerySet(models.QuerySet["Match"]):
    def open(self) -> MatchQuerySet:
        return self.filter(stage__in=OPEN_STAGES)

    def unassigned(self) -> MatchQuerySet:
        return self.filter(UNASSIGNED)

    def routed(self) -> MatchQuerySet:
        """Matches sent to an account manager's work (or waiting for a team lead), not the
        "other candidates" kept aside beyond an offer's routing cap."""
        return self.filter(other_candidate=False)

    def visible_to(self, user) -> MatchQuerySet:
        """Account managers and team leads read all matches; a department its needs'
        matches; a stakeholder its organisations' matches; everyone else nothing."""
        if not user.is_authenticated:
            return self.none()
        if roles.is_account_staff(user):
            return self.all()
        if roles.has_role(user, roles.DEPARTMENT):
            return self.filter(need__department__members=user)
        return self.filter(offer__organisation__memberships__user=user)

    def for_stakeholder(self, user) -> MatchQuerySet:
        """The matches of the organisations the user acts for (the /my/ area), whoever they
        are; not the other candidates, which nobody at the city works on yet."""
        if not user.is_authenticated:
            return self.none()
        # A subquery rather than a join: a user in two organisations sees no duplicates.
        return self.filter(
            other_candidate=False,
            offer__organisation_id__in=OrganisationMembership.objects.filter(
                user_id=user.pk
            ).values("organisation_id"),
        )

    def for_department_member(self, user) -> MatchQuerySet:
        """The matches on the needs of the user's departments (the department workspace)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            need__department_id__in=Department.members.through.objects.filter(
                user_id=user.pk
            ).values("department_id")
        )


class Match(models.Model):
    """A suggested pairing of one offer with one need, scored and routed to a manager.

    ``score_parts`` keeps every component of the score so the queue can say why.
    ``quantity`` is what this match would move from the offer to the need; it is taken from
    both open quantities only when the match is agreed.
    """

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="matches"
    )
    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="matches"
    )
    score = models.FloatField(_("score"), default=0, db_index=True)
    score_parts = models.JSONField(_("score breakdown"), default=dict, blank=True)
    stage = models.CharField(
        _("stage"), max_length=24, choices=Stage.choices, default=Stage.PROPOSED, db_index=True
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    allocated = models.BooleanField(
        _("quantity allocated"),
        default=False,
        help_text=_("Whether the quantity has been taken from the offer and the need."),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_matches",
    )
    routing_reason = models.JSONField(_("routing reason"), default=dict, blank=True)
    # Beyond the offer's routing cap or margin (``matching.services``): kept, proposed and
    # shown on the match page, but neither assigned nor notified until a manager promotes it.
    other_candidate = models.BooleanField(
        _("other candidate"),
        default=False,
        help_text=_("Proposed but not routed: the offer's best matches fill its quota."),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_contact_due = models.DateField(_("first contact due"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("contacted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    stage_changed_at = models.DateTimeField(_("stage changed"), default=timezone.now)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-score", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "need"], name="match_offer_need_unique")
        ]
        indexes = [
            models.Index(fields=["manager", "stage"], name="match_manager_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} → {self.need}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class MatchEvent(models.Model):
    """One step in a match's timeline; the stakeholder sees the events marked public."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("event"), max_length=40)
    from_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True, default="")
    to_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="", max_length=5000)
    visible_to_stakeholder = models.BooleanField(_("shown to the stakeholder"), default=False)
    # Details of the step (e.g. previous and new manager, e-mail recipient and subject).
    payload = models.JSONField(_("details"), default=dict, blank=True)
    # For "contact_email" events: when the e-mail left, so a repeated job sends it only once.
    email_sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("match event")
        verbose_name_plural = _("match timeline")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}"


class AccountManagerProfile(models.Model):
    """An account manager's areas of expertise, capacity and availability, for routing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.CASCADE,
        related_name="manager_profile",
    )
    areas = models.ManyToManyField(
        InterventionArea, verbose_name=_("areas of expertise"), blank=True, related_name="+"
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), default=20, help_text=_("Most open matches (weighted by stage) at once.")
    )
    available = models.BooleanField(_("available for new matches"), default=True)
    language = models.CharField(
        _("language of notifications"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="it",
    )
    last_assigned_at = models.DateTimeField(_("last assigned"), null=True, blank=True)

    class Meta:
        verbose_name = _("account manager profile")
        verbose_name_plural = _("account manager profiles")

    def __str__(self) -> str:
        return str(self.user)


class Absence(models.Model):
    """A period when an account manager takes no new matches (holiday, leave)."""

    profile = models.ForeignKey(
        AccountManagerProfile, on_delete=models.CASCADE, related_name="absences"
    )
    start = BoundedDateField(_("from"))
    end = BoundedDateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="absence_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.profile}: {self.start} - {self.end}"


class Holiday(models.Model):
    """A non-working day for SLA counting: national holidays and the city's patron saint.

    Data, not code: loaded for Milan (7 December, Sant'Ambrogio) by a command; another city
    loads its own.
    """

    date = BoundedDateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class OutreachSuggestion(models.Model):
    """An organisation whose stated interests fit a newly published need."""

    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        on_delete=models.CASCADE,
        related_name="outreach_suggestions",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"), default=0)
    reason = models.JSONField(_("reasons"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("outreach suggestion")
        verbose_name_plural = _("outreach suggestions")
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["need", "organisation"], name="outreach_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} for {self.need}"


class Notification(models.Model):
    """Something a manager must be told; sent at once or gathered in the daily digest.

    ``dedup_key`` makes every notifying job idempotent: a second run creates nothing new.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="match_notifications",
    )
    match = models.ForeignKey(
        Match,
        verbose_name=_("match"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    dedup_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    digest_sent_at = models.DateTimeField(_("in the digest of"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class IntakeItem(models.Model):
    """An offer the engine could not match, waiting in the team's intake list for a person
    to answer it. One per offer; it is answered by a person or resolved when a later run
    finds a fitting need."""

    class Reason(models.TextChoices):
        NO_FITTING_NEED = "no_fitting_need", _("No fitting need")

    offer = models.OneToOneField(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="intake_item"
    )
    reason = models.CharField(
        _("reason"), max_length=32, choices=Reason.choices, default=Reason.NO_FITTING_NEED
    )
    created_at = models.DateTimeField(_("listed"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(_("resolution"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("offer with no fitting need")
        verbose_name_plural = _("offers with no fitting need")
        ordering = ["resolved_at", "-created_at"]

    def __str__(self) -> str:
        return str(self.offer)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
