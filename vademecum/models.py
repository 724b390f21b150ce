"""The vademecum: contract templates in versions, and agreements filled from a match.

A ``TemplateVersion`` moves draft -> approved -> published -> retired. Only a draft's content
may change: once approved, its clauses and guidance are frozen by a PostgreSQL trigger (see
the migration ``template_version_immutable_trigger``), so neither a form, the admin nor a raw
SQL statement can rewrite a text the legal office has signed off. A change is a new version.

An ``Agreement`` pins the exact version it was rendered from and keeps a snapshot of the
values it was filled with, its PDF and the PDF's SHA-256.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contactpoint.date_bounds import BoundedDateField
from matching.models import Match


class EngagementMethod(models.TextChoices):
    DONATION_IN_KIND = "donation_in_kind", _("Donation in kind")
    CASH_DONATION = "cash_donation", _("Cash donation")
    SPONSORSHIP = "sponsorship", _("Sponsorship")
    MOU = "mou", _("Memorandum of understanding")
    COLLABORATION_PACT = "collaboration_pact", _("Collaboration pact")
    CORPORATE_VOLUNTEERING = "corporate_volunteering", _("Corporate volunteering")
    PRO_BONO = "pro_bono", _("Pro bono services")
    FREE_LOAN = "free_loan", _("Free loan of goods or spaces")


def pick(value: object, language: str | None = None) -> str:
    """The text of a ``{"it": ..., "en": ...}`` value in ``language`` (Italian fallback)."""
    if not isinstance(value, dict):
        return str(value or "")
    language = (language or get_language() or "it")[:2]
    return str(value.get(language) or value.get("it") or "")


class Template(models.Model):
    """One contract template per engagement method; its texts live in its versions."""

    slug = models.SlugField(_("slug"), unique=True)
    engagement_method = models.CharField(
        _("engagement method"), max_length=30, choices=EngagementMethod.choices
    )
    title_it = models.CharField(_("title (Italian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("position", "slug")
        verbose_name = _("template")
        verbose_name_plural = _("templates")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick({"it": self.title_it, "en": self.title_en})


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class TemplateVersionQuerySet(models.QuerySet["TemplateVersion"]):
    def public(self) -> TemplateVersionQuerySet:
        """Versions anyone may read: published now or published once (retired)."""
        return self.filter(status__in=(VersionStatus.PUBLISHED, VersionStatus.RETIRED))

    def published(self) -> TemplateVersionQuerySet:
        return self.filter(status=VersionStatus.PUBLISHED)


class TemplateVersion(models.Model):
    """A numbered text of a template.

    ``clauses`` is a list of ``{"key", "heading": {"it", "en"}, "body": {"it", "en"}}``;
    ``guidance`` holds the rest of the template file (summary, when to use, obligations,
    documents the company must prepare, timing, communication plan, legal bases...).
    """

    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    clauses = models.JSONField(_("clauses"), default=list)
    guidance = models.JSONField(_("guidance"), default=dict)
    changelog = models.TextField(_("changelog"), blank=True, default="", max_length=5000)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = TemplateVersionQuerySet.as_manager()

    class Meta:
        ordering = ("template", "-number")
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [
            models.UniqueConstraint(
                fields=("template", "number"), name="vademecum_version_number_unique"
            ),
            # At most one published version per template: the one the public pages show.
            models.UniqueConstraint(
                fields=("template",),
                condition=models.Q(status="published"),
                name="vademecum_one_published_version",
            ),
        ]
        permissions = [
            ("approve_templateversion", "Can approve a template version"),
            ("publish_templateversion", "Can publish or retire a template version"),
        ]

    def __str__(self) -> str:
        return f"{self.template.slug} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


def new_agreement_token() -> str:
    # 256 random bits: the download address cannot be guessed or enumerated.
    return secrets.token_urlsafe(32)


class AgreementStatus(models.TextChoices):
    RENDERING = "rendering", _("Being prepared")
    READY = "ready", _("Waiting for signature")
    SIGNED = "signed", _("Signed")
    FAILED = "failed", _("Rendering failed")


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def for_organisation_member(self, user) -> AgreementQuerySet:
        """Agreements of the organisations ``user`` acts for (the /my/ area)."""
        from stakeholders.models import OrganisationMembership

        if not user.is_authenticated:
            return self.none()
        return self.filter(
            match__offer__organisation_id__in=OrganisationMembership.objects.filter(
                user_id=user.pk
            ).values("organisation_id")
        ).exclude(status__in=(AgreementStatus.RENDERING, AgreementStatus.FAILED))


class Agreement(models.Model):
    """An agreement for a match, rendered from one exact template version."""

    token = models.CharField(
        _("access token"), max_length=64, unique=True, default=new_agreement_token, editable=False
    )
    match = models.ForeignKey(
        Match, verbose_name=_("match"), on_delete=models.PROTECT, related_name="agreements"
    )
    version = models.ForeignKey(
        TemplateVersion,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    language = models.CharField(_("language"), max_length=5, default="it")
    entered = models.JSONField(_("values entered"), default=dict, blank=True)
    values = models.JSONField(_("placeholder values"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AgreementStatus.choices,
        default=AgreementStatus.RENDERING,
    )
    pdf = models.FileField(_("PDF"), upload_to="agreements/%Y/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    signed_on = BoundedDateField(_("signed on"), null=True, blank=True)
    protocol_number = models.CharField(_("protocol number"), max_length=60, blank=True, default="")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked signed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"{self.version} / match {self.match_id}"
