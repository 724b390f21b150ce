"""The private side of the market: organisations, their people, consent, history and offers."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contactpoint.search import SEARCH_CONFIG
from needs.models import InterventionArea, Municipio, Need, Neighbourhood, ResourceKind

from .names import NameKey


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def active(self) -> OrganisationQuerySet:
        return self.filter(merged_into__isnull=True)

    def visible_to(self, user) -> OrganisationQuerySet:
        """Staff (account managers, team leads) see all; a stakeholder only their own."""
        from contactpoint import roles

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or roles.has_role(user, roles.ACCOUNT_MANAGER, roles.TEAM_LEAD):
            return self.all()
        return self.filter(memberships__user=user)


class Organisation(models.Model):
    """A company, foundation, association, university, third-sector body or network."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        FOUNDATION = "foundation", _("Foundation")
        ASSOCIATION = "association", _("Association")
        UNIVERSITY = "university", _("University")
        THIRD_SECTOR = "third_sector", _("NGO / third sector")
        NETWORK = "network", _("Network of networks")
        PUBLIC_BODY = "public_body", _("Public body")

    class Size(models.TextChoices):
        MICRO = "micro", _("Micro (fewer than 10 people)")
        SMALL = "small", _("Small (10-49)")
        MEDIUM = "medium", _("Medium (50-249)")
        LARGE = "large", _("Large (250 or more)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    legal_name = models.CharField(_("legal name"), max_length=200)
    # The distinctive part of the name (no legal forms, accents or punctuation), computed by
    # the database: look-alikes are found through its trigram index (stakeholders/names.py).
    name_key = models.GeneratedField(
        expression=NameKey("legal_name"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )
    # Italian codice fiscale (11 digits for legal persons, 16 characters for people) and
    # partita IVA, stored normalised (upper case, no spaces); validated by the services.
    tax_code = models.CharField(_("tax code"), max_length=16, blank=True, default="")
    vat_number = models.CharField(_("VAT number"), max_length=13, blank=True, default="")
    website = models.URLField(_("website"), blank=True, default="")
    # The domain of the organisation's e-mails (e.g. "assolombarda.it"), for duplicate checks.
    email_domain = models.CharField(_("e-mail domain"), max_length=100, blank=True, default="")
    # Only staff set this, after checking the domain really is the organisation's: a verified
    # address at a verified domain is proof enough to act for it (offer_accounts.may_act_for).
    email_domain_verified = models.BooleanField(
        _("e-mail domain verified"),
        default=False,
        help_text=_(
            "Checked by staff: anyone who verifies an address at this domain may act for the "
            "organisation."
        ),
    )
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True, default="")
    sector = models.CharField(_("sector"), max_length=120, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="", max_length=5000)
    interests = models.ManyToManyField(
        InterventionArea, verbose_name=_("thematic interests"), blank=True, related_name="+"
    )
    preferred_municipi = models.ManyToManyField(
        Municipio, verbose_name=_("preferred municipi"), blank=True, related_name="+"
    )
    preferred_neighbourhoods = models.ManyToManyField(
        Neighbourhood, verbose_name=_("preferred neighbourhoods"), blank=True, related_name="+"
    )
    allow_logo_use = models.BooleanField(_("the city may show our logo"), default=False)
    allow_press = models.BooleanField(_("the city may mention us to the press"), default=False)
    allow_social = models.BooleanField(_("the city may mention us on social media"), default=False)
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_organisations",
        help_text=_("The account manager who keeps the relationship."),
    )
    member_of = models.ManyToManyField(
        "self",
        verbose_name=_("member of"),
        symmetrical=False,
        blank=True,
        related_name="members",
        help_text=_("Networks this organisation belongs to (e.g. Assolombarda, Sodalitas)."),
    )
    local_group = models.BooleanField(_("member of the local group"), default=False)
    focus_group = models.BooleanField(_("member of the focus group"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name"]
        indexes = [
            GinIndex(name="org_name_trgm_idx", fields=["legal_name"], opclasses=["gin_trgm_ops"]),
            GinIndex(name="org_name_key_trgm_idx", fields=["name_key"], opclasses=["gin_trgm_ops"]),
            models.Index(fields=["name_key"], name="org_name_key_idx"),
            models.Index(fields=["email_domain"], name="org_email_domain_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"],
                name="org_unique_tax_code",
                condition=~Q(tax_code="") & Q(merged_into__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["vat_number"],
                name="org_unique_vat_number",
                condition=~Q(vat_number="") & Q(merged_into__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name


class OrganisationMerge(models.Model):
    """One merge of a duplicate into a survivor, with both records' state before it.

    The snapshot is what :func:`stakeholders.merging.undo_merge` restores from.
    """

    survivor = models.ForeignKey(
        Organisation,
        verbose_name=_("kept organisation"),
        on_delete=models.PROTECT,
        related_name="merges_received",
    )
    duplicate = models.ForeignKey(
        Organisation,
        verbose_name=_("merged-away organisation"),
        on_delete=models.PROTECT,
        related_name="merges_away",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("merged"), default=timezone.now)
    snapshot = models.JSONField(_("state before the merge"), default=dict, editable=False)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("organisation merge")
        verbose_name_plural = _("organisation merges")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.duplicate} -> {self.survivor}"


class OrganisationMembership(models.Model):
    """A user account that acts for an organisation in the stakeholder area."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="organisation_memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation user")
        verbose_name_plural = _("organisation users")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="org_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class ContactPerson(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    role = models.CharField(_("role"), max_length=120, blank=True, default="")
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="it"
    )
    is_primary = models.BooleanField(_("main contact"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["-is_primary", "last_name", "first_name"]
        indexes = [models.Index(fields=["email"], name="contact_email_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Consent(models.Model):
    """What a contact person agreed to, on which text version, and when; withdrawable."""

    class Purpose(models.TextChoices):
        CONTACT = "contact", _("Being contacted about offers and collaborations")
        SURVEY = "survey", _("Receiving the annual survey")
        NEWS = "news", _("Receiving news from the contact point")
        PUBLICITY = "publicity", _("Being named in the city's communication")

    contact = models.ForeignKey(
        ContactPerson, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    text_version = models.CharField(_("text version"), max_length=40)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=40, default="form")

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.contact} {self.purpose} {self.text_version}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Interaction(models.Model):
    """A meeting, call, event or message: the relationship history an account manager reads."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Call")
        EVENT = "event", _("Event")
        EMAIL = "email", _("E-mail")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    contact = models.ForeignKey(
        ContactPerson,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"), default=timezone.localdate)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, default="", max_length=10000)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.subject}"


class DuplicateFlag(models.Model):
    """Two organisations that may be the same, waiting for staff to merge or dismiss."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="duplicate_flags",
    )
    candidate = models.ForeignKey(
        Organisation,
        verbose_name=_("may be the same as"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200)
    similarity = models.FloatField(_("similarity"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, blank=True, default="")
    # Raised by an offer about its own organisation (``candidate`` is the organisation
    # itself): its known tax code came with another name, or its contact writes from
    # another mail domain. Staff compare the two and merge, correct or dismiss.
    offer = models.ForeignKey(
        "Offer",
        verbose_name=_("offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicate_flags",
    )
    submitted_name = models.CharField(
        _("name typed on the offer"), max_length=200, blank=True, default=""
    )

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "candidate"],
                name="duplicate_flag_unique",
                condition=Q(offer__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["offer", "reason"],
                name="duplicate_flag_offer_unique",
                condition=Q(offer__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ~ {self.candidate}"


class OfferQuerySet(models.QuerySet["Offer"]):
    def visible_to(self, user) -> OfferQuerySet:
        """Staff see all offers; a stakeholder sees their organisations' offers."""
        from contactpoint import roles

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or roles.has_role(user, roles.ACCOUNT_MANAGER, roles.TEAM_LEAD):
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
    title = models.CharField(_("what you offer, in short"), max_length=200)
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
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
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
    submitted_organisation_name = models.CharField(
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


class ErasureRequest(models.Model):
    """A stakeholder user asked for their personal data to be erased (GDPR art. 17).

    Recorded from the stakeholder area; staff handle it in the admin, since erasure must
    weigh what the city has to keep (agreements, the audit trail).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Erased")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="erasure_requests",
    )
    # Kept so the request still says who asked once the account itself is erased.
    email = models.EmailField(_("e-mail"), blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="", max_length=2000)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    notes = models.TextField(_("staff notes"), blank=True, default="", max_length=5000)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email or self.user_id} {self.created_at:%Y-%m-%d}"


class ImportJob(models.Model):
    """An admin import of organisations or contacts, run by the worker with its progress.

    The uploaded file is kept with the job; the rows' outcomes are kept for the report.
    The id is the job's idempotency key: running the same job twice imports once.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("import job", "Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20)
    filename = models.CharField(_("file name"), max_length=200)
    upload = models.FileField(_("uploaded file"), upload_to="imports/%Y/%m/")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    outcomes = models.JSONField(_("row outcomes"), default=list, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
