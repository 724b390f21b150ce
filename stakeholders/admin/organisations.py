"""Organisations in the admin: the change form, its inlines and the changelist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactpoint.admin_scope import admin_page
from contactpoint.audit import history_for, log_action
from needs.widgets import NeighbourhoodCheckboxes

from .. import identity, imports, organisation_fields, registry
from ..models import (
    ContactPerson,
    DuplicateFlag,
    Interaction,
    Offer,
    Organisation,
)
from . import merges
from .common import EmptyByDefaultFilter, StaffChoiceField, _changed_fields, _count, staff_users
from .people import (
    ContactInline,
    InteractionInline,
    MembershipInline,
    NetworkMembersInline,
    save_contact_formset,
)
from .spreadsheets import SpreadsheetMixin


class OrganisationAdminForm(forms.ModelForm):
    website = forms.URLField(
        label=gettext_lazy("website"), required=False, max_length=200, assume_scheme="https"
    )
    relationship_owner = StaffChoiceField(
        queryset=staff_users(),
        required=False,
        label=gettext_lazy("relationship owner"),
        help_text=gettext_lazy("The account manager who keeps the relationship."),
    )

    class Meta:
        model = Organisation
        fields = organisation_fields.STAFF_FIELDS
        widgets = {
            "interests": forms.CheckboxSelectMultiple,
            "preferred_municipi": forms.CheckboxSelectMultiple,
            # Tick boxes narrowed by the Municipi ticked: no Ctrl-click, usable on a phone.
            "preferred_neighbourhoods": NeighbourhoodCheckboxes(narrowed_by="preferred_municipi"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relationship_owner"].queryset = staff_users()  # type: ignore[attr-defined]
        for name in ("website", "relationship_owner"):
            field = Organisation._meta.get_field(name)
            self.fields[name].label = capfirst(getattr(field, "verbose_name", name))

    def clean_tax_code(self) -> str:
        return registry.normalise_tax_code(self.cleaned_data.get("tax_code", ""))

    def clean_vat_number(self) -> str:
        return registry.normalise_vat_number(self.cleaned_data.get("vat_number", ""))

    def clean_legal_name(self) -> str:
        return " ".join(self.cleaned_data.get("legal_name", "").split())

    def clean_email_domain(self) -> str:
        domain = self.cleaned_data.get("email_domain", "").strip().lower().lstrip("@")
        if domain and registry.is_public_mail_domain(domain):
            raise ValidationError(
                _("%(domain)s is a public mail provider, not the organisation's domain.")
                % {"domain": domain}
            )
        return domain

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A new domain is unverified until staff tick it again.
        if "email_domain" in self.changed_data and "email_domain_verified" not in self.changed_data:
            cleaned["email_domain_verified"] = False
        # The same code on another active organisation: say which one, instead of the
        # database constraint's generic message (the services check it again).
        conflicts = identity.code_conflicts(
            tax_code=cleaned.get("tax_code") or "",
            vat_number=cleaned.get("vat_number") or "",
            exclude_pk=self.instance.pk,
        )
        for field, errors in conflicts.items():
            if field in cleaned:
                self.add_error(field, errors)
        if self.instance.pk and any(o.pk == self.instance.pk for o in cleaned.get("member_of", [])):
            self.add_error("member_of", _("An organisation cannot be a member of itself."))
        return cleaned


class RecordStatusFilter(EmptyByDefaultFilter):
    """Merged organisations are kept for history but hidden unless asked for."""

    title = gettext_lazy("record")
    parameter_name = "record"
    default_label = gettext_lazy("Active")
    field = "merged_into"
    set_choice = ("merged", gettext_lazy("Merged into another"))


class OpenDuplicatesFilter(admin.SimpleListFilter):
    title = gettext_lazy("possible duplicates")
    parameter_name = "duplicates"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return (("yes", _("To check")),)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(open_duplicates__gt=0)
        return queryset


@admin.register(Organisation)
class OrganisationAdmin(SpreadsheetMixin, admin.ModelAdmin):
    import_kind = imports.ORGANISATIONS
    form = OrganisationAdminForm
    list_display = (
        "legal_name",
        "kind",
        "in_local_group",
        "in_focus_group",
        "owner",
        "open_offers",
        "possible_duplicates",
    )
    list_select_related = ("relationship_owner",)
    list_filter = (
        RecordStatusFilter,
        "kind",
        "local_group",
        "focus_group",
        ("relationship_owner", admin.RelatedOnlyFieldListFilter),
        "interests",
        OpenDuplicatesFilter,
        "size",
    )
    search_fields = ("legal_name", "tax_code", "vat_number", "email_domain", "contacts__email")
    search_help_text = gettext_lazy(
        "Name, tax code, VAT number, e-mail domain or a contact's e-mail."
    )
    autocomplete_fields = ("member_of",)
    readonly_fields = ("merged_into_link", "created_at", "updated_at")
    list_per_page = 50
    show_full_result_count = False
    inlines = (ContactInline, InteractionInline, NetworkMembersInline, MembershipInline)
    actions = ("merge_selected", "export_csv", "export_xlsx")
    fieldsets = (
        (None, {"fields": ("kind", "legal_name", ("tax_code", "vat_number"), "merged_into_link")}),
        (
            gettext_lazy("Contacts and profile"),
            {
                "fields": (
                    ("website", "email_domain", "email_domain_verified"),
                    ("size", "sector"),
                    "description",
                )
            },
        ),
        (
            gettext_lazy("Relationship"),
            {"fields": ("relationship_owner", ("local_group", "focus_group"), "member_of")},
        ),
        (gettext_lazy("Thematic interests"), {"fields": ("interests",)}),
        (
            gettext_lazy("Preferred places"),
            {
                "classes": ("collapse",),
                "fields": ("preferred_municipi", "preferred_neighbourhoods"),
            },
        ),
        (
            gettext_lazy("Visibility wishes"),
            {"fields": ("allow_logo_use", "allow_press", "allow_social")},
        ),
        (
            gettext_lazy("Record"),
            {"classes": ("collapse",), "fields": ("created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_offers_count=_count(
                    Offer.objects.filter(
                        organisation=OuterRef("pk"), status__in=Offer.OPEN_STATUSES
                    )
                ),
                open_duplicates=_count(
                    DuplicateFlag.objects.filter(
                        Q(organisation=OuterRef("pk")) | Q(candidate=OuterRef("pk")),
                        resolved_at__isnull=True,
                    )
                ),
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # A tax code typed with spaces or an "IT" prefix still finds the organisation.
        compact = search_term.replace(" ", "").upper().removeprefix("IT")
        if compact.isalnum() and len(compact) in (11, 16) and any(c.isdigit() for c in compact):
            search_term = compact
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=gettext_lazy("local group"), boolean=True, ordering="local_group")
    def in_local_group(self, organisation: Organisation) -> bool:
        return organisation.local_group

    @admin.display(description=gettext_lazy("focus group"), boolean=True, ordering="focus_group")
    def in_focus_group(self, organisation: Organisation) -> bool:
        return organisation.focus_group

    @admin.display(
        description=gettext_lazy("relationship owner"), ordering="relationship_owner__last_name"
    )
    def owner(self, organisation: Organisation) -> str:
        user = organisation.relationship_owner
        if user is None:
            return "-"
        return user.get_full_name() or user.email

    @admin.display(description=gettext_lazy("open offers"), ordering="open_offers_count")
    def open_offers(self, organisation: Organisation) -> Any:
        count = organisation.open_offers_count  # type: ignore[attr-defined]
        if not count:
            return 0
        url = reverse("admin:stakeholders_offer_changelist")
        return format_html(
            '<a href="{}?organisation__id__exact={}&amp;open=yes">{}</a>',
            url,
            organisation.pk,
            count,
        )

    @admin.display(description=gettext_lazy("possible duplicates"), ordering="open_duplicates")
    def possible_duplicates(self, organisation: Organisation) -> Any:
        count = organisation.open_duplicates  # type: ignore[attr-defined]
        if not count:
            return "-"
        url = reverse("admin:stakeholders_duplicateflag_changelist")
        return format_html(
            '<a class="duplicates-badge" href="{}?q={}">{}</a>',
            url,
            organisation.pk,
            ngettext("%(n)d to check", "%(n)d to check", count) % {"n": count},
        )

    @admin.display(description=gettext_lazy("merged into"))
    def merged_into_link(self, organisation: Organisation) -> Any:
        if organisation.merged_into_id is None:
            return "-"
        survivor = organisation.merged_into
        assert survivor is not None
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:stakeholders_organisation_change", args=[survivor.pk]),
            survivor.legal_name,
        )

    def get_urls(self):
        opts = self.model._meta
        return [
            *self.spreadsheet_urls(),
            path(
                "merge/",
                self.admin_site.admin_view(self.merge_view),
                name=f"{opts.app_label}_{opts.model_name}_merge",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # The registry's services write organisations, the same as the API and /my/.
        editable = set(organisation_fields.STAFF_FIELDS)
        if change:
            changes = {
                name: form.cleaned_data[name] for name in _changed_fields(form) if name in editable
            }
            if changes:
                registry.update_organisation(
                    organisation=obj, changes=changes, actor=request.user, source="admin"
                )
            return
        relations = {
            name: form.cleaned_data[name]
            for name in organisation_fields.EDITABLE_RELATIONS
            if form.cleaned_data.get(name)
        }
        flags = registry.register_organisation(
            organisation=obj, relations=relations, actor=request.user, source="admin"
        )
        if flags:
            messages.warning(
                request,
                ngettext(
                    "This organisation looks like %(n)d other: check the possible duplicates.",
                    "This organisation looks like %(n)d others: check the possible duplicates.",
                    len(flags),
                )
                % {"n": len(flags)},
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Many-to-many fields went through the service in save_model: only the inlines here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Interaction:
            self._save_interactions(request, form.instance, formset)
            return
        if formset.model is ContactPerson:
            save_contact_formset(request=request, organisation=form.instance, formset=formset)
            return
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            log_action(
                actor=request.user,
                action=f"stakeholders.{obj._meta.model_name}.deleted",
                obj=form.instance,
                payload={"id": obj.pk, "repr": str(obj)[:200]},
            )
            obj.delete()
        for obj in instances:
            created = obj.pk is None
            obj.save()
            model = obj._meta.model_name
            log_action(
                actor=request.user,
                action=f"stakeholders.{model}.{'created' if created else 'changed'}",
                obj=obj if isinstance(obj, ContactPerson) else form.instance,
                payload={"source": "admin", "id": obj.pk},
            )
        formset.save_m2m()

    def _save_interactions(self, request: HttpRequest, organisation: Organisation, formset: Any):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            registry.delete_interaction(interaction=obj, actor=request.user)
        for obj, form in ((f.instance, f) for f in formset.forms if f.instance in instances):
            if obj.pk is None:
                registry.record_interaction(
                    organisation=organisation,
                    actor=request.user,
                    **registry.interaction_values(obj),
                )
            else:
                registry.change_interaction(
                    interaction=obj,
                    changes={
                        name: form.cleaned_data[name]
                        for name in form.changed_data
                        if name in registry.INTERACTION_FIELDS
                    },
                    actor=request.user,
                )

    # --- merging -------------------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Merge the two selected organisations…"),
        permissions=["change"],
    )
    def merge_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        pks = list(queryset.values_list("pk", flat=True)[:3])
        if len(pks) != 2:
            messages.error(request, _("Select exactly two organisations to merge."))
            return None
        url = reverse("admin:stakeholders_organisation_merge")
        return HttpResponseRedirect(f"{url}?ids={pks[0]},{pks[1]}")

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        return merges.merge_view(self, request)

    # --- history ---------------------------------------------------------------------------

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """The portal's audit trail for the organisation (services write it, not the admin)."""
        organisation = get_object_or_404(Organisation, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, organisation):
            raise PermissionDenied
        return admin_page(
            self,
            request,
            "admin/stakeholders/organisation_history.html",
            title=_("History of %(name)s") % {"name": organisation.legal_name},
            object=organisation,
            entries=history_for(organisation)[:200],
        )
