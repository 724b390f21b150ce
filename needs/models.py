"""The city's side of the market: departments, geography, intervention areas and needs.

Geography, departments and areas are reference data (fixtures, admin), never constants:
another city loads its own.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQueryField, SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contactpoint.clean_text import NameField
from contactpoint.date_bounds import BoundedDateField
from contactpoint.search import SEARCH_CONFIG


class TranslatedNameMixin(models.Model):
    """Reference data named in Italian (``name``) with an optional English name."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "it").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Municipio(TranslatedNameMixin):
    """An administrative district of the city (Milan has 9)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)

    class Meta:
        verbose_name = _("municipio")
        verbose_name_plural = _("municipi")
        ordering = ["number"]


class Neighbourhood(models.Model):
    """A NIL (Nucleo d'Identità Locale): one of Milan's 88 neighbourhoods.

    ``official_name`` is written exactly as the Comune writes it; ``name`` is for display.
    A NIL may straddle several Municipi; ``municipio`` is the one holding most of its area.
    """

    nil_id = models.PositiveSmallIntegerField(_("NIL id"), unique=True)
    official_name = models.CharField(_("official name"), max_length=200)
    name = models.CharField(_("name"), max_length=200)
    municipio = models.ForeignKey(
        Municipio, verbose_name=_("main municipio"), on_delete=models.PROTECT, related_name="+"
    )
    municipi = models.ManyToManyField(
        Municipio, verbose_name=_("municipi"), related_name="neighbourhoods"
    )
    lat = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    lon = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)

    class Meta:
        verbose_name = _("neighbourhood (NIL)")
        verbose_name_plural = _("neighbourhoods (NIL)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(TranslatedNameMixin):
    """A city department that owns needs (Social Policies, Education, ...)."""

    slug = models.SlugField(_("code"), unique=True)
    email = models.EmailField(_("e-mail"), blank=True, default="")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="departments",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]


class InterventionArea(TranslatedNameMixin):
    """A theme of the city's CSR plan (food poverty, digital poverty, STEM, ...)."""

    slug = models.SlugField(_("code"), unique=True)
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("intervention area")
        verbose_name_plural = _("intervention areas")
        ordering = ["name"]


class ResourceKind(models.TextChoices):
    GOODS = "goods", _("Goods in kind")
    FUNDING = "funding", _("Funding")
    EXPERTISE = "expertise", _("Expertise / pro bono")
    VOLUNTEERING = "volunteering", _("Volunteering")
    SPACES = "spaces", _("Spaces")


class NeedQuerySet(models.QuerySet["Need"]):
    def published(self) -> NeedQuerySet:
        """What the public catalogue shows: open needs (published or partly covered)."""
        return self.filter(status__in=Need.PUBLIC_STATUSES)

    def visible_to(self, user) -> NeedQuerySet:
        """Needs a user may read: public ones, plus their own departments' drafts; staff all."""
        from contactpoint import roles

        if not user.is_authenticated:
            return self.published()
        if user.is_superuser or roles.has_role(
            user, roles.ACCOUNT_MANAGER, roles.TEAM_LEAD, roles.CABINET, roles.LEGAL
        ):
            return self.all()
        if roles.has_role(user, roles.DEPARTMENT):
            # A subquery, not a join: a join on members would repeat a public need once
            # per member of its department.
            own = Department.objects.filter(members=user).values("pk")
            return self.filter(Q(status__in=Need.PUBLIC_STATUSES) | Q(department__in=own))
        return self.published()

    def editable_by(self, user) -> NeedQuerySet:
        """Needs a user may change: department users their departments' needs only."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(department__members=user)

    def stale(self) -> NeedQuerySet:
        limit = timezone.now() - timedelta(days=settings.NEED_STALE_AFTER_DAYS)
        return self.filter(Q(last_reviewed_at__lt=limit) | Q(last_reviewed_at__isnull=True))


class Need(models.Model):
    """Something the city needs, posted and kept up to date by one department."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        PARTIALLY_COVERED = "partially_covered", _("Partially covered")
        COVERED = "covered", _("Covered")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.PARTIALLY_COVERED)

    title = NameField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="needs"
    )
    area = models.ForeignKey(
        InterventionArea,
        verbose_name=_("intervention area"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    resource_kind = models.CharField(
        _("resource kind"), max_length=20, choices=ResourceKind.choices
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    unit = models.CharField(_("unit"), max_length=40, help_text=_("e.g. PCs, hours, euro"))
    quantity_open = models.PositiveIntegerField(_("quantity still open"))
    beneficiaries = models.CharField(
        _("beneficiaries"), max_length=300, help_text=_("Who benefits, e.g. pupils of year 5")
    )
    beneficiaries_count = models.PositiveIntegerField(
        _("number of beneficiaries"), null=True, blank=True
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood (NIL)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
        help_text=_("Leave empty for a city-wide need."),
    )
    school = models.CharField(_("school"), max_length=200, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    wanted_by = BoundedDateField(_("wanted by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The lemmas of the words that Snowball stems alone would not bring together
    # ("laboratori" -> "laboratorio"), written by the services (``needs.language``).
    title_lemmas = models.TextField(editable=False, blank=True, default="")
    text_lemmas = models.TextField(editable=False, blank=True, default="")
    search_vector = models.GeneratedField(
        expression=SearchVector("title", "title_lemmas", weight="A", config=SEARCH_CONFIG)
        + SearchVector("beneficiaries", "school", weight="B", config=SEARCH_CONFIG)
        + SearchVector("description", "text_lemmas", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-priority", "wanted_by", "-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="need_search_idx"),
            GinIndex(name="need_title_trgm_idx", fields=["title"], opclasses=["gin_trgm_ops"]),
            models.Index(fields=["status", "resource_kind", "area"], name="need_filter_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_open__lte=models.F("quantity")),
                name="need_open_quantity_within_quantity",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def is_stale(self) -> bool:
        if self.last_reviewed_at is None:
            return True
        age = timezone.now() - self.last_reviewed_at
        return age > timedelta(days=settings.NEED_STALE_AFTER_DAYS)

    @property
    def quantity_covered(self) -> int:
        return self.quantity - self.quantity_open


class ThesaurusGroup(models.Model):
    """Terms that mean the same thing to the catalogue and the matching engine
    ("notebook", "laptop", "PC portatile", ...). Loaded from ``needs/data/thesaurus.csv``,
    edited by the team lead in the admin; another city loads its own."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    generic = models.BooleanField(
        _("generic words"),
        default=False,
        help_text=_(
            "Not synonyms but words too common to tell needs apart (school, pupils, "
            "families): they link nothing and do not count for the text relevance of a match."
        ),
    )

    class Meta:
        verbose_name = _("thesaurus group")
        verbose_name_plural = _("thesaurus")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ThesaurusTerm(models.Model):
    """One term of a group, a word or a phrase, in Italian or English."""

    group = models.ForeignKey(
        ThesaurusGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="terms"
    )
    term = models.CharField(_("term"), max_length=100)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="it"
    )
    # The term as a phrase query in the search configuration ("PC portatile" ->
    # 'pc' <-> 'portatil'): what a search document must contain to mention it.
    query = models.GeneratedField(
        expression=models.Func(
            models.F("term"),
            template=f"phraseto_tsquery('{SEARCH_CONFIG}'::regconfig, %(expressions)s)",
        ),
        output_field=SearchQueryField(),
        db_persist=True,
    )
    # Its lexemes ("PC portatile" -> {pc, portatil}), for the matching engine's SQL.
    lexemes = models.GeneratedField(
        expression=models.Func(
            models.F("term"),
            template=(
                f"tsvector_to_array(to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s))"
            ),
        ),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("thesaurus term")
        verbose_name_plural = _("thesaurus terms")
        ordering = ["group", "term"]
        constraints = [
            models.UniqueConstraint(fields=["group", "term"], name="thesaurus_term_once_per_group")
        ]

    def __str__(self) -> str:
        return self.term


class NeedReminder(models.Model):
    """A weekly stale-need reminder sent to a department: at most one per department and week."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="need_reminders",
    )
    week = models.DateField(_("week (Monday)"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    need_ids = models.JSONField(_("needs"), default=list)
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        verbose_name = _("stale need reminder")
        verbose_name_plural = _("stale need reminders")
        ordering = ["-week", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "week"], name="need_reminder_once_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} - {self.week:%Y-%m-%d}"
