"""The offer form kept for anonymous visitors: each gets a CSRF token of their own and can
send the form; the need it names follows the catalogue."""

from __future__ import annotations

import pytest
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from needs import services as need_services
from stakeholders.models import Offer
from tests.factories import NeedFactory, UserFactory, valid_vat_number

from .offer_support import form_data

pytestmark = pytest.mark.django_db

URL = "/offers/new/"


def token_of(html: str) -> str:
    tokens = {part.split('"')[0] for part in html.split('name="csrfmiddlewaretoken" value="')[1:]}
    assert len(tokens) == 1  # the language switch and the form carry the same one
    return tokens.pop()


def test_two_visitors_get_different_tokens_and_both_can_send_the_form(places):
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    first = visitors[0].get(URL)
    with CaptureQueriesContext(connection) as ctx:
        second = visitors[1].get(URL)
    assert len(ctx.captured_queries) == 0  # kept, the catalogue version read a moment ago

    tokens = [token_of(response.content.decode()) for response in (first, second)]
    secrets = [response.cookies["csrftoken"].value for response in (first, second)]
    assert secrets[0] != secrets[1]
    assert [_unmask_cipher_token(token) for token in tokens] == secrets
    assert 'name="homepage"' in second.content.decode()  # the honeypot, empty as ever
    assert 'name="homepage" value' not in second.content.decode()

    for n, (visitor, token) in enumerate(zip(visitors, tokens, strict=True)):
        data = form_data(
            places,
            legal_name=f"Impresa Numero {n} S.r.l.",
            vat_number=valid_vat_number(7100 + n),
            email=f"persona{n}@impresa-numero-{n}.it",
            csrfmiddlewaretoken=token,
        )
        response = visitor.post(URL, data)
        assert response.status_code == 302, response.content.decode()[:500]
        assert response["Location"].endswith("/offers/thanks/")
    assert Offer.objects.count() == 2

    # Another visitor's token is refused with the first one's cookie missing.
    stranger = Client(enforce_csrf_checks=True)
    refused = stranger.post(URL, form_data(places, csrfmiddlewaretoken=tokens[0]))
    assert refused.status_code == 403


def test_the_form_for_a_need_follows_the_catalogue(client, places):
    from contactpoint import roles
    from tests.factories import DepartmentFactory

    department = DepartmentFactory()
    member = UserFactory(role=roles.DEPARTMENT)
    department.members.add(member)
    need = NeedFactory(department=department, area=places["area"], title="Lavagne digitali")
    url = f"{URL}?need={need.pk}"
    client.get(url)
    assert "Lavagne digitali" in client.get(url).content.decode()

    need_services.close_need(need=need, actor=member, reason="Risolto")

    html = client.get(url).content.decode()
    assert "Lavagne digitali" not in html


def test_a_signed_in_stakeholder_never_gets_the_anonymous_form(client, places):
    client.get(URL)
    client.get(URL)  # kept
    user = UserFactory(email="giulia@impresa-verde.it", first_name="Giulia")
    person = Client()
    person.force_login(user)

    html = person.get(URL).content.decode()

    assert "cp-logout" in html
    assert "cp-logout" not in client.get(URL).content.decode()
