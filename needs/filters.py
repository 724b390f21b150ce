"""The catalogue's filters, shared by the public pages and the API."""

from __future__ import annotations

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from contactpoint.search import SEARCH_CONFIG

from .forms import StyledBoundField
from .models import InterventionArea, Municipio, Need, Neighbourhood, ResourceKind
from .widgets import NeighbourhoodSelect

SEARCH_MAX_LENGTH = 200


def search_needs(queryset: QuerySet[Need], text: str) -> QuerySet[Need]:
    """Full-text search in Italian, accents ignored, best matches first.

    ``websearch`` syntax: words are ANDed, "quoted phrases" and -exclusions work, and no
    input can make PostgreSQL raise a syntax error.
    """
    text = " ".join(text.split())
    if not text:
        return queryset
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    return (
        queryset.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", *(Need._meta.ordering or []))
    )


class NeedFilter(django_filters.FilterSet):
    """``?q=`` text, ``?area=<slug>``, ``?municipio=<number>``, ``?neighbourhood=<NIL id>``,
    ``?resource_kind=<kind>``."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=SEARCH_MAX_LENGTH,
        help_text=_('Words in the title or description, e.g. "computer" or "scuola".'),
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Intervention area"),
        queryset=InterventionArea.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("All areas"),
    )
    municipio = django_filters.ModelChoiceFilter(
        label=_("Municipio"),
        field_name="neighbourhood__municipi",
        queryset=Municipio.objects.order_by("number"),
        to_field_name="number",
        empty_label=_("All municipi"),
        help_text=_("Includes the neighbourhoods that straddle it."),
    )
    neighbourhood = django_filters.ModelChoiceFilter(
        label=_("Neighbourhood (NIL)"),
        queryset=Neighbourhood.objects.order_by("name"),
        to_field_name="nil_id",
        empty_label=_("All neighbourhoods"),
        # Choosing a Municipio narrows this list to its NIL (static/js/places.js).
        widget=NeighbourhoodSelect(narrowed_by="municipio", key="number"),
    )
    resource_kind = django_filters.ChoiceFilter(
        label=_("Kind of help"),
        choices=ResourceKind.choices,
        empty_label=_("Any kind of help"),
    )

    class Meta:
        model = Need
        fields = ["q", "area", "municipio", "neighbourhood", "resource_kind"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.form.bound_field_class = StyledBoundField

    def filter_text(self, queryset: QuerySet[Need], name: str, value: str) -> QuerySet[Need]:
        return search_needs(queryset, value)
