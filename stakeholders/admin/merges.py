"""The admin's merge page and the merge history with undo (registered from admin.py).

The page lists, for each side, the people who could act for it and the fields that differ,
each with its own choice; nothing is moved or taken unless ticked.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contactpoint.admin_scope import admin_page

from .. import merging
from ..models import Organisation, OrganisationMerge


def _person_field(organisation: Organisation, person: merging.MergePerson) -> str:
    return f"move_{organisation.pk}_{person.kind}_{person.key}"


def _take_field(organisation: Organisation, field: str) -> str:
    return f"take_{organisation.pk}_{field}"


def _display(organisation: Organisation, field: str) -> str:
    value = getattr(organisation, field)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value) if value not in (None, "") else "-"


class MergeForm(forms.Form):
    survivor = forms.TypedChoiceField(
        label=gettext_lazy("Keep"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The organisation you keep receives the other one's contacts, offers and history; "
            "the other one is kept only as a record pointing to it."
        ),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I have checked that these are the same organisation."),
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        self.fields["survivor"].choices = [  # type: ignore[attr-defined]
            (o.pk, o.legal_name) for o in organisations
        ]
        # One choice per person and per differing field for each side, as the side that
        # would be merged away; unticked means "not moved" and "keep the other's value".
        self.people: dict[int, list[tuple[merging.MergePerson, str]]] = {}
        self.differing: dict[int, list[tuple[str, str]]] = {}
        for organisation in organisations:
            other = next(o for o in organisations if o.pk != organisation.pk)
            self.people[organisation.pk] = []
            for person in merging.people_of(organisation):
                name = _person_field(organisation, person)
                self.fields[name] = forms.BooleanField(required=False, label=person.label)
                self.people[organisation.pk].append((person, name))
            self.differing[organisation.pk] = []
            for field in merging.differing_fields(survivor=other, duplicate=organisation):
                name = _take_field(organisation, field)
                verbose = capfirst(
                    getattr(Organisation._meta.get_field(field), "verbose_name", field)
                )
                self.fields[name] = forms.BooleanField(required=False, label=verbose)
                self.differing[organisation.pk].append((field, name))

    def choices_for(self, duplicate: Organisation) -> dict[str, Any]:
        """The service's keyword arguments for merging ``duplicate`` away."""
        data = self.cleaned_data
        people = self.people[duplicate.pk]
        return {
            "move_accounts": [
                int(p.key) for p, name in people if p.kind == "account" and data[name]
            ],
            "move_claims": [p.key for p, name in people if p.kind == "claim" and data[name]],
            "take_fields": [field for field, name in self.differing[duplicate.pk] if data[name]],
        }

    def sides(self) -> list[dict[str, Any]]:
        sides = []
        for organisation in self.organisations:
            other = next(o for o in self.organisations if o.pk != organisation.pk)
            sides.append(
                {
                    "organisation": organisation,
                    "moves": merging.merge_preview(survivor=other, duplicate=organisation),
                    "change_url": reverse(
                        "admin:stakeholders_organisation_change", args=[organisation.pk]
                    ),
                    "people": [
                        {"person": person, "field": self[name]}
                        for person, name in self.people[organisation.pk]
                    ],
                    "fields": [
                        {
                            "field": self[name],
                            "value": _display(organisation, field),
                            "other_value": _display(other, field),
                        }
                        for field, name in self.differing[organisation.pk]
                    ],
                }
            )
        return sides


def merge_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Confirm a merge of two organisations with a choice per person and per field."""
    if not model_admin.has_change_permission(request):
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
            merging.merge_organisations(
                survivor=survivor,
                duplicate=duplicate,
                actor=request.user,
                **form.choices_for(duplicate),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _to_organisation(
                request,
                survivor,
                _("%(duplicate)s was merged into %(survivor)s.")
                % {"duplicate": duplicate.legal_name, "survivor": survivor.legal_name},
            )
    return admin_page(
        model_admin,
        request,
        "admin/stakeholders/merge_confirm.html",
        title=_("Merge two organisations"),
        form=form,
        sides=form.sides(),
        ids=f"{organisations[0].pk},{organisations[1].pk}",
        already_merged=[o for o in organisations if o.merged_into_id],
    )


def _to_organisation(
    request: HttpRequest, organisation: Organisation, message: str
) -> HttpResponseRedirect:
    """Say ``message`` and open ``organisation``'s change page."""
    messages.success(request, message)
    return HttpResponseRedirect(
        reverse("admin:stakeholders_organisation_change", args=[organisation.pk])
    )


@admin.register(OrganisationMerge)
class OrganisationMergeAdmin(admin.ModelAdmin):
    """Every merge with the state before it; staff undo one from its page."""

    list_display = ("created_at", "duplicate", "survivor", "actor", "undone_at")
    list_select_related = ("duplicate", "survivor", "actor")
    list_filter = (("undone_at", admin.EmptyFieldListFilter),)
    search_fields = ("duplicate__legal_name", "survivor__legal_name")
    date_hierarchy = "created_at"
    readonly_fields = (
        "survivor",
        "duplicate",
        "actor",
        "created_at",
        "undone_at",
        "undone_by",
        "snapshot_view",
        "undo_link",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Whoever may merge organisations may read the merges and undo them.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("stakeholders.change_organisation")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("stakeholders.change_organisation")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.display(description=gettext_lazy("state before the merge"))
    def snapshot_view(self, merge: OrganisationMerge) -> Any:
        return format_html(
            "<pre>{}</pre>", json.dumps(merge.snapshot, indent=2, ensure_ascii=False)
        )

    @admin.display(description=gettext_lazy("undo"))
    def undo_link(self, merge: OrganisationMerge) -> Any:
        if merge.undone_at is not None:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:stakeholders_organisationmerge_undo", args=[merge.pk]),
            _("Undo this merge…"),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/undo/",
                self.admin_site.admin_view(self.undo_view),
                name="stakeholders_organisationmerge_undo",
            ),
            *super().get_urls(),
        ]

    def undo_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        merge = get_object_or_404(
            OrganisationMerge.objects.select_related("survivor", "duplicate"), pk=pk
        )
        error = ""
        if request.method == "POST":
            try:
                restored = merging.undo_merge(merge=merge, actor=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return _to_organisation(
                    request,
                    restored,
                    _("%(name)s was restored as a separate organisation.")
                    % {"name": restored.legal_name},
                )
        return admin_page(
            self,
            request,
            "admin/stakeholders/organisationmerge_undo.html",
            title=_("Undo a merge"),
            merge=merge,
            error=error,
            status=409 if error else 200,
        )
