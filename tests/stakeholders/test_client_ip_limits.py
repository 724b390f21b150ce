"""Limits count the real client: X-Forwarded-For only behind the configured proxies, the
same address for the offer form, the API and allauth's sign-in limits."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from contactpoint.adapters import AccountAdapter
from contactpoint.clientip import client_ip
from stakeholders.models import Offer
from tests.factories import valid_vat_number

from .offer_support import api_payload, form_data

pytestmark = [pytest.mark.django_db]


def _request(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.1"),  # no proxy: the header is the client's own words
        (1, None, "10.0.0.1"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the forged part is on the left
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: leftmost
        (1, "not-an-address", "10.0.0.1"),
        (1, "  ,  ", "10.0.0.1"),
    ],
)
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = _request("10.0.0.1", forwarded)

    assert client_ip(request) == expected
    # allauth's sign-in and sign-up limits see the same client.
    assert AccountAdapter(request).get_client_ip(request) == expected


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_offer_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.OFFER_RATE_LIMIT_PER_IP = 2
    statuses = [
        client.post(
            "/offers/new/",
            form_data(
                idempotency_key=f"forged-xff-key-{n:08d}",
                email=f"x{n}@rossi-costruzioni.it",
                vat_number=valid_vat_number(300 + n),
            ),
            REMOTE_ADDR="10.3.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]

    assert statuses == [302, 302, 429]
    assert Offer.objects.count() == 2


def test_behind_one_proxy_each_client_has_its_own_api_limit(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.OFFER_RATE_LIMIT_PER_IP = 1
    api = APIClient()

    def post(n: int, client_address: str):
        body = api_payload(tax_code=valid_vat_number(400 + n), email=f"c{n}@bianchi.org")
        return api.post(
            "/api/v1/offers/",
            body,
            format="json",
            REMOTE_ADDR="10.0.0.254",  # the proxy
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, {client_address}",
        )

    assert post(1, "203.0.113.1").status_code == 201
    assert post(2, "203.0.113.1").status_code == 429  # same client, forged left part
    assert post(3, "203.0.113.2").status_code == 201  # another client behind the proxy
