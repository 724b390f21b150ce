"""Monitoring: the impact of each collaboration, the indicator registry and capacity building.

A collaboration is a match that reached "in delivery". Its impact record keeps outputs
(evidence that the activity happened: devices delivered, pupils in workshops) apart from
outcomes (what changed, along the impact matrix), as ESRS S3 AR 36 and B4SI ask.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contactpoint import uploads
from contactpoint.date_bounds import BoundedDateField
from matching.models import Match
from needs.models import Department

EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "csv", "xlsx", "docx", "odt")


class Level(models.TextChoices):
    INPUT = "input", _("Input")
    OUTPUT = "output", _("Output")
    OUTCOME = "outcome", _("Outcome")
    PROGRAMME = "programme", _("Programme")


class Indicator(models.Model):
    """One indicator of the plan's monitoring framework: data, not code.

    ``code`` ties the row to its computation in ``monitoring.kpis``; another city changes
    targets, baselines and wording in the admin without touching the code.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True, default="")
    definition = models.TextField(_("definition"), blank=True, default="")
    unit = models.CharField(_("unit"), max_length=40)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    period = models.CharField(_("period"), max_length=40, default="year")
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    sdg_target = models.CharField(_("SDG target"), max_length=40, blank=True, default="")
    iris_code = models.CharField(
        _("IRIS+ code"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("Only codes whose definition was checked against IRIS+ v5.3."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "it").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class EngagementMethod(models.TextChoices):
    DONATION = "donation", _("Donation")
    VOLUNTEERING = "volunteering", _("Employee volunteering")
    SPONSORSHIP = "sponsorship", _("Sponsorship")
    PRO_BONO = "pro_bono", _("Pro bono expertise")
    CO_DESIGN = "co_design", _("Co-design")


class VerificationLevel(models.TextChoices):
    SELF = "self", _("Self-declared")
    CITY = "city", _("Checked by the city")
    BENEFICIARY = "beneficiary", _("Confirmed by the beneficiary")
    THIRD_PARTY = "third_party", _("Verified by a third party")


class CollaborationQuerySet(models.QuerySet["Collaboration"]):
    def editable_by(self, user) -> CollaborationQuerySet:
        """Account managers edit the records of their own matches; team leads all."""
        from contactpoint import roles

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or roles.has_role(user, roles.TEAM_LEAD):
            return self.all()
        if roles.has_role(user, roles.ACCOUNT_MANAGER):
            return self.filter(match__manager=user)
        return self.none()

    def missing_impact_data(self) -> CollaborationQuerySet:
        """Collaborations without any actual output value or without an evaluation."""
        return self.filter(
            Q(evaluated_at__isnull=True)
            | ~Q(pk__in=ImpactOutput.objects.filter(actual__isnull=False).values("collaboration"))
        )


def new_confirmation_token() -> str:
    return secrets.token_urlsafe(32)


class Collaboration(models.Model):
    """The impact record of a match that reached "in delivery"."""

    match = models.OneToOneField(
        Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="collaboration"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    engagement_method = models.CharField(
        _("engagement method"),
        max_length=20,
        choices=EngagementMethod.choices,
        default=EngagementMethod.DONATION,
    )
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments involved"), blank=True, related_name="+"
    )
    co_designed_with = models.TextField(
        _("who co-designed"),
        blank=True,
        default="",
        max_length=2000,
        help_text=_("Schools, services, associations or residents involved, and at what stage."),
    )
    why_this_area = models.TextField(_("why this area"), blank=True, default="", max_length=2000)
    cash_eur = models.DecimalField(
        _("cash given (euro)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    evaluation = models.TextField(
        _("impact evaluation"),
        blank=True,
        default="",
        max_length=5000,
        help_text=_("What changed, what did not, and why; required before completion."),
    )
    method_and_limits = models.TextField(
        _("method and limits"), blank=True, default="", max_length=3000
    )
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    verification_level = models.CharField(
        _("verification level"),
        max_length=12,
        choices=VerificationLevel.choices,
        default=VerificationLevel.SELF,
    )
    # Only the hash of the beneficiary's private link is stored: a leaked database does not
    # let anyone confirm a delivery.
    confirmation_token_hash = models.CharField(max_length=64, blank=True, default="")
    # The link is an HMAC of id and nonce, so the job that e-mails it can rebuild it.
    confirmation_nonce = models.CharField(max_length=64, blank=True, default="")
    confirmation_emailed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_to = models.EmailField(
        _("confirmation asked of"),
        blank=True,
        default="",
        help_text=_(
            "The school's or service's e-mail: saving sends it a private link to confirm "
            "the delivery."
        ),
    )
    confirmed_at = models.DateTimeField(_("confirmed by the beneficiary"), null=True, blank=True)
    confirmed_by = models.CharField(_("confirmed by"), max_length=200, blank=True, default="")
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = CollaborationQuerySet.as_manager()

    class Meta:
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return str(self.match)

    @property
    def is_evaluated(self) -> bool:
        return self.evaluated_at is not None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OutputKind(models.TextChoices):
    BENEFICIARIES = "beneficiaries", _("Beneficiaries reached")
    DEVICES = "devices", _("Devices delivered")
    PUPILS = "pupils", _("Pupils in workshops")
    VOLUNTEER_HOURS = "volunteer_hours", _("Volunteer hours")
    VALUE_IN_KIND = "value_in_kind_eur", _("Value in kind (euro)")


class ImpactOutput(models.Model):
    """An output of a collaboration: expected and actual value of one counted thing."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="outputs"
    )
    kind = models.CharField(_("output"), max_length=20, choices=OutputKind.choices)
    expected = models.DecimalField(
        _("expected"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    actual = models.DecimalField(
        _("actual"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("output")
        verbose_name_plural = _("outputs")
        constraints = [
            models.UniqueConstraint(fields=["collaboration", "kind"], name="impact_output_once"),
            models.CheckConstraint(
                condition=(Q(expected__isnull=True) | Q(expected__gte=0))
                & (Q(actual__isnull=True) | Q(actual__gte=0)),
                name="impact_output_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.actual}"


class ImpactDimension(models.TextChoices):
    SOCIAL = "social", _("Social")
    EDUCATIONAL = "educational", _("Educational")
    ENVIRONMENTAL = "environmental", _("Environmental")
    ECONOMIC = "economic", _("Economic")


class ImpactOutcome(models.Model):
    """A change the collaboration aimed at, on one dimension of the impact matrix."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="outcomes"
    )
    dimension = models.CharField(_("dimension"), max_length=16, choices=ImpactDimension.choices)
    description = models.CharField(_("outcome"), max_length=300)
    expected = models.CharField(_("expected"), max_length=200, blank=True, default="")
    actual = models.CharField(_("actual"), max_length=200, blank=True, default="")
    sdg_target = models.CharField(_("SDG target"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["dimension", "pk"]

    def __str__(self) -> str:
        return self.description


def validate_evidence_size(file) -> None:
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g}"}
        )


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.collaboration_id}/{secrets.token_hex(8)}{Path(filename).suffix}"


class Evidence(models.Model):
    """A file (delivery note, photo, register) or a link proving an output."""

    collaboration = models.ForeignKey(
        Collaboration, on_delete=models.CASCADE, related_name="evidence"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=evidence_path,
        blank=True,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS), validate_evidence_size],
    )
    url = models.URLField(_("link"), blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(condition=~Q(file="") | ~Q(url=""), name="evidence_file_or_link")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not self.file and not self.url:
            raise ValidationError(_("Attach a file or give a link."))
        if self.file and not getattr(self.file, "_committed", True):  # a new upload
            try:
                uploads.check_upload(self.file, allowed=EVIDENCE_EXTENSIONS)
            except ValidationError as exc:
                raise ValidationError({"file": exc.messages}) from exc


class TrainingSession(models.Model):
    """A capacity-building session for city staff."""

    title = models.CharField(_("title"), max_length=200)
    date = BoundedDateField(_("date"), db_index=True)
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, default=1, validators=[MinValueValidator(0)]
    )
    trainer = models.CharField(_("trainer"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class TrainingAttendance(models.Model):
    """One person of one department at a session; a person is counted once by e-mail."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [
            models.UniqueConstraint(fields=["session", "email"], name="training_attendee_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.department})"


class WeeklyReminder(models.Model):
    """A weekly reminder to a staff member (missing impact data, consents to renew): at most
    one per kind, person and week."""

    class Kind(models.TextChoices):
        IMPACT = "impact", _("Collaborations missing impact data")
        CONSENT = "consent", _("Consents to renew")

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.IMPACT)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(_("week (Monday)"))
    collaboration_ids = models.JSONField(default=list)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("weekly reminder")
        verbose_name_plural = _("weekly reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "manager", "week"], name="weekly_reminder_once_a_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.manager} {self.week}"


class Audience(models.TextChoices):
    STAFF = "staff", _("Municipality staff")
    STAKEHOLDERS = "stakeholders", _("Stakeholders")


class SurveyCampaign(models.Model):
    """The annual survey: opened by a job on ``opens_on``, reminders weekly until it closes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    opens_on = BoundedDateField(_("opens on"))
    closes_on = BoundedDateField(_("closes on"))
    reminder_every_days = models.PositiveSmallIntegerField(
        _("reminder every (days)"), default=7, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gt=models.F("opens_on")), name="survey_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    """One question, for staff, stakeholders or both; a topic question feeds the focus group."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Free text")
        CHOICE = "choice", _("One choice")
        SCALE = "scale", _("Scale 1-5")

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="questions")
    audience = models.CharField(
        _("for"),
        max_length=12,
        choices=Audience.choices,
        blank=True,
        default="",
        help_text=_("Empty: everyone."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True, default="")
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("For one-choice questions.")
    )
    proposes_topics = models.BooleanField(
        _("answers are topics for the focus group"), default=False
    )
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        if (get_language() or "it").startswith("en") and self.text_en:
            return self.text_en
        return self.text


class SurveyInvitation(models.Model):
    """One invited person. The private link is an HMAC of id and ``nonce`` (so a reminder can
    repeat it); only its hash is stored for the look-up."""

    campaign = models.ForeignKey(
        SurveyCampaign, on_delete=models.CASCADE, related_name="invitations"
    )
    audience = models.CharField(max_length=12, choices=Audience.choices)
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    language = models.CharField(max_length=5, default="it")
    nonce = models.CharField(max_length=64, default=new_confirmation_token)
    token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("invited"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "email"], name="survey_invited_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.year} {self.email}"


class SurveyAnswer(models.Model):
    invitation = models.ForeignKey(
        SurveyInvitation, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(_("answer"), max_length=3000)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="survey_answer_once")
        ]

    def __str__(self) -> str:
        return self.value[:60]


class CompanyStatement(models.Model):
    """The city's sign-off of an organisation's yearly statement; the annex's SHA-256 ties
    the signed PDF to the exact figures of its CSV/JSON annex."""

    organisation = models.ForeignKey(
        "stakeholders.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off"), default=timezone.now)
    annex_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("company statement")
        verbose_name_plural = _("company statements")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="statement_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"
