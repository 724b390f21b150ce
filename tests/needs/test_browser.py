"""The catalogue in a real browser, in Italian: filter by NIL with htmx, open a need, offer."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from contactpoint import roles
from needs import demo
from needs.models import Need
from tests.factories import MunicipioFactory, NeighbourhoodFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_visitor_filters_by_nil_opens_a_need_and_goes_to_the_offer_form(live_server, page):
    for name in roles.ALL_ROLES:  # a flush by an earlier transactional test drops them
        Group.objects.get_or_create(name=name)
    demo.load_reference()
    demo.load_needs()
    mural = Need.objects.get(title__contains="Sottocorno")
    outside = Need.objects.get(title__startswith="40 PC")

    page.goto(live_server.url + "/needs/")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    results = page.locator("#needs-results")
    expect(results).to_contain_text(outside.title)
    # Marks this document: a full navigation would lose it, an htmx swap keeps it.
    page.evaluate("window.__sameDocument = true")

    page.locator("#id_neighbourhood").select_option(label="Rogoredo - Santa Giulia")

    expect(page).to_have_url(re.compile(r"/needs/\?.*neighbourhood=33"))
    expect(results).not_to_contain_text(outside.title)
    expect(results).to_contain_text(mural.title)
    expect(page.locator("#needs-count")).to_contain_text("2")
    assert page.evaluate("window.__sameDocument === true")
    assert page.console_errors == []

    results.get_by_role("link", name=mural.title).click()
    expect(page).to_have_url(f"{live_server.url}/needs/{mural.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(mural.title)
    expect(page.locator("#need-progress")).to_be_visible()
    assert page.console_errors == []

    # English msgid until the translation pass adds "Offri aiuto per questo fabbisogno".
    offer = page.locator("main").get_by_role(
        "link", name=re.compile("^(Offri aiuto|Offer help for this need)")
    )
    offer.click()
    expect(page).to_have_url(f"{live_server.url}/offers/new/?need={mural.pk}")
    # The offer form (stakeholders app) names the chosen need.
    expect(page.locator("#chosen-need")).to_have_text(mural.title)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_filters_work_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False, locale="it-IT")
    page = context.new_page()
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    demo.load_reference()
    demo.load_needs()

    page.goto(live_server.url + "/needs/")
    page.locator("#id_neighbourhood").select_option(label="Rogoredo - Santa Giulia")
    page.locator("#needs-filters").get_by_role("button").first.click()

    expect(page).to_have_url(re.compile(r"neighbourhood=33"))
    expect(page.locator("#needs-results")).to_contain_text("Sottocorno")
    expect(page.locator("#needs-results")).not_to_contain_text("40 PC")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_choosing_a_municipio_narrows_the_nil_picker(live_server, page):
    four, one = MunicipioFactory(number=4), MunicipioFactory(number=1)
    rogoredo = NeighbourhoodFactory(nil_id=4901, name="Rogoredo", municipio=four)
    rogoredo.municipi.add(MunicipioFactory(number=5))
    brera = NeighbourhoodFactory(nil_id=4902, name="Brera", municipio=one)

    page.goto(f"{live_server.url}/needs/")
    page.select_option("#id_municipio", str(four.number))

    options = page.locator("#id_neighbourhood option")
    assert options.filter(has_text="Rogoredo").evaluate("o => o.hidden") is False
    assert options.filter(has_text=brera.name).evaluate("o => o.hidden") is True
    page.select_option("#id_municipio", "")
    assert options.filter(has_text=brera.name).evaluate("o => o.hidden") is False
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_finds_laboratorio_and_laboratori_alike_and_says_when_it_guesses(live_server, page):
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    demo.load_reference()
    demo.load_needs()
    sky = Need.objects.get(title__startswith="Il cielo itinerante")

    page.goto(live_server.url + "/needs/")
    results = page.locator("#needs-results")
    search = page.locator("#id_q")

    def titles_for(text):
        search.fill(text)
        search.press("Enter")
        expect(page).to_have_url(re.compile(rf"q={text}"))
        expect(results).to_contain_text(sky.title)
        # Whitespace folded: a title read while htmx settles the swap comes as raw text.
        return sorted(" ".join(t.split()) for t in results.locator("h3").all_inner_texts())

    singular = titles_for("laboratorio")
    plural = titles_for("laboratori")

    assert singular == plural
    assert page.console_errors == []

    titles_for("laboratrio")  # a typo: similar titles, and the page says so
    expect(results.get_by_role("status")).to_contain_text("Risultati per “laboratori”")
