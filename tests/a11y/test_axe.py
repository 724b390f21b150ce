"""axe-core in Chromium, in Italian and English, on every public page and form state, the
stakeholder area, the workspaces, the dashboard and the admin queue: no serious or critical
WCAG 2.1 A/AA violation anywhere."""

from __future__ import annotations

import pytest

from contactpoint import roles
from matching.models import Stage
from stakeholders.models import Offer
from tests.a11y.axe import LANGUAGES, audited
from tests.factories import (
    ContactPersonFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    UserFactory,
    with_totp,
)
from tests.fixtures.browser import AT_HOME, LIVE_BROWSER, fill_offer_form, sottocorno_laptops
from tests.matching.workflow_support import (
    make_department_user,
    make_manager,
    make_match,
    make_stakeholder,
)
from vademecum import loading
from vademecum.models import TemplateVersion

pytestmark = LIVE_BROWSER


def open_need():
    return sottocorno_laptops(description=AT_HOME)


def fill_valid_offer(page, n: int) -> None:
    page.select_option("#id_resource_kind", index=1)
    fill_offer_form(page, vat_seed=n, email=f"giovanna{n}@tecnologie-solidali.it", unit="portatili")
    page.click("label[for=id_consent_contact]")


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_and_form_states(live_server, browser, language):
    need = open_need()
    loading.load_vademecum()
    with audited(browser, live_server.url, language=language) as audit:
        page = audit.page
        for path in (
            "/",
            "/needs/",
            f"/needs/?q=computer&area={need.area.slug}",
            "/needs/?q=zzqqxxnessuno",
            f"/needs/{need.pk}/",
            "/privacy/",
            "/accessibility/",
            "/vademecum/",
            "/vademecum/guide/",
            "/vademecum/companies/",
            f"/vademecum/{TemplateVersion.objects.published().first().template.slug}/",
            "/showcase/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/offers/new/",
            f"/offers/new/?need={need.pk}",
        ):
            audit.visit(path)
        audit.visit("/no-such-page/", status=404)

        # The offer form sent empty: every error shown beside its field and in the summary.
        audit.visit("/offers/new/")
        page.click("#offer-submit")
        page.wait_for_selector(".invalid-feedback, .alert-danger")
        audit.check("/offers/new/ (errors)")

        # Sent complete: the confirmation page.
        fill_valid_offer(page, 8100 + LANGUAGES.index(language))
        page.click("#offer-submit")
        page.wait_for_url(f"{live_server.url}/offers/thanks/")
        audit.check("/offers/thanks/")
        audit.visit(f"/offers/track/{Offer.objects.get().tracking_token}/")

        # A failed sign-in.
        audit.visit("/accounts/login/")
        page.fill("input[name=login]", "nobody@example.org")
        page.fill("input[name=password]", "wrong-password")
        page.locator("form:has(input[name=login]) button[type=submit]").click()
        page.get_by_role("alert").first.wait_for()
        audit.check("/accounts/login/ (errors)")

        audit.assert_clean()
        assert len(audit.checked) == 24


@pytest.mark.parametrize("language", LANGUAGES)
def test_stakeholder_area(live_server, browser, language):
    organisation = OrganisationFactory(legal_name="Tecnologie Solidali S.r.l.")
    user = make_stakeholder(organisation)
    OfferFactory(
        organisation=organisation,
        contact=ContactPersonFactory(organisation=organisation),
        title="20 computer portatili",
    )
    match = make_match(
        manager=make_manager(), stage=Stage.CONTACTED, organisation=organisation, need=open_need()
    )
    with audited(browser, live_server.url, language=language, user=user) as audit:
        for path in (
            "/my/",
            "/my/matches/",
            f"/my/matches/{match.pk}/",
            "/my/agreements/",
            "/my/statements/",
        ):
            audit.visit(path)
        audit.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_department_workspace_and_need_form(live_server, browser, language):
    user = with_totp(make_department_user())
    NeedFactory(department=user.departments.first(), title="Tablet per il centro anziani")
    with audited(browser, live_server.url, language=language, user=user) as audit:
        page = audit.page
        audit.visit("/workspace/")
        audit.visit("/workspace/needs/new/")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_selector(".invalid-feedback, .alert-danger")
        audit.check("/workspace/needs/new/ (errors)")
        audit.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_cabinet_dashboard(live_server, browser, language):
    user = with_totp(UserFactory(role=roles.CABINET))
    make_match(manager=make_manager(), stage=Stage.CONTACTED, need=open_need())
    make_match(manager=None, stage=Stage.PROPOSED)
    with audited(browser, live_server.url, language=language, user=user) as audit:
        audit.visit("/dashboard/")
        audit.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_legal_vademecum_workspace(live_server, browser, language):
    loading.load_vademecum()
    user = with_totp(UserFactory(role=roles.LEGAL))
    with audited(browser, live_server.url, language=language, user=user) as audit:
        audit.visit("/vademecum/workspace/")
        version = TemplateVersion.objects.published().first()
        audit.visit(f"/vademecum/workspace/versions/{version.pk}/")
        audit.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_match_queue_and_match_page(live_server, browser, language):
    manager = with_totp(make_manager(first_name="Laura", last_name="Conti"))
    match = make_match(manager=manager, stage=Stage.ASSIGNED, need=open_need())
    make_match(manager=manager, stage=Stage.CONTACTED)
    with audited(browser, live_server.url, language=language, user=manager) as audit:
        audit.visit("/admin/matching/match/")
        audit.visit(f"/admin/matching/match/{match.pk}/change/")
        audit.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_team_view_overview_and_statements(live_server, browser, language):
    lead = with_totp(make_manager(lead=True, profile=False))
    make_manager(first_name="Paolo", last_name="Ferrari")
    make_match(manager=None, stage=Stage.PROPOSED, need=open_need())
    with audited(browser, live_server.url, language=language, user=lead) as audit:
        audit.visit("/team/")
        audit.visit("/overview/")
        audit.visit("/dashboard/statements/")
        audit.assert_clean()
