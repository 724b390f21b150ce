"""The public catalogue: published needs only, filters, htmx fragment, detail page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from needs.models import Need
from tests.factories import InterventionAreaFactory, NeedFactory, NeighbourhoodFactory
from tests.fixtures.pages import assert_shows

pytestmark = pytest.mark.django_db


def test_catalogue_lists_published_and_partly_covered_needs_only(client, department_x):
    NeedFactory(department=department_x, title="Pubblicato")
    NeedFactory(
        department=department_x,
        title="In parte coperto",
        status="partially_covered",
        quantity=10,
        quantity_open=3,
    )
    for status in ("draft", "covered", "closed", "expired"):
        NeedFactory(department=department_x, title=f"Stato {status}", status=status)

    response = client.get("/needs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Pubblicato" in html
    assert "In parte coperto" in html
    for status in ("draft", "covered", "closed", "expired"):
        assert f"Stato {status}" not in html


def test_a_card_shows_department_area_place_kind_quantity_date_priority_and_stale(client):
    nil = NeighbourhoodFactory(name="Rogoredo - Santa Giulia")
    NeedFactory(
        title="Murale alla scuola",
        neighbourhood=nil,
        quantity=10,
        quantity_open=4,
        status="partially_covered",
        unit="giornate",
        wanted_by=datetime.date(2027, 5, 30),
        priority=Need.Priority.URGENT,
        last_reviewed_at=timezone.now() - datetime.timedelta(days=200),
    )

    html = client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    need = Need.objects.get()
    assert_shows(
        html,
        str(need.department),
        str(need.area),
        "Rogoredo - Santa Giulia",
        f"({nil.municipio})",
        "Goods in kind",
        "4 giornate",
        'datetime="2027-05-30"',
        "Urgent",
        "cp-stale",
    )


def test_filters_by_area_municipio_neighbourhood_and_kind(client):
    digital = InterventionAreaFactory(slug="poverta-digitale")
    nil = NeighbourhoodFactory(nil_id=33)
    straddling = NeighbourhoodFactory(nil_id=68)
    straddling.municipi.add(nil.municipio)
    a = NeedFactory(title="Alfa", area=digital, neighbourhood=nil)
    b = NeedFactory(title="Beta", resource_kind="funding", neighbourhood=straddling)
    c = NeedFactory(title="Gamma", resource_kind="spaces")

    def titles(query):
        response = client.get("/needs/", query)
        assert response.status_code == 200
        return {n.title for n in response.context["page"]}

    assert titles({"area": "poverta-digitale"}) == {a.title}
    assert titles({"neighbourhood": 33}) == {a.title}
    # A NIL straddling two Municipi is found from either.
    assert titles({"municipio": nil.municipio.number}) == {a.title, b.title}
    assert titles({"resource_kind": "spaces"}) == {c.title}
    assert titles({"resource_kind": "funding", "municipio": nil.municipio.number}) == {b.title}
    assert titles({}) == {a.title, b.title, c.title}


def test_an_unknown_filter_value_is_shown_as_a_field_error_not_a_500(client):
    NeedFactory(title="Alfa")

    response = client.get("/needs/", {"area": "nope", "resource_kind": "gold", "q": "x" * 201})

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"area", "resource_kind", "q"}
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert "Alfa" not in html


def test_htmx_request_gets_only_the_results_fragment(client):
    NeedFactory(title="Alfa")

    full = client.get("/needs/")
    fragment = client.get("/needs/", HTTP_HX_REQUEST="true")

    assert "<html" in full.content.decode()
    html = fragment.content.decode()
    assert "<html" not in html
    assert "needs-filters" not in html
    assert "Alfa" in html
    # The result count is updated out of band inside the page's persistent live region.
    assert 'id="needs-count" hx-swap-oob="innerHTML"' in html
    assert "HX-Request" in fragment["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client):
    response = client.get("/needs/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "needs-filters" in response.content.decode()


def test_filter_form_works_without_javascript_and_with_htmx(client):
    html = client.get("/needs/").content.decode()
    assert_shows(
        html,
        'method="get"',
        'action="/needs/"',
        'hx-get="/needs/"',
        'hx-target="#needs-results"',
        'hx-push-url="true"',
    )


def test_catalogue_is_paginated_by_20_and_keeps_the_filters_in_page_links(client):
    area = InterventionAreaFactory(slug="stem")
    NeedFactory.create_batch(25, area=area)

    first = client.get("/needs/", {"area": "stem"})
    second = client.get("/needs/", {"area": "stem", "page": 2})

    assert len(first.context["page"]) == 20
    assert len(second.context["page"]) == 5
    assert "?area=stem&amp;page=2" in first.content.decode()
    assert client.get("/needs/", {"page": "abc"}).status_code == 200


def test_detail_shows_the_public_facts_progress_and_offer_button(client, member_x, need_x):
    need_x.quantity = 40
    need_x.quantity_open = 25
    need_x.status = "partially_covered"
    need_x.unit = "PC"
    need_x.created_by = member_x
    need_x.reviewed_by = member_x
    need_x.save()

    response = client.get(f"/needs/{need_x.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert need_x.title in html
    assert '<progress id="need-progress"' in html
    assert 'max="40" value="15"' in html
    assert "15 of 40 PC covered; 25 PC still needed." in html
    assert f'href="/offers/new/?need={need_x.pk}"' in html
    assert "Offer help for this need" in html
    # Staff names stay inside the city.
    assert member_x.last_name not in html
    assert member_x.email not in html


def test_detail_of_a_draft_closed_or_missing_need_is_a_404_even_for_its_department(
    client, member_x, draft_x, department_x
):
    closed = NeedFactory(department=department_x, status="closed")
    for pk in (draft_x.pk, closed.pk, 999999):
        assert client.get(f"/needs/{pk}/").status_code == 404
    client.force_login(member_x)
    assert client.get(f"/needs/{draft_x.pk}/").status_code == 404


def test_script_in_a_description_is_shown_escaped(client):
    need = NeedFactory(
        title="<b>Titolo</b>", description='<script>alert("x")</script>\nSeconda riga'
    )

    html = client.get(f"/needs/{need.pk}/").content.decode()
    listing = client.get("/needs/").content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<b>Titolo</b>" not in html
    assert "&lt;b&gt;Titolo&lt;/b&gt;" in listing


def test_catalogue_is_in_italian_by_default(client):
    need = NeedFactory()
    html = client.get(f"/needs/{need.pk}/").content.decode()
    assert '<html lang="it"' in html
