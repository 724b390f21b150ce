"""Offers: what an organisation puts at the city's disposal."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactpoint.clean_text import NameField
from contactpoint.date_bounds import BoundedDateField
from contactpoint.search import SEARCH_CONFIG
from needs.models import InterventionArea, Municipio, Need, Neighbourhood, ResourceKind

from .organisations import ContactPerson, Organisation


class OfferQuerySet(models.QuerySet["Offer"]):
    def visible_to(self, user) -> OfferQuerySet:
        """Staff see all offers; a stakeholder sees their organisations' offers."""
        from contactpoint import roles

        if not user.is_authenticated:
            return self.none()
        if roles.is_account_staff(user):
            return self.all()
        return self.filter(organisation__memberships__user=user)

    def open(self) -> OfferQuerySet:
        return self.filter(status__in=Offer.OPEN_STATUSES)


def new_tracking_token() -> str:
    return secrets.token_urlsafe(32)


class Offer(models.Model):
    """What an organisation offers the city, submitted on the public form or the API.

    Saved before anything else happens; matching is queued after the commit.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("Being reviewed")
        MATCHED = "matched", _("Matched with a need")
        IN_PROGRESS = "in_progress", _("Collaboration in progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DECLINED = "declined", _("Declined")

    OPEN_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.MATCHED, Status.IN_PROGRESS)

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    contact = models.ForeignKey(
        ContactPerson,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offers",
    )
    resource_kind = models.CharField(
        _("resource kind"), max_length=20, choices=ResourceKind.choices
    )
    title = NameField(_("what you offer, in short"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    unit = models.CharField(_("unit"), max_length=40)
    # What is not yet promised to a need: matching splits an offer across needs.
    quantity_open = models.PositiveIntegerField(_("quantity not yet allocated"))
    areas = models.ManyToManyField(
        InterventionArea, verbose_name=_("intervention areas"), blank=True, related_name="offers"
    )
    neighbourhoods = models.ManyToManyField(
        Neighbourhood,
        verbose_name=_("neighbourhoods"),
        blank=True,
        related_name="offers",
        help_text=_("Leave empty to offer help anywhere in the city."),
    )
    municipi = models.ManyToManyField(
        Municipio, verbose_name=_("municipi"), blank=True, related_name="offers"
    )
    available_from = BoundedDateField(_("available from"), null=True, blank=True)
    available_until = BoundedDateField(_("available until"), null=True, blank=True)
    allow_logo_use = models.BooleanField(_("the city may show our logo"), default=False)
    allow_press = models.BooleanField(_("the city may mention us to the press"), default=False)
    allow_social = models.BooleanField(_("the city may mention us on social media"), default=False)
    need = models.ForeignKey(
        Need,
        verbose_name=_("for the need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_offers",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="it"
    )
    submitted_email = models.EmailField(_("submitted by (e-mail)"))
    # The organisation's name as the submitter typed it: the registry may know the body
    # under another name, which the submitter must never be shown.
    submitted_organisation_name = NameField(
        _("organisation name as typed"), max_length=200, blank=True, default=""
    )
    tracking_token = models.CharField(max_length=64, unique=True, default=new_tracking_token)
    # A double click or a resubmit carries the same key and creates no second offer.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # This submission registered the organisation (it was not known before): proof enough
    # for the submitter's verified e-mail to act for it (see offer_accounts.may_act_for).
    created_organisation = models.BooleanField(
        _("registered the organisation"), default=False, editable=False
    )
    # Claimed by the task that sends the confirmation e-mail, so it goes out once.
    confirmation_sent_at = models.DateTimeField(
        _("confirmation e-mail sent"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # The lemmas of its words (``needs.language``), written with the text.
    title_lemmas = models.TextField(editable=False, blank=True, default="")
    text_lemmas = models.TextField(editable=False, blank=True, default="")
    search_vector = models.GeneratedField(
        expression=SearchVector("title", "title_lemmas", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", "text_lemmas", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at"]
        indexes = [
            GinIndex(fields=["search_vector"], name="offer_search_idx"),
            models.Index(fields=["submitted_email"], name="offer_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_open__lte=models.F("quantity")),
                name="offer_open_quantity_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(available_until__isnull=True)
                | Q(available_from__isnull=True)
                | Q(available_until__gte=models.F("available_from")),
                name="offer_availability_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def organisation_name_as_typed(self) -> str:
        """What the submitter wrote as the organisation's name (for their pages and e-mails)."""
        return self.submitted_organisation_name or self.organisation.legal_name
