"""The team lead keeps the thesaurus in the admin; edits apply to search and matching at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from contactpoint import roles
from matching import engine, retrieval
from needs.models import ThesaurusGroup
from needs.thesaurus import load_thesaurus
from tests.factories import NeedFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def group_form(name, key, terms, *, existing=()):
    data = {
        "name": name,
        "key": key,
        "terms-TOTAL_FORMS": str(len(existing) + len(terms)),
        "terms-INITIAL_FORMS": str(len(existing)),
        "terms-MIN_NUM_FORMS": "0",
        "terms-MAX_NUM_FORMS": "1000",
    }
    for i, term in enumerate([*existing, *terms]):
        if i < len(existing):
            data[f"terms-{i}-id"] = str(term.pk)
            data[f"terms-{i}-group"] = str(term.group_id)
            term_text, language = term.term, term.language
        else:
            term_text, language = term
        data[f"terms-{i}-term"] = term_text
        data[f"terms-{i}-language"] = language
    return data


def test_only_the_team_lead_may_change_the_thesaurus():
    roles.sync_role_permissions()

    def perms(role):
        return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))

    lead = perms(roles.TEAM_LEAD)
    assert {"add_thesaurusgroup", "change_thesaurusgroup", "delete_thesaurusgroup"} <= lead
    assert {"add_thesaurusterm", "change_thesaurusterm", "delete_thesaurusterm"} <= lead
    assert "view_thesaurusgroup" in perms(roles.ACCOUNT_MANAGER)
    assert "change_thesaurusgroup" not in perms(roles.ACCOUNT_MANAGER)
    assert "view_thesaurusgroup" not in perms(roles.DEPARTMENT)


def test_team_lead_adds_a_group_and_it_applies_to_search_and_matching_without_restart(client):
    lead = UserFactory(role=roles.TEAM_LEAD, totp=True)
    client.force_login(lead)
    need = NeedFactory(title="Monopattini per gli educatori di strada", quantity=4)
    offer = OfferFactory(title="Four e-scooters", description="Electric scooters.", quantity=4)
    today = timezone.localdate()
    assert client.get("/needs/", {"q": "scooter"}).context["page"].object_list.count() == 0
    assert need.pk not in {
        r.candidate.need_id for r in retrieval.offer_candidates(offer_id=offer.pk, today=today)
    }

    response = client.post(
        "/admin/needs/thesaurusgroup/add/",
        group_form("Monopattini", "monopattini", [("monopattino", "it"), ("scooter", "en")]),
    )

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    titles = [n.title for n in client.get("/needs/", {"q": "scooter"}).context["page"]]
    assert titles == ["Monopattini per gli educatori di strada"]
    rows = {
        r.candidate.need_id: r.candidate
        for r in retrieval.offer_candidates(offer_id=offer.pk, today=today)
    }
    assert engine.text_relevance(rows[need.pk]) > 0.3
    assert rows[need.pk].links == ("scooter ≈ monopattino",)


def test_removing_a_term_applies_at_once(client, thesaurus):
    lead = UserFactory(role=roles.TEAM_LEAD, totp=True)
    client.force_login(lead)
    NeedFactory(title="Giacconi per l'inverno")
    assert [n.title for n in client.get("/needs/", {"q": "cappotti"}).context["page"]] == [
        "Giacconi per l'inverno"
    ]
    group = ThesaurusGroup.objects.get(key="capispalla")
    terms = list(group.terms.all())
    data = group_form(group.name, group.key, [], existing=terms)
    data[f"terms-{terms.index(group.terms.get(term='giacconi'))}-DELETE"] = "on"

    response = client.post(f"/admin/needs/thesaurusgroup/{group.pk}/change/", data)

    assert response.status_code == 302
    page = client.get("/needs/", {"q": "cappotti"}).context
    # Nothing found through the thesaurus; the typo fallback finds nothing similar either.
    assert list(page["page"]) == []


def test_a_term_of_stop_words_only_is_refused_with_a_field_error(client):
    client.force_login(UserFactory(role=roles.TEAM_LEAD, totp=True))

    response = client.post(
        "/admin/needs/thesaurusgroup/add/",
        group_form("Vuoto", "vuoto", [("il della", "it")]),
    )

    assert response.status_code == 200
    assert not ThesaurusGroup.objects.filter(key="vuoto").exists()
    errors = str(response.context["inline_admin_formsets"][0].formset.errors)
    assert "“il della” contiene solo parole che la ricerca ignora" in errors


def test_loading_the_file_twice_changes_nothing():
    load_thesaurus()
    before = (
        ThesaurusGroup.objects.count(),
        sum(g.terms.count() for g in ThesaurusGroup.objects.all()),
    )
    assert load_thesaurus() == (0, 0)
    after = (
        ThesaurusGroup.objects.count(),
        sum(g.terms.count() for g in ThesaurusGroup.objects.all()),
    )
    assert before == after
    assert ThesaurusGroup.objects.get(key="parole-generiche").generic
