"""Place pickers that work on a phone: no Ctrl-click lists, NIL narrowed by Municipio.

Every NIL option carries the Municipi it lies in (``data-municipi``, a NIL may straddle
two or three), and the NIL field names the Municipio field it follows
(``data-cp-narrowed-by``). ``static/js/places.js`` then shows only the NIL of the chosen
Municipi; without JavaScript every NIL stays available.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms

from .models import Neighbourhood


class _NarrowedByMunicipio:
    """Adds ``data-municipi`` to each NIL option: the Municipi as the Municipio field's
    values (``key``: "pk" or "number", whichever that field submits). The Municipi of every
    NIL are read in one query per render, so the field's own look-ups stay plain."""

    key = "pk"

    def optgroups(self, name, value, attrs=None):  # type: ignore[no-untyped-def]
        column = "municipio__number" if self.key == "number" else "municipio_id"
        places: dict[int, list[str]] = defaultdict(list)
        links = Neighbourhood.municipi.through.objects.order_by("municipio__number")
        for nil_pk, municipio in links.values_list("neighbourhood_id", column):
            places[nil_pk].append(str(municipio))
        self._municipi_of = places
        return super().optgroups(name, value, attrs)  # type: ignore[misc]

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option: dict[str, Any] = super().create_option(  # type: ignore[misc]
            name, value, label, selected, index, subindex=subindex, attrs=attrs
        )
        instance = getattr(value, "instance", None)
        if isinstance(instance, Neighbourhood):
            municipi = getattr(self, "_municipi_of", {}).get(instance.pk, [])
            option["attrs"] = {**option["attrs"], "data-municipi": " ".join(municipi)}
        return option


class NeighbourhoodSelect(_NarrowedByMunicipio, forms.Select):
    """One NIL from a drop-down, narrowed by the Municipio drop-down named ``narrowed_by``."""

    def __init__(self, *, narrowed_by: str, key: str = "pk", attrs: dict | None = None) -> None:
        super().__init__(attrs={**(attrs or {}), "data-cp-narrowed-by": narrowed_by})
        self.key = key


class NeighbourhoodCheckboxes(_NarrowedByMunicipio, forms.CheckboxSelectMultiple):
    """Several NIL as tick boxes (no Ctrl-click), narrowed by the Municipi ticked."""

    def __init__(self, *, narrowed_by: str, key: str = "pk", attrs: dict | None = None) -> None:
        super().__init__(
            attrs={**(attrs or {}), "data-cp-narrowed-by": narrowed_by, "class": "cp-nil-list"}
        )
        self.key = key
