"""Privacy records: the versions of the consent texts, erasures and retention notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class ConsentTextQuerySet(models.QuerySet["ConsentText"]):
    def all_in_force(self, *, at=None) -> dict[str, ConsentText]:
        """The version in force of every purpose that has one, by purpose, in one query."""
        at = at or timezone.now()
        rows = (
            self.filter(effective_from__lte=at)
            .order_by("purpose", "-effective_from", "-pk")
            .distinct("purpose")
        )
        return {text.purpose: text for text in rows}

    def in_force(self, purpose: str, *, at=None) -> ConsentText | None:
        """The version a person agrees to now: the latest one already effective."""
        at = at or timezone.now()
        return (
            self.filter(purpose=purpose, effective_from__lte=at)
            .order_by("-effective_from", "-pk")
            .first()
        )


class ConsentText(models.Model):
    """One version of the wording a person agrees to for a purpose, in Italian and English.

    Versions are never edited once stored: a change of wording is a new version, so every
    ``Consent`` keeps pointing at the exact text the person saw. ``%(city)s`` in a text
    stands for the city's name (``CONTACTPOINT_CITY``).
    """

    purpose = models.CharField(_("purpose"), max_length=20)
    version = models.CharField(_("version"), max_length=40)
    text_it = models.TextField(_("text (Italian)"), max_length=3000)
    text_en = models.TextField(_("text (English)"), max_length=3000)
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ConsentTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["purpose", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_text_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.version}"

    def text_in(self, language: str) -> str:
        text = self.text_en if language.startswith("en") and self.text_en else self.text_it
        return text % {"city": settings.CONTACTPOINT_CITY} if "%(city)s" in text else text

    @property
    def text(self) -> str:
        """The wording in the active language, with the city's name filled in."""
        return self.text_in(translation.get_language() or "it")


class PersonErasure(models.Model):
    """One anonymisation of a person: its id is the ``#`` in "Persona cancellata #<id>".

    Holds no personal data, only what was done and why.
    """

    class Reason(models.TextChoices):
        REQUEST = "request", _("The person asked for erasure")
        RETENTION = "retention", _("Inactive beyond the retention period")
        STAFF = "staff", _("Decided by staff")

    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    created_at = models.DateTimeField(_("anonymised"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("anonymised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    counts = models.JSONField(_("records changed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("Erased person #%(id)s") % {"id": self.pk}


class RetentionNotice(models.Model):
    """The warning e-mail sent to an inactive contact before their data are anonymised.

    One per contact and inactivity period (``period`` is the date of the last activity
    it is about), so a re-run of the job never warns twice. ``kept_at`` is set when the
    person follows the link to keep their data; that counts as activity.
    """

    contact = models.ForeignKey(
        "stakeholders.ContactPerson",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="retention_notices",
    )
    period = models.DateField(_("last activity"))
    sent_at = models.DateTimeField(_("warned"), null=True, blank=True)
    anonymise_after = models.DateTimeField(_("anonymised after"))
    kept_at = models.DateTimeField(_("kept"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("retention notice")
        verbose_name_plural = _("retention notices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "period"], name="retention_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.period}"
