"""Contact persons, consents, interactions and memberships; the inlines on an organisation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactpoint.admin_scope import act_on_each
from contactpoint.audit import log_action

from .. import contacts, imports, registry
from ..models import (
    Consent,
    ContactPerson,
    Interaction,
    Organisation,
    OrganisationMembership,
)
from .common import _changed_fields
from .privacy import ContactPrivacyActions
from .spreadsheets import SpreadsheetMixin


def save_contact_formset(*, request: HttpRequest, organisation: Organisation, formset: Any) -> None:
    """The contacts inline, saved through ``contacts`` (the one-main-contact rule and the
    audit live there), never by the formset itself."""
    # What the admin's own change message reads (a formset's save() would set these).
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for deleted in formset.deleted_forms:
        if deleted.instance.pk is not None:
            formset.deleted_objects.append(deleted.instance)
            contacts.remove_contact(contact=deleted.instance, actor=request.user, source="admin")
    for contact_form in formset.forms:
        if contact_form in formset.deleted_forms or not contact_form.has_changed():
            continue
        values = {
            name: contact_form.cleaned_data.get(name)
            for name in contacts.CONTACT_FIELDS
            if name in contact_form.fields
        }
        if contact_form.instance.pk is None:
            created = contacts.add_contact(
                organisation=organisation, data=values, actor=request.user, source="admin"
            )
            formset.new_objects.append(created)
        else:
            changes = {name: values[name] for name in contact_form.changed_data if name in values}
            contacts.change_contact(
                contact=contact_form.instance, changes=changes, actor=request.user, source="admin"
            )
            formset.changed_objects.append((contact_form.instance, list(changes)))


class ContactInline(admin.TabularInline):
    model = ContactPerson
    extra = 0
    fields = (*contacts.CONTACT_FIELDS, "consents_summary")
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


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "text_version", "given_at", "withdrawn_at", "source")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ContactPerson)
class ContactPersonAdmin(ContactPrivacyActions, SpreadsheetMixin, admin.ModelAdmin):
    import_kind = imports.CONTACTS
    list_display = ("__str__", "organisation", "role", "email", "phone", "language", "consents")
    list_select_related = ("organisation",)
    list_filter = ("language", "is_primary", "organisation__kind", "organisation__local_group")
    search_fields = ("first_name", "last_name", "email", "organisation__legal_name")
    autocomplete_fields = ("organisation",)
    fields = ("organisation", *contacts.CONTACT_FIELDS)
    inlines = (ConsentInline,)
    actions = ("export_csv", "export_xlsx", "download_personal_data", "anonymise")
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A person moves to another organisation by a merge, not by an edit.
        return ("organisation",) if obj is not None else ()

    def get_urls(self):
        return [*self.spreadsheet_urls(), *super().get_urls()]

    def save_model(self, request: HttpRequest, obj: ContactPerson, form: Any, change: bool) -> None:
        # Through the contacts service, like the offer form and /my/ (one main contact).
        if change:
            changes = {name: form.cleaned_data[name] for name in _changed_fields(form)}
            contacts.change_contact(
                contact=obj, changes=changes, actor=request.user, source="admin"
            )
            obj.refresh_from_db()
            return
        values = {name: form.cleaned_data.get(name) for name in contacts.CONTACT_FIELDS}
        created = contacts.add_contact(
            organisation=form.cleaned_data["organisation"],
            data=values,
            actor=request.user,
            source="admin",
        )
        obj.pk = created.pk
        obj.is_primary = created.is_primary

    def delete_model(self, request: HttpRequest, obj: ContactPerson) -> None:
        contacts.remove_contact(contact=obj, actor=request.user, source="admin")

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
        act_on_each(
            self,
            request,
            queryset.filter(withdrawn_at__isnull=True),
            lambda consent: registry.withdraw_consent(
                consent=consent, actor=request.user, source="admin"
            ),
            lambda n: (
                ngettext("%(n)d consent withdrawn.", "%(n)d consents withdrawn.", n) % {"n": n}
            ),
        )


class InteractionAdminForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ("organisation", "contact", "kind", "date", "subject", "notes")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organisation = cleaned.get("organisation")
        if organisation is None and self.instance.pk is not None:
            organisation = self.instance.organisation  # read-only once recorded
        contact = cleaned.get("contact")
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # An interaction belongs to the organisation it was recorded for.
        return ("organisation",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Interaction, form: Any, change: bool) -> None:
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in _changed_fields(form)
                if name in registry.INTERACTION_FIELDS
            }
            registry.change_interaction(interaction=obj, changes=changes, actor=request.user)
            return
        recorded = registry.record_interaction(
            organisation=obj.organisation, actor=request.user, **registry.interaction_values(obj)
        )
        obj.pk = recorded.pk
        obj.staff = recorded.staff

    def delete_model(self, request: HttpRequest, obj: Interaction) -> None:
        registry.delete_interaction(interaction=obj, actor=request.user)

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
