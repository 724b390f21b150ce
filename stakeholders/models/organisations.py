"""Organisations, their merges, people, consent, history and possible duplicates."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactpoint.clean_text import NameField
from contactpoint.date_bounds import BoundedDateField
from needs.models import InterventionArea, Municipio, Neighbourhood

from ..names import NameKey


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def active(self) -> OrganisationQuerySet:
        return self.filter(merged_into__isnull=True)

    def visible_to(self, user) -> OrganisationQuerySet:
        """Staff (account managers, team leads) see all; a stakeholder only their own."""
        from contactpoint import roles

        if not user.is_authenticated:
            return self.none()
        if roles.is_account_staff(user):
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
    legal_name = NameField(_("legal name"), max_length=200)
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
    first_name = NameField(_("first name"), max_length=100)
    last_name = NameField(_("last name"), max_length=100)
    role = models.CharField(_("role"), max_length=120, blank=True, default="")
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="it"
    )
    is_primary = models.BooleanField(_("main contact"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set when the person was anonymised (stakeholders.privacy): the row stays for the counts.
    erased_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

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
    # The exact wording agreed to (``text_version`` repeats its version for filters).
    text = models.ForeignKey(
        "stakeholders.ConsentText",
        verbose_name=_("text agreed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
    )
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
    date = BoundedDateField(_("date"), default=timezone.localdate)
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
    submitted_name = NameField(_("name typed on the offer"), max_length=200, blank=True, default="")

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
