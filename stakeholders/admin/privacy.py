"""Privacy in the admin: consent text versions (history read-only, new versions by
superusers), anonymisations and retention notices (read-only), and the actions that
anonymise a person or download their data, each confirmed and audited by the services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactpoint.admin_scope import ReadOnlyAdmin, act_on_each, admin_page

from .. import consent, privacy
from ..models import (
    Consent,
    ConsentText,
    ContactPerson,
    ErasureRequest,
    PersonErasure,
    RetentionNotice,
)

ANONYMISE_PERMISSION = "stakeholders.add_personerasure"


class ConsentTextForm(forms.ModelForm):
    purpose = forms.ChoiceField(label=gettext_lazy("purpose"), choices=Consent.Purpose.choices)

    class Meta:
        model = ConsentText
        fields = ("purpose", "version", "text_it", "text_en", "effective_from")


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """Every version stays as it was agreed to; a superuser adds the next one."""

    form = ConsentTextForm
    list_display = ("purpose", "version", "effective_from", "created_by", "created_at")
    list_filter = ("purpose",)
    list_select_related = ("created_by",)
    ordering = ("purpose", "-effective_from")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_staff and request.user.has_perm("stakeholders.view_consent"))

    def save_model(self, request: HttpRequest, obj: ConsentText, form: Any, change: bool) -> None:
        text = consent.publish_consent_text(
            purpose=obj.purpose,
            version=obj.version,
            text_it=obj.text_it,
            text_en=obj.text_en,
            effective_from=obj.effective_from,
            actor=request.user,
        )
        obj.pk = text.pk


@admin.register(PersonErasure)
class PersonErasureAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "reason", "created_at", "actor")
    list_filter = ("reason",)
    list_select_related = ("actor",)
    date_hierarchy = "created_at"


@admin.register(RetentionNotice)
class RetentionNoticeAdmin(ReadOnlyAdmin):
    list_display = ("contact", "period", "sent_at", "anonymise_after", "kept_at")
    list_select_related = ("contact",)
    date_hierarchy = "created_at"


def confirm_anonymise(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    people: list[tuple[Any, Any, ErasureRequest | None]],
    reason: str,
) -> HttpResponse | None:
    """The confirmation page; once confirmed, anonymise each person (label, person, request)."""
    if request.POST.get("confirm") != "yes":
        return admin_page(
            model_admin,
            request,
            "admin/stakeholders/anonymise_confirm.html",
            title=_("Anonymise"),
            people=[label for label, _person, _request in people],
            selected=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            action=request.POST.get("action", ""),
        )
    act_on_each(
        model_admin,
        request,
        people,
        lambda row: privacy.anonymise_person(
            person=row[1], reason=reason, actor=request.user, erasure_request=row[2]
        ),
        lambda n: (
            ngettext("%(count)d person anonymised.", "%(count)d people anonymised.", n)
            % {"count": n}
        ),
        report_refusals=True,
        name=lambda row: str(row[0]),
    )
    return None


class ContactPrivacyActions:
    """Mixed into the contact person admin: download a person's data, anonymise them."""

    def has_anonymise_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(ANONYMISE_PERMISSION))

    @admin.action(
        description=gettext_lazy("Download the personal data (JSON)"), permissions=["view"]
    )
    def download_personal_data(
        self, request: HttpRequest, queryset: QuerySet[ContactPerson]
    ) -> HttpResponse | None:
        contacts = list(queryset[:2])
        if len(contacts) != 1:
            self.message_user(  # type: ignore[attr-defined]
                request, _("Choose exactly one contact person."), messages.WARNING
            )
            return None
        document = privacy.staff_export(contact=contacts[0], actor=request.user)
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="personal-data-contact-{contacts[0].pk}.json"'
        )
        return response

    @admin.action(description=gettext_lazy("Anonymise"), permissions=["anonymise"])
    def anonymise(
        self, request: HttpRequest, queryset: QuerySet[ContactPerson]
    ) -> HttpResponse | None:
        people = [
            (str(contact), privacy.person_for_contact(contact), None)
            for contact in queryset.filter(erased_at__isnull=True)
        ]
        return confirm_anonymise(self, request, people, PersonErasure.Reason.STAFF)  # type: ignore[arg-type]


class ErasureRequestPrivacyActions:
    """Mixed into the erasure request admin: the request leads to the anonymisation."""

    def has_anonymise_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(ANONYMISE_PERMISSION))

    @admin.action(description=gettext_lazy("Anonymise the person"), permissions=["anonymise"])
    def anonymise(
        self, request: HttpRequest, queryset: QuerySet[ErasureRequest]
    ) -> HttpResponse | None:
        people = [
            (str(erasure), privacy.person_for_user(erasure.user), erasure)
            for erasure in queryset.filter(
                status=ErasureRequest.Status.OPEN, user__isnull=False
            ).select_related("user")
        ]
        return confirm_anonymise(self, request, people, PersonErasure.Reason.REQUEST)  # type: ignore[arg-type]
