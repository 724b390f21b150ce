"""Helpers shared by the registry's admin pages: staff choices, counted annotations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext as _

from contactpoint import roles


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


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter whose unfiltered state is a choice of its own (``default_label``), not "All"."""

    default_label: Any = ""

    def choices(self, changelist: Any):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": self.default_label,
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class EmptyByDefaultFilter(DefaultChoiceFilter):
    """Rows whose ``field`` is empty by default; ``set_choice`` (parameter value, label)
    lists those where it is set, and "all" lists both."""

    field = ""
    set_choice: tuple[str, Any] = ("", "")

    def lookups(self, request: HttpRequest, model_admin: Any):
        return (self.set_choice, ("all", _("All")))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == self.set_choice[0]:
            return queryset.filter(**{f"{self.field}__isnull": False})
        if self.value() == "all":
            return queryset
        return queryset.filter(**{f"{self.field}__isnull": True})
