"""Places as a city writes them: every Municipio of a NIL, pickers without Ctrl-click that
narrow the NIL by Municipio, Italian dates and numbers."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import formats, translation

from tests.factories import MunicipioFactory, NeedFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db


def straddling_nil():
    four, five = MunicipioFactory(number=4), MunicipioFactory(number=5)
    nil = NeighbourhoodFactory(
        nil_id=4242, official_name="ROGOREDO", name="Rogoredo", municipio=five
    )
    nil.municipi.add(four)
    return nil, four, five


def test_a_need_in_a_nil_that_straddles_two_municipi_names_both(client):
    nil, four, five = straddling_nil()
    need = NeedFactory(neighbourhood=nil)

    html = client.get(f"/needs/{need.pk}/").content.decode()

    assert f"Rogoredo, {four}, {five}" in " ".join(html.split())


def test_the_catalogue_nil_picker_knows_each_nils_municipi(client):
    nil, _four, _five = straddling_nil()
    alone = NeighbourhoodFactory(nil_id=4343, name="Brera", municipio=MunicipioFactory(number=1))

    html = client.get("/needs/").content.decode()

    assert 'data-cp-narrowed-by="municipio"' in html
    assert re.search(rf'value="{nil.nil_id}"[^>]*data-municipi="4 5"', html)
    assert re.search(rf'value="{alone.nil_id}"[^>]*data-municipi="1"', html)
    assert '<script src="/static/js/places.js" defer></script>' in html


def test_the_offer_forms_place_pickers_are_tick_boxes_without_ctrl_click(client):
    nil, four, _five = straddling_nil()

    html = client.get("/offers/new/").content.decode()

    assert "Ctrl" not in html
    assert f'type="checkbox" name="municipi" value="{four.pk}"' in html
    assert re.search(
        rf'type="checkbox" name="neighbourhoods" value="{nil.pk}"[^>]*data-municipi="{four.pk} ',
        html,
    )
    assert 'data-cp-narrowed-by="municipi"' in html


def test_italian_dates_write_months_in_lower_case():
    when = datetime.datetime(2026, 12, 1, 23, 35)
    with translation.override("it"):
        assert formats.date_format(when, "DATE_FORMAT") == "1 dicembre 2026"
        assert formats.date_format(when, "DATETIME_FORMAT") == "1 dicembre 2026, 23:35"
        assert formats.date_format(when, "YEAR_MONTH_FORMAT") == "dicembre 2026"
    with translation.override("en"):
        assert formats.date_format(when, "DATE_FORMAT") == "Dec. 1, 2026"
