"""Each role, in a real browser, from signing in (with a second factor for staff) to its
first action on the page it lands on. In Italian, and once in English."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    generate_totp_secret,
)
from playwright.sync_api import expect

from contactpoint import roles
from matching.models import Stage
from tests.factories import (
    ContactPersonFactory,
    DepartmentFactory,
    OfferFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.fixtures.browser import LIVE_BROWSER, enter_credentials
from tests.matching.workflow_support import make_manager, make_match, make_stakeholder

pytestmark = LIVE_BROWSER


def ready(user) -> str | None:
    """A verified e-mail, and for staff an authenticator; returns its secret."""
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    if not roles.is_city_staff(user):
        return None
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in(page, base_url: str, user, secret: str | None, *, wording: str = "Accedi") -> None:
    """From the home page's header link, as a person would."""
    page.goto(base_url + "/")
    page.locator(".it-header-slim-wrapper a", has_text=wording).click()
    enter_credentials(page, user, secret)


def header_places(page) -> list[str]:
    return page.locator("#main-menu a[data-place]").evaluate_all(
        "links => links.map(link => link.dataset.place)"
    )


def test_account_manager_lands_on_their_queue_and_opens_a_match(live_server, page):
    manager = make_manager(first_name="Laura", last_name="Conti")
    match = make_match(manager=manager, stage=Stage.ASSIGNED)
    secret = ready(manager)

    sign_in(page, live_server.url, manager, secret)

    page.wait_for_url(f"{live_server.url}/admin/matching/match/")
    row = page.locator("#result_list tbody tr", has_text=match.need.title)
    expect(row).to_have_count(1)
    row.locator("th a, td a").first.click()
    page.wait_for_url(re.compile(rf".*/admin/matching/match/{match.pk}/change/$"))
    expect(page.locator("button[data-action=advance][data-to-stage=contacted]")).to_be_visible()
    assert page.console_errors == []


def test_team_lead_lands_on_the_team_view_and_opens_an_unassigned_match(live_server, page):
    lead = make_manager(lead=True, profile=False, first_name="Chiara", last_name="Galli")
    make_manager(first_name="Paolo", last_name="Ferrari")
    waiting = make_match(manager=None, stage=Stage.PROPOSED)
    secret = ready(lead)

    sign_in(page, live_server.url, lead, secret)

    page.wait_for_url(f"{live_server.url}/team/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vista del team")
    assert header_places(page) == ["team", "queue", "admin"]
    expect(page.locator("#cp-loads-table")).to_contain_text("Paolo Ferrari")
    page.locator("#cp-unassigned-table a", has_text=waiting.need.title).click()
    page.wait_for_url(re.compile(rf".*/admin/matching/match/{waiting.pk}/change/$"))
    assert page.console_errors == []


def test_department_user_lands_on_the_workspace_and_starts_a_need(live_server, page):
    user = UserFactory(role=roles.DEPARTMENT)
    DepartmentFactory(name="Politiche Sociali").members.add(user)
    secret = ready(user)

    sign_in(page, live_server.url, user, secret)

    page.wait_for_url(f"{live_server.url}/workspace/")
    assert header_places(page) == ["workspace", "admin"]
    page.get_by_role("link", name="Nuovo fabbisogno").click()
    page.wait_for_url(f"{live_server.url}/workspace/needs/new/")
    expect(page.locator("form #id_title")).to_be_visible()
    assert page.console_errors == []


def test_cabinet_lands_on_the_dashboard_and_exports_it(live_server, page):
    user = UserFactory(role=roles.CABINET)
    make_match(manager=None, stage=Stage.PROPOSED)
    secret = ready(user)

    sign_in(page, live_server.url, user, secret)

    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert header_places(page) == ["dashboard", "admin"]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cruscotto di monitoraggio")
    with page.expect_download() as download:
        page.get_by_role("link", name="Esporta CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert page.console_errors == []


def test_legal_lands_on_the_vademecum_workspace(live_server, page):
    user = UserFactory(role=roles.LEGAL)
    secret = ready(user)

    sign_in(page, live_server.url, user, secret)

    page.wait_for_url(f"{live_server.url}/vademecum/workspace/")
    assert header_places(page) == ["vademecum", "admin"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Area di lavoro dell'ufficio legale")
    assert page.console_errors == []


def test_stakeholder_lands_on_my_area_and_opens_their_offer(live_server, page):
    organisation = OrganisationFactory(legal_name="Tecnologie Solidali S.r.l.")
    user = make_stakeholder(organisation)
    offer = OfferFactory(
        organisation=organisation,
        contact=ContactPersonFactory(organisation=organisation),
        title="20 computer portatili",
    )
    ready(user)

    sign_in(page, live_server.url, user, None)

    page.wait_for_url(f"{live_server.url}/my/")
    assert header_places(page) == ["my"]
    page.locator("main a", has_text=offer.title).first.click()
    page.wait_for_url(f"{live_server.url}/offers/track/{offer.tracking_token}/")
    expect(page.locator("main")).to_contain_text(offer.title)
    assert page.console_errors == []


def test_in_english_a_team_lead_lands_on_the_team_view(live_server, browser):
    lead = make_manager(lead=True, profile=False)
    make_match(manager=None, stage=Stage.PROPOSED)
    secret = ready(lead)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server.url, lead, secret, wording="Sign in")

        page.wait_for_url(f"{live_server.url}/team/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("Team view")
        expect(page.locator("#main-menu")).to_contain_text("My queue")
    finally:
        context.close()
