"""End to end, in Italian: the legal office publishes a new version of a template, then the
account manager generates an agreement from it on the match page; the PDF is rendered by
the real worker while the page shows progress."""

from __future__ import annotations

import re

import pytest

from contactpoint import roles
from matching.models import Stage
from tests.factories import MatchFactory, OfferFactory, UserFactory
from tests.fixtures.browser import sign_in
from vademecum import loading
from vademecum.models import Agreement, TemplateVersion, VersionStatus


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "it-IT"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_legal_publishes_a_version_and_the_manager_generates_an_agreement_from_it(
    live_server, page, celery_worker_process
):
    loading.load_vademecum()
    legal = UserFactory(
        role=roles.LEGAL, email="elena.ricci@comune.example", verified=True, totp=True
    )
    legal_secret = legal.totp_secret
    manager = UserFactory(
        role=roles.ACCOUNT_MANAGER, email="laura.conti@comune.example", verified=True, totp=True
    )
    manager_secret = manager.totp_secret
    offer = OfferFactory(
        organisation__legal_name="Tecnologie Solidali S.r.l.", title="20 portatili ricondizionati"
    )
    match = MatchFactory(offer=offer, stage=Stage.NEGOTIATING, manager=manager, quantity=20)

    # The legal office starts version 2 of the donation template, edits and approves it.
    sign_in(page, live_server.url, legal, legal_secret, "/vademecum/workspace/")
    page.locator("li[data-version=donazione-beni-1] button[data-action=new-draft]").click()
    page.wait_for_url(re.compile(r".*/vademecum/workspace/versions/\d+/$"))
    page.fill("#id_changelog", "Consegna entro trenta giorni.")
    body = page.locator("#id_c1_body_it")
    body.fill(body.input_value() + " La consegna avviene entro trenta giorni.")
    page.click("button[name=approve]")
    page.wait_for_url(f"{live_server.url}/vademecum/workspace/")
    page.locator("li[data-version=donazione-beni-2] button").click()
    page.wait_for_url(f"{live_server.url}/vademecum/workspace/")
    assert page.locator("li[data-version=donazione-beni-2]").count() == 1  # now published
    version = TemplateVersion.objects.get(template__slug="donazione-beni", number=2)
    assert version.status == VersionStatus.PUBLISHED
    assert version.approved_by == legal
    page.goto(f"{live_server.url}/vademecum/donazione-beni/")
    assert "trenta giorni" in page.locator("#clause-oggetto").inner_text()

    # The account manager opens the match in the admin and generates the agreement.
    sign_in(
        page, live_server.url, manager, manager_secret, f"/admin/matching/match/{match.pk}/change/"
    )
    page.click("a[data-action=agreement]")
    page.wait_for_url(re.compile(r".*/vademecum/agreements/new/\d+/$"))
    selected = page.locator("#id_version option:checked").inner_text()
    assert "v2" in selected  # the guide's answer, on the version just published
    page.fill("#id_city__signatory", "dott.ssa Laura Bianchi")
    page.click("#agreement-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/vademecum/agreements/[\w-]+/$"))
    page.locator("#agreement-status[data-status=ready]").wait_for(timeout=60_000)
    agreement = Agreement.objects.get()
    assert agreement.version == version
    assert agreement.sha256 and agreement.pdf
    assert page.console_errors == []
