"""End to end, in Italian: an offer from the public form reaches the right account manager's
queue with the reason, and the manager, signed in with a second factor, marks it contacted."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.utils import translation

from matching import routing, services
from matching.models import Match, Stage
from stakeholders.models import Offer
from tests.factories import InterventionAreaFactory
from tests.fixtures.browser import AT_HOME, enter_credentials, offer_laptops, sottocorno_laptops
from tests.matching.workflow_support import make_manager


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "it-IT"}


def italian(text) -> str:
    with translation.override("it"):
        return str(text)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_offer_reaches_the_right_managers_queue_and_is_marked_contacted(live_server, page):
    cache.clear()  # the offer form's rate limits count in the cache
    digital = InterventionAreaFactory(slug="poverta-digitale", name="Povertà digitale")
    greening = InterventionAreaFactory(slug="verde", name="Verde urbano")
    need = sottocorno_laptops(description=AT_HOME)
    laura = make_manager(
        areas=[digital], email="laura.conti@comune.example", first_name="Laura", last_name="Conti"
    )
    make_manager(areas=[greening], email="paolo.ferrari@comune.example")
    EmailAddress.objects.create(user=laura, email=laura.email, verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(laura, secret)

    # A company offers laptops on the public form, for that need.
    offer_laptops(page, live_server.url, need_pk=need.pk, vat_seed=7373)
    assert page.locator("html").get_attribute("lang") == "it"
    offer = Offer.objects.get()

    # What the matching job does once the offer is committed.
    services.match_offer(offer=offer)
    match = Match.objects.get(offer=offer, need=need)
    assert match.manager == laura
    assert match.routing_reason["rule"] == routing.RULE_AREA

    # The manager signs in to the admin: password, then the code of her authenticator app.
    page.goto(f"{live_server.url}/admin/")
    enter_credentials(page, laura, secret)
    page.wait_for_url(re.compile(r".*/admin/$"))

    # Her queue (the default view) has the match, with the reason it came to her.
    page.goto(f"{live_server.url}/admin/matching/match/")
    row = page.locator("#result_list tbody tr", has_text=need.title)
    assert row.count() == 1
    row_text = row.inner_text()
    assert "Tecnologie Solidali S.r.l." in row_text
    assert italian(routing.RULE_LABELS[routing.RULE_AREA]) in row_text
    assert italian(Stage.ASSIGNED.label) in row_text

    row.locator("th a, td a").first.click()
    page.wait_for_url(re.compile(rf".*/admin/matching/match/{match.pk}/change/$"))
    reason = page.locator(".cp-routing-reason").inner_text()
    with translation.override("it"):
        assert reason == routing.describe_reason(match.routing_reason)
    assert "Laura Conti" in reason

    page.click("button[data-action=advance][data-to-stage=contacted]")
    page.wait_for_url(re.compile(rf".*/admin/matching/match/{match.pk}/change/$"))
    assert page.locator(".cp-stage[data-stage=contacted]").inner_text().strip() == italian(
        Stage.CONTACTED.label
    )
    match.refresh_from_db()
    assert match.stage == Stage.CONTACTED
    assert match.contacted_at is not None
    assert page.console_errors == []
