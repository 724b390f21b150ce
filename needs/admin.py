"""Admin for the needs catalogue.

Department users see and change only their departments' needs: the queryset, the
department choices and the per-object permission all say so, and another department's
need is a 404. Every change goes through ``needs.services`` (audited, re-matched).
Reference data is read-mostly: it is loaded from files by ``load_reference_data``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactpoint import roles
from contactpoint.admin_scope import act_on_each

from . import language, services
from .forms import NeedForm
from .models import (
    Department,
    InterventionArea,
    Municipio,
    Need,
    NeedReminder,
    Neighbourhood,
    ThesaurusGroup,
    ThesaurusTerm,
)


def _restricted(request: HttpRequest) -> bool:
    """Department users are limited to their departments; other staff read everything."""
    user = request.user
    return not user.is_superuser and roles.has_role(user, roles.DEPARTMENT)


class StaleFilter(admin.SimpleListFilter):
    title = _("stale")
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Stale (not reviewed lately)")), ("no", _("Reviewed lately"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Need]) -> QuerySet[Need]:
        stale_ids = Need.objects.stale().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=stale_ids)
        if self.value() == "no":
            return queryset.exclude(pk__in=stale_ids)
        return queryset


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    form = NeedForm
    list_display = [
        "title",
        "department",
        "area",
        "resource_kind",
        "neighbourhood",
        "status",
        "quantity_open",
        "quantity",
        "wanted_by",
        "priority",
        "last_reviewed_at",
        "is_stale_display",
    ]
    list_filter = ["status", "area", "resource_kind", "department", StaleFilter, "priority"]
    list_select_related = ["department", "area", "neighbourhood"]
    search_fields = ["title", "description", "beneficiaries", "school"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "status",
        "quantity_open",
        "published_at",
        "created_at",
        "created_by",
        "updated_at",
        "last_reviewed_at",
        "reviewed_by",
    ]
    fieldsets = [
        (None, {"fields": ["title", "description", "department", "area", "resource_kind"]}),
        (_("Quantity"), {"fields": ["quantity", "unit", "quantity_open"]}),
        (
            _("Beneficiaries and place"),
            {
                "fields": [
                    "beneficiaries",
                    "beneficiaries_count",
                    "neighbourhood",
                    "school",
                    "address",
                ]
            },
        ),
        (_("Timing"), {"fields": ["priority", "wanted_by"]}),
        (
            _("Status and review"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "last_reviewed_at",
                    "reviewed_by",
                    "created_at",
                    "created_by",
                    "updated_at",
                ]
            },
        ),
    ]
    actions = ["publish_selected", "review_selected", "close_selected"]

    @admin.display(description=_("stale"), boolean=True)
    def is_stale_display(self, obj: Need) -> bool:
        return obj.is_public and obj.is_stale

    # --- Scope ---------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Need]:
        queryset = super().get_queryset(request)
        if _restricted(request):
            return queryset.filter(pk__in=Need.objects.editable_by(request.user).values("pk"))
        return queryset

    def has_change_permission(self, request: HttpRequest, obj: Need | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        return Need.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request: HttpRequest, obj: Need | None = None) -> bool:
        # Needs are closed, not deleted: matches and history refer to them.
        return bool(request.user.is_superuser) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department" and not request.user.is_superuser:
            kwargs["queryset"] = services.departments_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The admin builds forms without extra arguments: the user rides on a subclass.
        return type(form.__name__, (form,), {"user": request.user})

    def _not_found_unless_in_scope(self, request: HttpRequest, object_id: str | None) -> None:
        # The stock admin redirects to its index with "does not exist"; a 404 says the same
        # without a detour, as the portal's HTML and API do.
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._not_found_unless_in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._not_found_unless_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._not_found_unless_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    # --- Writes through the services -------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Need, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        if change:
            saved = services.update_need(need=obj, actor=request.user, **data)
        else:
            saved = services.create_need(actor=request.user, **data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def _run(
        self, request: HttpRequest, queryset: QuerySet[Need], service: Any, summary: Any
    ) -> None:
        act_on_each(
            self,
            request,
            queryset.filter(pk__in=Need.objects.editable_by(request.user).values("pk")),
            lambda need: service(need=need, actor=request.user),
            summary,
            level=messages.INFO,
            report_refusals=True,
            quiet_when_none=True,
        )

    @admin.action(description=_("Publish the selected needs"), permissions=["change"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        self._run(
            request,
            queryset,
            services.publish_need,
            lambda n: (
                ngettext("%(count)d need published.", "%(count)d needs published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Mark the selected needs as reviewed"), permissions=["change"])
    def review_selected(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        self._run(
            request,
            queryset,
            services.review_need,
            lambda n: (
                ngettext("%(count)d need reviewed.", "%(count)d needs reviewed.", n) % {"count": n}
            ),
        )

    @admin.action(description=_("Close the selected needs"), permissions=["change"])
    def close_selected(self, request: HttpRequest, queryset: QuerySet[Need]) -> None:
        self._run(
            request,
            queryset,
            services.close_need,
            lambda n: (
                ngettext("%(count)d need closed.", "%(count)d needs closed.", n) % {"count": n}
            ),
        )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "email", "member_count", "need_count"]
    search_fields = ["name", "name_en", "slug"]
    # Typing a name finds the person (no Ctrl-click list, usable on a phone).
    autocomplete_fields = ["members"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _members=Count("members", distinct=True), _needs=Count("needs", distinct=True)
            )
        )

    @admin.display(description=_("members"), ordering="_members")
    def member_count(self, obj: Department) -> int:
        return obj._members  # type: ignore[attr-defined]

    @admin.display(description=_("needs"), ordering="_needs")
    def need_count(self, obj: Department) -> int:
        return obj._needs  # type: ignore[attr-defined]


@admin.register(Municipio)
class MunicipioAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "name_en"]
    ordering = ["number"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["nil_id", "name", "official_name", "municipio", "lat", "lon"]
    list_filter = ["municipi"]
    list_select_related = ["municipio"]
    search_fields = ["name", "official_name", "=nil_id"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    ordering = ["nil_id"]


@admin.register(InterventionArea)
class InterventionAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug"]
    search_fields = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(NeedReminder)
class NeedReminderAdmin(admin.ModelAdmin):
    list_display = ["department", "week", "sent_at"]
    list_filter = ["department"]
    list_select_related = ["department"]
    readonly_fields = ["department", "week", "sent_at", "need_ids", "recipients"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ThesaurusTermForm(forms.ModelForm):
    class Meta:
        model = ThesaurusTerm
        fields = ["term", "language"]

    def clean_term(self) -> str:
        term = " ".join((self.cleaned_data.get("term") or "").split())
        if term and not language.is_searchable(term):
            raise ValidationError(
                _("“%(term)s” has only words that search ignores (articles, prepositions)."),
                code="not_searchable",
                params={"term": term},
            )
        return term


class ThesaurusTermInline(admin.TabularInline):
    model = ThesaurusTerm
    form = ThesaurusTermForm
    extra = 3
    fields = ["term", "language"]


@admin.register(ThesaurusGroup)
class ThesaurusGroupAdmin(admin.ModelAdmin):
    """The team lead keeps the thesaurus here; the catalogue search and the matching engine
    read the table on every search and every match, so a change applies at once."""

    list_display = ["name", "key", "generic", "term_list"]
    list_filter = ["generic"]
    search_fields = ["name", "key", "terms__term"]
    prepopulated_fields = {"key": ["name"]}
    inlines = [ThesaurusTermInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThesaurusGroup]:
        return super().get_queryset(request).prefetch_related("terms")

    @admin.display(description=_("terms"))
    def term_list(self, obj: ThesaurusGroup) -> str:
        return ", ".join(sorted(term.term for term in obj.terms.all()))
