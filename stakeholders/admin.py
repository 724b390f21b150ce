"""The stakeholder registry in the admin: where account managers spend their day.

Changelists are annotated (open offers, possible duplicates) instead of counting per row,
so their query count does not grow with the page. Writes with business meaning (merge,
dismiss, withdraw, import, interactions) go through the services in ``registry``,
``imports`` and ``offers``; plain edits are audited in ``save_model`` inside the admin's
transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactpoint import roles
from contactpoint.audit import history_for, log_action
from needs import language

from . import imports, registry
from .models import (
    Consent,
    ContactPerson,
    DuplicateFlag,
    Interaction,
    Offer,
    Organisation,
    OrganisationMembership,
)

IMPORT_SALT = "stakeholders.admin.import"
IMPORT_SESSION_KEY = "stakeholders_import"
IMPORT_MAX_AGE = 3600


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated ``SELECT COUNT(*)`` subquery (no join, no GROUP BY on the outer query)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _changed_fields(form: forms.ModelForm) -> list[str]:
    return [name for name in form.changed_data if name in form.fields]


def staff_users() -> QuerySet:
    """Who may own a relationship: active account managers and team leads."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.ACCOUNT_MANAGER, roles.TEAM_LEAD])
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} <{obj.email}>" if full_name else obj.email or obj.get_username()


# --- Spreadsheet import / export, shared by organisations and contacts --------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV or XLSX, at most 5 MB and 20,000 rows."),
    )


class SpreadsheetMixin:
    """Import (upload -> preview -> confirm) and export (CSV/XLSX) on a changelist."""

    import_kind: str = ""

    def spreadsheet_urls(self) -> list:
        opts = self.model._meta  # type: ignore[attr-defined]
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("import/", wrap(self.import_view), name=f"{name}_import"),
            path("import/confirm/", wrap(self.import_confirm_view), name=f"{name}_import_confirm"),
            path("export/", wrap(self.export_view), name=f"{name}_export"),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)  # type: ignore[attr-defined]

    def _import_context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        opts = self.model._meta  # type: ignore[attr-defined]
        columns = (
            imports.ORGANISATION_COLUMNS
            if self.import_kind == imports.ORGANISATIONS
            else imports.CONTACT_COLUMNS
        )
        return {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "title": _("Import %(things)s") % {"things": imports.KINDS[self.import_kind]},
            "import_kind": self.import_kind,
            "documented_columns": columns,
            "max_rows": imports.MAX_IMPORT_ROWS,
            **extra,
        }

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            filename = upload.name[:200]
            try:
                if upload.size > imports.MAX_IMPORT_BYTES:
                    raise imports.ImportFileError(
                        _("The file is too large: the limit is %(mb)d MB.")
                        % {"mb": imports.MAX_IMPORT_BYTES // (1024 * 1024)}
                    )
                content = upload.read()
                preview = imports.preview_file(
                    kind=self.import_kind, content=content, filename=filename
                )
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                confirm_token = ""
                if preview.is_valid:
                    token = imports.stash_upload(content)
                    request.session[IMPORT_SESSION_KEY] = {
                        "token": token,
                        "kind": self.import_kind,
                        "filename": filename,
                    }
                    confirm_token = signing.dumps(
                        {"token": token, "kind": self.import_kind}, salt=IMPORT_SALT
                    )
                return TemplateResponse(
                    request,
                    "admin/stakeholders/import_preview.html",
                    self._import_context(
                        request,
                        preview=preview,
                        confirm_token=confirm_token,
                        title=_("Check the import of %(file)s") % {"file": filename},
                    ),
                )
        return TemplateResponse(
            request,
            "admin/stakeholders/import_form.html",
            self._import_context(request, form=form),
        )

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(self._import_url())
        stashed = request.session.get(IMPORT_SESSION_KEY) or {}
        try:
            signed = signing.loads(
                request.POST.get("confirm", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE
            )
        except signing.BadSignature:
            signed = {}
        content = None
        if signed and signed == {"token": stashed.get("token"), "kind": self.import_kind}:
            content = imports.read_stash(signed["token"])
        if content is None:
            messages.error(
                request, _("This import has expired or was already done: upload the file again.")
            )
            return HttpResponseRedirect(self._import_url())
        filename = stashed.get("filename", "")
        try:
            preview = imports.import_file(
                kind=self.import_kind, content=content, filename=filename, actor=request.user
            )
        except imports.ImportNotValid as exc:
            # The registry changed since the preview: show the new errors, nothing written.
            return TemplateResponse(
                request,
                "admin/stakeholders/import_preview.html",
                self._import_context(
                    request,
                    preview=exc.preview,
                    confirm_token="",
                    title=_("Check the import of %(file)s") % {"file": filename},
                ),
            )
        imports.drop_stash(signed["token"])
        request.session.pop(IMPORT_SESSION_KEY, None)
        return TemplateResponse(
            request,
            "admin/stakeholders/import_done.html",
            self._import_context(
                request,
                preview=preview,
                title=_("Import of %(file)s done") % {"file": filename},
            ),
        )

    def _import_url(self) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import")

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist's current filter and search, as a file."""
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        params = request.GET.copy()
        fmt = params.pop("format", ["csv"])[-1]
        if fmt not in imports.FORMATS:
            fmt = "csv"
        request.GET = params  # type: ignore[assignment]  # the changelist reads GET
        changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        return self._export_response(request, changelist.get_queryset(request), fmt)

    def _export_response(self, request: HttpRequest, queryset: QuerySet, fmt: str) -> HttpResponse:
        content = imports.export(kind=self.import_kind, queryset=queryset, fmt=fmt)
        stamp = timezone.localdate().isoformat()
        response = HttpResponse(content, content_type=imports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="{slugify(str(imports.KINDS[self.import_kind]))}-{stamp}.{fmt}"'
        )
        return response

    @admin.action(description=gettext_lazy("Export the selected as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return self._export_response(request, queryset, "csv")

    @admin.action(description=gettext_lazy("Export the selected as XLSX"), permissions=["view"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return self._export_response(request, queryset, "xlsx")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "import_url": self._import_url(),
            "export_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_export"  # type: ignore[attr-defined]
            ),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


# --- Organisations ------------------------------------------------------------------------


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
        fields = (
            "kind",
            "legal_name",
            "tax_code",
            "vat_number",
            "website",
            "email_domain",
            "size",
            "sector",
            "description",
            "interests",
            "preferred_municipi",
            "preferred_neighbourhoods",
            "allow_logo_use",
            "allow_press",
            "allow_social",
            "relationship_owner",
            "member_of",
            "local_group",
            "focus_group",
        )
        widgets = {
            "interests": forms.CheckboxSelectMultiple,
            "preferred_municipi": forms.CheckboxSelectMultiple,
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
        # The same code on another active organisation: say which one, instead of the
        # database constraint's generic message.
        for field in ("tax_code", "vat_number"):
            code = cleaned.get(field)
            if not code:
                continue
            other = (
                Organisation.objects.active()
                .filter(Q(tax_code=code) | Q(vat_number=code))
                .exclude(pk=self.instance.pk)
                .first()
            )
            if other is not None:
                self.add_error(
                    field,
                    _("%(name)s already has this code: merge the two instead.")
                    % {"name": other.legal_name},
                )
        return cleaned


class ContactInline(admin.TabularInline):
    model = ContactPerson
    extra = 0
    fields = (
        "first_name",
        "last_name",
        "role",
        "email",
        "phone",
        "language",
        "is_primary",
        "consents_summary",
    )
    readonly_fields = ("consents_summary",)
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("consents")

    @admin.display(description=gettext_lazy("consents"))
    def consents_summary(self, contact: ContactPerson) -> str:
        return consents_summary(contact)


CONSENT_SHORT_LABELS: dict[str, Any] = {
    Consent.Purpose.CONTACT: gettext_lazy("contact"),
    Consent.Purpose.SURVEY: gettext_lazy("survey"),
    Consent.Purpose.NEWS: gettext_lazy("news"),
    Consent.Purpose.PUBLICITY: gettext_lazy("publicity"),
}


def consents_summary(contact: ContactPerson) -> str:
    """Active consents in short: "contact, survey (2026-11)"; uses prefetched consents."""
    active = sorted((c for c in contact.consents.all() if c.is_active), key=lambda c: c.purpose)
    if not active:
        return _("none")
    versions = sorted({c.text_version for c in active})
    purposes = ", ".join(str(CONSENT_SHORT_LABELS.get(c.purpose, c.purpose)) for c in active)
    return f"{purposes} ({', '.join(versions)})"


class InteractionInline(admin.StackedInline):
    model = Interaction
    extra = 0
    fields = (("kind", "date"), ("contact", "staff"), "subject", "notes")
    readonly_fields = ("staff",)
    verbose_name_plural = gettext_lazy("relationship history (newest first)")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("staff", "contact")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "contact":
            match = request.resolver_match
            organisation_pk = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = (
                ContactPerson.objects.filter(organisation_id=unquote(organisation_pk))
                if organisation_pk
                else ContactPerson.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = OrganisationMembership
    extra = 0
    fields = ("user", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    verbose_name_plural = gettext_lazy("user accounts acting for this organisation")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")


class NetworkMembersInline(admin.TabularInline):
    """The members of a network (Assolombarda, Sodalitas): organisations inside it."""

    model = Organisation.member_of.through
    fk_name = "to_organisation"
    extra = 0
    autocomplete_fields = ("from_organisation",)
    verbose_name = gettext_lazy("member organisation")
    verbose_name_plural = gettext_lazy("member organisations (for networks)")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("from_organisation")

    # Auto-created through models take the organisation's permissions: editing the network's
    # members is editing the organisation.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("stakeholders.view_organisation")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("stakeholders.change_organisation")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("stakeholders.change_organisation")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("stakeholders.change_organisation")


class RecordStatusFilter(admin.SimpleListFilter):
    """Merged organisations are kept for history but hidden unless asked for."""

    title = gettext_lazy("record")
    parameter_name = "record"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return (("merged", _("Merged into another")), ("all", _("All")))

    def choices(self, changelist: Any):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Active"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "merged":
            return queryset.filter(merged_into__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(merged_into__isnull=True)


class OpenDuplicatesFilter(admin.SimpleListFilter):
    title = gettext_lazy("possible duplicates")
    parameter_name = "duplicates"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return (("yes", _("To check")),)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(open_duplicates__gt=0)
        return queryset


class MergeForm(forms.Form):
    survivor = forms.TypedChoiceField(
        label=gettext_lazy("Keep"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The organisation you keep receives everything of the other one, which is kept "
            "only as a record pointing to it."
        ),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked that these are the same organisation."),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [  # type: ignore[attr-defined]
            (o.pk, o.legal_name) for o in organisations
        ]


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
    filter_horizontal = ("preferred_neighbourhoods",)
    readonly_fields = ("merged_into_link", "created_at", "updated_at")
    list_per_page = 50
    show_full_result_count = False
    inlines = (ContactInline, InteractionInline, NetworkMembersInline, MembershipInline)
    actions = ("merge_selected", "export_csv", "export_xlsx")
    fieldsets = (
        (None, {"fields": ("kind", "legal_name", ("tax_code", "vat_number"), "merged_into_link")}),
        (
            gettext_lazy("Contacts and profile"),
            {"fields": (("website", "email_domain"), ("size", "sector"), "description")},
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
        super().save_model(request, obj, form, change)
        if change:
            fields = _changed_fields(form)
            if fields:
                log_action(
                    actor=request.user,
                    action="stakeholders.organisation.changed",
                    obj=obj,
                    payload={"source": "admin", "fields": fields},
                )
        else:
            log_action(
                actor=request.user,
                action="stakeholders.organisation.created",
                obj=obj,
                payload={"source": "admin"},
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            flags = registry.flag_possible_duplicates(
                organisation=form.instance, actor=request.user
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

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Interaction:
            self._save_interactions(request, form.instance, formset)
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
            log_action(
                actor=request.user,
                action="stakeholders.interaction.deleted",
                obj=organisation,
                payload={"id": obj.pk, "subject": obj.subject[:200]},
            )
            obj.delete()
        for obj in instances:
            if obj.pk is None:
                registry.record_interaction(
                    organisation=organisation,
                    kind=obj.kind,
                    subject=obj.subject,
                    date=obj.date,
                    contact=obj.contact,
                    notes=obj.notes,
                    actor=request.user,
                )
            else:
                obj.save()
                log_action(
                    actor=request.user,
                    action="stakeholders.interaction.changed",
                    obj=organisation,
                    payload={"id": obj.pk},
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
        if not self.has_change_permission(request):
            raise PermissionDenied
        raw = request.POST.get("ids") or request.GET.get("ids", "")
        try:
            pks = [int(pk) for pk in raw.split(",") if pk.strip()]
        except ValueError:
            pks = []
        organisations = list(
            Organisation.objects.filter(pk__in=pks).select_related("relationship_owner")
        )
        changelist = reverse("admin:stakeholders_organisation_changelist")
        if len(set(pks)) != 2 or len(organisations) != 2:
            messages.error(request, _("Select exactly two organisations to merge."))
            return HttpResponseRedirect(changelist)
        organisations.sort(key=lambda o: pks.index(o.pk))
        form = MergeForm(request.POST or None, organisations=organisations)
        if request.method == "POST" and form.is_valid():
            survivor_pk = form.cleaned_data["survivor"]
            survivor = next(o for o in organisations if o.pk == survivor_pk)
            duplicate = next(o for o in organisations if o.pk != survivor_pk)
            try:
                registry.merge_organisations(
                    survivor=survivor, duplicate=duplicate, actor=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(duplicate)s was merged into %(survivor)s.")
                    % {"duplicate": duplicate.legal_name, "survivor": survivor.legal_name},
                )
                return HttpResponseRedirect(
                    reverse("admin:stakeholders_organisation_change", args=[survivor.pk])
                )
        sides = [
            {
                "organisation": organisation,
                "moves": registry.merge_preview(survivor=organisation, duplicate=organisation),
                "change_url": reverse(
                    "admin:stakeholders_organisation_change", args=[organisation.pk]
                ),
            }
            for organisation in organisations
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Merge two organisations"),
            "form": form,
            "sides": sides,
            "ids": f"{organisations[0].pk},{organisations[1].pk}",
            "already_merged": [o for o in organisations if o.merged_into_id],
        }
        return TemplateResponse(request, "admin/stakeholders/merge_confirm.html", context)

    # --- history ---------------------------------------------------------------------------

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """The portal's audit trail for the organisation (services write it, not the admin)."""
        organisation = get_object_or_404(Organisation, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, organisation):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "object": organisation,
            "title": _("History of %(name)s") % {"name": organisation.legal_name},
            "entries": history_for(organisation)[:200],
        }
        return TemplateResponse(request, "admin/stakeholders/organisation_history.html", context)


# --- Possible duplicates ------------------------------------------------------------------


class OpenFlagFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return (("no", _("Resolved")), ("all", _("All")))

    def choices(self, changelist: Any):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("To check"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(resolved_at__isnull=True)


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(admin.ModelAdmin):
    list_display = (
        "organisation_link",
        "candidate_link",
        "reason_display",
        "similarity_percent",
        "created_at",
        "resolution",
        "merge_link",
    )
    list_select_related = ("organisation", "candidate")
    list_filter = (OpenFlagFilter,)
    search_fields = ("organisation__legal_name", "candidate__legal_name", "=organisation__id")
    actions = ("dismiss_selected",)
    readonly_fields = (
        "organisation",
        "candidate",
        "reason",
        "similarity",
        "created_at",
        "resolved_at",
        "resolution",
    )
    ordering = ("-created_at",)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # From the organisations list, "?q=<id>" shows that organisation's flags either way.
        if search_term.isdigit():
            pk = int(search_term)
            return queryset.filter(Q(organisation_id=pk) | Q(candidate_id=pk)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("organisation"), ordering="organisation__legal_name")
    def organisation_link(self, flag: DuplicateFlag) -> Any:
        return self._link(flag.organisation)

    @admin.display(description=gettext_lazy("looks like"), ordering="candidate__legal_name")
    def candidate_link(self, flag: DuplicateFlag) -> Any:
        return self._link(flag.candidate)

    def _link(self, organisation: Organisation) -> Any:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:stakeholders_organisation_change", args=[organisation.pk]),
            organisation.legal_name,
        )

    @admin.display(description=gettext_lazy("reason"))
    def reason_display(self, flag: DuplicateFlag) -> str:
        return registry.describe_reason(flag.reason)

    @admin.display(description=gettext_lazy("name similarity"), ordering="similarity")
    def similarity_percent(self, flag: DuplicateFlag) -> str:
        return f"{round(flag.similarity * 100)}%" if flag.similarity else "-"

    @admin.display(description=gettext_lazy("merge"))
    def merge_link(self, flag: DuplicateFlag) -> Any:
        if flag.resolved_at is not None:
            return "-"
        return format_html(
            '<a class="button" href="{}?ids={},{}">{}</a>',
            reverse("admin:stakeholders_organisation_merge"),
            flag.candidate_id,
            flag.organisation_id,
            _("Merge…"),
        )

    @admin.action(
        description=gettext_lazy("Not the same organisation: dismiss"), permissions=["change"]
    )
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for flag in queryset.filter(resolved_at__isnull=True):
            registry.dismiss_duplicate_flag(flag=flag, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d possible duplicate dismissed.", "%(n)d possible duplicates dismissed.", count
            )
            % {"n": count},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # every field is read-only: changes happen through merge and dismiss


# --- Contacts, consents, interactions -------------------------------------------------------


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "text_version", "given_at", "withdrawn_at", "source")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ContactPerson)
class ContactPersonAdmin(SpreadsheetMixin, admin.ModelAdmin):
    import_kind = imports.CONTACTS
    list_display = ("__str__", "organisation", "role", "email", "phone", "language", "consents")
    list_select_related = ("organisation",)
    list_filter = ("language", "is_primary", "organisation__kind", "organisation__local_group")
    search_fields = ("first_name", "last_name", "email", "organisation__legal_name")
    autocomplete_fields = ("organisation",)
    inlines = (ConsentInline,)
    actions = ("export_csv", "export_xlsx")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("consents", queryset=Consent.objects.order_by("purpose")))
        )

    @admin.display(description=gettext_lazy("consents"))
    def consents(self, contact: ContactPerson) -> str:
        return consents_summary(contact)

    def get_urls(self):
        return [*self.spreadsheet_urls(), *super().get_urls()]

    def save_model(self, request: HttpRequest, obj: ContactPerson, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_action(
            actor=request.user,
            action=f"stakeholders.contactperson.{'changed' if change else 'created'}",
            obj=obj,
            payload={"source": "admin", "fields": _changed_fields(form)},
        )

    def delete_model(self, request: HttpRequest, obj: ContactPerson) -> None:
        log_action(
            actor=request.user,
            action="stakeholders.contactperson.deleted",
            obj=obj.organisation,
            payload={"id": obj.pk, "repr": str(obj)},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for contact in queryset.select_related("organisation"):
            self.delete_model(request, contact)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Consents are evidence: shown as given, changed only by withdrawing them."""

    list_display = (
        "contact",
        "organisation",
        "purpose",
        "text_version",
        "given_at",
        "withdrawn_at",
        "source",
    )
    list_select_related = ("contact", "contact__organisation")
    list_filter = (
        "purpose",
        "text_version",
        ("withdrawn_at", admin.EmptyFieldListFilter),
        "source",
    )
    search_fields = ("contact__email", "contact__last_name", "contact__organisation__legal_name")
    readonly_fields = ("contact", "purpose", "text_version", "given_at", "withdrawn_at", "source")
    actions = ("withdraw_selected",)
    date_hierarchy = "given_at"
    show_full_result_count = False

    @admin.display(
        description=gettext_lazy("organisation"), ordering="contact__organisation__legal_name"
    )
    def organisation(self, consent: Consent) -> str:
        return consent.contact.organisation.legal_name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # every field is read-only

    @admin.action(
        description=gettext_lazy("Withdraw the selected consents"), permissions=["change"]
    )
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for consent in queryset.filter(withdrawn_at__isnull=True):
            registry.withdraw_consent(consent=consent, actor=request.user, source="admin")
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d consent withdrawn.", "%(n)d consents withdrawn.", count) % {"n": count},
            messages.SUCCESS,
        )


class InteractionAdminForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ("organisation", "contact", "kind", "date", "subject", "notes")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        contact, organisation = cleaned.get("contact"), cleaned.get("organisation")
        if contact and organisation and contact.organisation_id != organisation.pk:
            self.add_error("contact", _("This person is not a contact of the organisation."))
        return cleaned


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    form = InteractionAdminForm
    list_display = ("date", "kind", "subject", "organisation", "contact", "staff")
    list_select_related = ("organisation", "contact", "staff")
    list_filter = ("kind", ("staff", admin.RelatedOnlyFieldListFilter), "organisation__local_group")
    search_fields = ("subject", "notes", "organisation__legal_name", "contact__last_name")
    autocomplete_fields = ("organisation", "contact")
    date_hierarchy = "date"
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Interaction, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            log_action(
                actor=request.user,
                action="stakeholders.interaction.changed",
                obj=obj.organisation,
                payload={"id": obj.pk, "fields": _changed_fields(form)},
            )
            return
        recorded = registry.record_interaction(
            organisation=obj.organisation,
            kind=obj.kind,
            subject=obj.subject,
            date=obj.date,
            contact=obj.contact,
            notes=obj.notes,
            actor=request.user,
        )
        obj.pk = recorded.pk
        obj.staff = recorded.staff

    def delete_model(self, request: HttpRequest, obj: Interaction) -> None:
        log_action(
            actor=request.user,
            action="stakeholders.interaction.deleted",
            obj=obj.organisation,
            payload={"id": obj.pk, "subject": obj.subject[:200]},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for interaction in queryset.select_related("organisation"):
            self.delete_model(request, interaction)


@admin.register(OrganisationMembership)
class OrganisationMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "created_at")
    list_select_related = ("user", "organisation")
    search_fields = ("user__email", "organisation__legal_name")
    raw_id_fields = ("user",)
    autocomplete_fields = ("organisation",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        log_action(
            actor=request.user,
            action="stakeholders.membership.created"
            if not change
            else "stakeholders.membership.changed",
            obj=obj.organisation,
            payload={"user": obj.user_id, "source": "admin"},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        log_action(
            actor=request.user,
            action="stakeholders.membership.deleted",
            obj=obj.organisation,
            payload={"user": obj.user_id, "source": "admin"},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for membership in queryset.select_related("organisation"):
            self.delete_model(request, membership)


# --- Offers -------------------------------------------------------------------------------


class OpenOfferFilter(admin.SimpleListFilter):
    title = gettext_lazy("open")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return (("yes", _("Open")), ("no", _("Closed")))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return Offer.objects.filter(pk__in=queryset.values("pk")).open()
        if self.value() == "no":
            return queryset.exclude(status__in=Offer.OPEN_STATUSES)
        return queryset


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "organisation",
        "resource_kind",
        "quantity_display",
        "status",
        "created_at",
        "need",
    )
    list_select_related = ("organisation", "need")
    list_filter = (
        OpenOfferFilter,
        "status",
        "resource_kind",
        "areas",
        "organisation__kind",
        "organisation__local_group",
        ("need", admin.EmptyFieldListFilter),
        "language",
    )
    search_fields = (
        "title",
        "description",
        "organisation__legal_name",
        "submitted_email",
        "contact__email",
        "=tracking_token",
    )
    search_help_text = gettext_lazy("Title, description, organisation or submitter's e-mail.")
    date_hierarchy = "created_at"
    autocomplete_fields = ("organisation",)
    raw_id_fields = ("contact", "need")
    filter_horizontal = ("neighbourhoods",)
    readonly_fields = (
        "tracking_token",
        "idempotency_key",
        "submitted_email",
        "created_at",
        "updated_at",
        "withdrawn_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "organisation",
                    "contact",
                    "submitted_email",
                    "status",
                    "need",
                    "language",
                )
            },
        ),
        (
            gettext_lazy("What is offered"),
            {
                "fields": (
                    "resource_kind",
                    "title",
                    "description",
                    ("quantity", "quantity_open", "unit"),
                    ("available_from", "available_until"),
                )
            },
        ),
        (
            gettext_lazy("Areas and places"),
            {"fields": ("areas", "municipi", "neighbourhoods")},
        ),
        (
            gettext_lazy("Visibility wishes"),
            {"fields": ("allow_logo_use", "allow_press", "allow_social")},
        ),
        (
            gettext_lazy("Tracking"),
            {
                "classes": ("collapse",),
                "fields": (
                    "tracking_token",
                    "idempotency_key",
                    "created_at",
                    "updated_at",
                    "withdrawn_at",
                ),
            },
        ),
    )
    actions = ("withdraw_selected",)
    list_per_page = 50
    show_full_result_count = False

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name in ("areas", "municipi"):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Offers come from the public form and the API, which check, notify and queue
        # matching; an account manager records a phone offer through the same public form.
        return False

    @admin.display(description=gettext_lazy("quantity (open)"), ordering="quantity_open")
    def quantity_display(self, offer: Offer) -> str:
        return f"{offer.quantity} {offer.unit} ({offer.quantity_open})"

    def save_model(self, request: HttpRequest, obj: Offer, form: Any, change: bool) -> None:
        if {"title", "description"} & set(form.changed_data):
            lemmas = language.offer_lemmas(title=obj.title, description=obj.description)
            obj.title_lemmas, obj.text_lemmas = lemmas.title_lemmas, lemmas.text_lemmas
        super().save_model(request, obj, form, change)
        fields = _changed_fields(form)
        if fields:
            log_action(
                actor=request.user,
                action="stakeholders.offer.changed",
                obj=obj,
                payload={"source": "admin", "fields": fields, "status": obj.status},
            )

    @admin.action(description=gettext_lazy("Withdraw the selected offers"), permissions=["change"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        from . import offers

        count = 0
        for offer in queryset.filter(status__in=Offer.OPEN_STATUSES):
            offers.withdraw_offer(offer=offer, actor=request.user, source="admin")
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d offer withdrawn.", "%(n)d offers withdrawn.", count) % {"n": count},
            messages.SUCCESS,
        )


__all__ = [
    "ConsentAdmin",
    "ContactPersonAdmin",
    "DuplicateFlagAdmin",
    "InteractionAdmin",
    "OfferAdmin",
    "OrganisationAdmin",
]

# The intake's own admin pages (erasure requests) live in their module; importing it here
# registers them with the admin site.
from . import admin_intake  # noqa: E402, F401
