"""Offers in the admin: read-only status and quantities, withdrawal as an action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactpoint.admin_scope import act_on_each
from needs.widgets import NeighbourhoodCheckboxes

from .. import offers
from ..models import (
    Offer,
)
from .common import _changed_fields


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


class OfferAdminForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = (*offers.EDITABLE_FIELDS, *offers.EDITABLE_RELATIONS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The service's own rules, next to the fields (update_offer checks them again).
        errors = offers.offer_errors(
            organisation=cleaned.get("organisation"),
            contact=cleaned.get("contact"),
            available_from=cleaned.get("available_from"),
            available_until=cleaned.get("available_until"),
            municipi=cleaned.get("municipi") or [],
            neighbourhoods=cleaned.get("neighbourhoods") or [],
        )
        for field, messages_ in errors.items():
            self.add_error(field if field in self.fields else None, messages_)
        return cleaned


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferAdminForm
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
    # Status and quantities change only through the services (withdrawal, matching).
    readonly_fields = (
        "status",
        "quantity",
        "quantity_open",
        "submitted_organisation_name",
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
                    "submitted_organisation_name",
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
        if db_field.name == "neighbourhoods":
            kwargs["widget"] = NeighbourhoodCheckboxes(narrowed_by="municipi")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Offers come from the public form and the API, which check, notify and queue
        # matching; an account manager records a phone offer through the same public form.
        return False

    @admin.display(description=gettext_lazy("quantity (open)"), ordering="quantity_open")
    def quantity_display(self, offer: Offer) -> str:
        return f"{offer.quantity} {offer.unit} ({offer.quantity_open})"

    def save_model(self, request: HttpRequest, obj: Offer, form: Any, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in _changed_fields(form)}
        if changes:
            offers.update_offer(offer=obj, changes=changes, actor=request.user, source="admin")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # areas and places went through offers.update_offer in save_model

    @admin.action(description=gettext_lazy("Withdraw the selected offers"), permissions=["change"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        act_on_each(
            self,
            request,
            queryset.filter(status__in=Offer.OPEN_STATUSES),
            lambda offer: offers.withdraw_offer(offer=offer, actor=request.user, source="admin"),
            lambda n: ngettext("%(n)d offer withdrawn.", "%(n)d offers withdrawn.", n) % {"n": n},
        )
