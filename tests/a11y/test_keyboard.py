"""The public offer form, completed with the keyboard alone (Tab, Shift+Tab, arrow keys,
Space, Enter; no click, no fill): every stop shows where the focus is, and the skip link
jumps over the header."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from stakeholders.models import Offer
from tests.factories import InterventionAreaFactory, valid_vat_number
from tests.fixtures.browser import LIVE_BROWSER

pytestmark = LIVE_BROWSER

MAX_TAB_STOPS = 200

# Whether the focused element (or, for a visually hidden checkbox, its label) draws a focus
# indicator: an outline or a box shadow.
FOCUS_SHOWN = """() => {
    const el = document.activeElement;
    const drawn = (node) => {
        if (!node) return false;
        const style = getComputedStyle(node);
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
        return outline || (style.boxShadow && style.boxShadow !== "none");
    };
    return drawn(el) || drawn(el.labels && el.labels.length ? el.labels[0] : null);
}"""

FOCUSED = "() => { const el = document.activeElement; return el.id || el.tagName; }"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "it-IT"}


class Keyboard:
    """Moves through the page with Tab and Shift+Tab, checking each stop's focus ring."""

    def __init__(self, page) -> None:
        self.page = page
        self.stops: list[str] = []
        self.unseen: list[str] = []

    def tab(self, *, back: bool = False) -> str:
        self.page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = self.page.evaluate(FOCUSED)
        self.stops.append(focused)
        if not self.page.evaluate(FOCUS_SHOWN):
            self.unseen.append(focused)
        return focused

    def tab_to(self, element_id: str) -> None:
        for _ in range(MAX_TAB_STOPS):
            if self.tab() == element_id:
                return
        raise AssertionError(f"#{element_id} not reached with Tab; stops: {self.stops[-20:]}")

    def type_into(self, element_id: str, text: str) -> None:
        self.tab_to(element_id)
        self.page.keyboard.type(text)

    def choose(self, element_id: str, value: str) -> None:
        """A <select>, by arrow keys until it shows ``value``."""
        self.tab_to(element_id)
        select = self.page.locator(f"#{element_id}")
        for _ in range(20):
            if select.input_value() == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"#{element_id}: {value!r} not reached with the arrow keys")

    def tick(self, element_id: str) -> None:
        self.tab_to(element_id)
        self.page.keyboard.press("Space")
        expect(self.page.locator(f"#{element_id}")).to_be_checked()


def test_offer_form_completed_with_the_keyboard_alone(live_server, page):
    area = InterventionAreaFactory(slug="poverta-digitale", name="Povertà digitale")
    page.goto(f"{live_server.url}/offers/new/")
    keys = Keyboard(page)

    # The first stop is the skip link; Enter moves the focus past the header to the content.
    assert keys.tab() == "A"
    expect(page.get_by_role("link", name="Vai al contenuto principale")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    keys.type_into("id_legal_name", "Tecnologie Solidali S.r.l.")
    keys.choose("id_kind", "company")
    keys.type_into("id_vat_number", valid_vat_number(4242))
    keys.type_into("id_first_name", "Giovana")
    keys.type_into("id_last_name", "Brambilla")
    # A typo noticed late: back with Shift+Tab, correct it, on again.
    assert keys.tab(back=True) == "id_first_name"
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("n")
    assert keys.tab() == "id_last_name"
    keys.type_into("id_email", "giovanna@tecnologie-solidali.it")
    keys.choose("id_resource_kind", "goods")
    keys.type_into("id_title", "20 computer portatili ricondizionati")
    keys.type_into("id_description", "Portatili con garanzia di un anno, consegna a scuola.")
    keys.type_into("id_quantity", "20")
    keys.type_into("id_unit", "portatili")
    keys.tick("id_areas_0")
    keys.tick("id_consent_contact")
    keys.tab_to("offer-submit")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/offers/thanks/")
    offer = Offer.objects.select_related("organisation", "contact").get()
    assert offer.organisation.legal_name == "Tecnologie Solidali S.r.l."
    assert offer.organisation.kind == "company"
    assert offer.contact.first_name == "Giovanna"
    assert offer.resource_kind == "goods"
    assert offer.quantity == 20
    assert list(offer.areas.all()) == [area]
    # Every stop on the way showed where the focus was.
    assert keys.unseen == [], keys.unseen
    assert page.console_errors == []
