"""The shell in a real browser: assets load under the CSP, the language switch works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

ITALIAN_HEADING = "Vuoi aiutare la città? Parti da qui."
ENGLISH_HEADING = "Want to help the city? Start here."


def titillium_loaded(page) -> bool:
    """True once the page's text is drawn with bootstrap-italia's own font (fonts.css)."""
    return page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts].some(
                (face) => face.family.replace(/"/g, "") === "Titillium Web"
                    && face.status === "loaded"
            );
        }"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_in_italian_then_switch_to_english(live_server, page):
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("heading", level=1)).to_have_text(ITALIAN_HEADING)
    # bootstrap-italia's CSS is applied (slim header colour) and its font is in use.
    slim_header = page.locator(".it-header-slim-wrapper")
    expect(slim_header).to_have_css("background-color", "rgb(0, 89, 179)")
    assert titillium_loaded(page)
    # The bundle ran (window.bootstrap) and htmx loaded: no script was blocked by the CSP.
    assert page.evaluate("typeof window.bootstrap === 'object' && typeof window.htmx === 'object'")
    assert page.console_errors == []

    switch = page.get_by_role("group", name="Lingua")
    expect(switch.get_by_role("button", name=re.compile("^IT"))).to_have_attribute(
        "aria-current", "true"
    )
    switch.get_by_role("button", name=re.compile("^EN")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(ENGLISH_HEADING)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(
        page.get_by_role("group", name="Language").get_by_role("button", name=re.compile("^EN"))
    ).to_have_attribute("aria-current", "true")
    assert page.url == live_server.url + "/"
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_skip_link_is_the_first_stop_and_moves_focus_to_main(live_server, page):
    page.goto(live_server.url + "/privacy/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Vai al contenuto principale")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")

    expect(page.locator("main#main")).to_be_focused()
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_page_uses_the_portal_shell_and_shows_field_errors(live_server, page):
    page.goto(live_server.url + "/accounts/login/")

    expect(page.locator(".it-header-wrapper")).to_be_visible()
    email = page.get_by_label("Email")
    email.fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong-password")
    page.locator("main").get_by_role("button", name=re.compile("Accedi|Sign In")).click()

    expect(page.get_by_role("alert").first).to_be_visible()
    assert page.console_errors == []
