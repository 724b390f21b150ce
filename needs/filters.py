"""The catalogue's filters, shared by the public pages and the API."""

from __future__ import annotations

import django_filters
from django.contrib.postgres.search import SearchRank, TrigramWordSimilarity
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from . import language
from .forms import StyledBoundField
from .models import InterventionArea, Municipio, Need, Neighbourhood, ResourceKind
from .widgets import NeighbourhoodSelect

SEARCH_MAX_LENGTH = 200


def search_needs(queryset: QuerySet[Need], text: str) -> QuerySet[Need]:
    """Full-text search in Italian and English, accents ignored, best matches first.

    Every word must match, as written or through its lemma ("laboratorio" finds
    "laboratori") or a thesaurus term of its group ("notebook" finds "PC portatile");
    "quoted phrases" and -exclusions work, and no input can make PostgreSQL raise a syntax
    error (``needs.language.search_query``).
    """
    text = " ".join(text.split())
    if not text:
        return queryset
    query = language.search_query(text)
    if query is None:
        return queryset
    return (
        queryset.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", *(Need._meta.ordering or []))
    )


def similar_needs(queryset: QuerySet[Need], text: str) -> QuerySet[Need]:
    """Needs whose title contains words like the text (pg_trgm word similarity, through
    the title's trigram index): the fallback for a search with a typo."""
    text = " ".join(text.split())[:SEARCH_MAX_LENGTH]
    return (
        queryset.filter(title__trigram_word_similar=text)
        .annotate(similarity=TrigramWordSimilarity(text, "title"))
        .order_by("-similarity", *(Need._meta.ordering or []))
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
        return queryset  # applied last, in filter_queryset, over the other filters

    def filter_queryset(self, queryset: QuerySet[Need]) -> QuerySet[Need]:
        return search_needs(super().filter_queryset(queryset), self.text)

    @property
    def text(self) -> str:
        return " ".join((self.form.cleaned_data.get("q") or "").split())

    def similar(self) -> QuerySet[Need]:
        """The fallback for a text that found nothing (a typo): needs with similar title
        words, under the same other filters."""
        return similar_needs(super().filter_queryset(self.queryset), self.text)
