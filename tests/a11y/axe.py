"""Running axe-core (vendored in ``vendor/``, never served by the portal) in a real page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

VENDOR = Path(__file__).with_name("vendor")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
LANGUAGES = ["it", "en"]

RUN_AXE = """async (tags) => {
    await document.fonts.ready;  // contrast is measured on the final font
    const results = await window.axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
        summary: v.nodes.length ? v.nodes[0].failureSummary : "",
    }));
}"""


@cache
def axe_source() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


def blocking_violations(page) -> list[dict[str, Any]]:
    """axe's serious and critical WCAG 2.1 A/AA violations on the page as it is now.

    The script is evaluated through the DevTools protocol, so the page's CSP (script-src
    'self') stays in force for everything else.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(RUN_AXE, WCAG_TAGS)
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


def describe(findings: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, violations in findings.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']}")
            lines.extend(f"    {target}" for target in v["targets"])
            lines.append(f"    {v['summary']}".replace("\n", "\n    "))
    return "\n".join(lines)


def signed_in_context(browser, base_url: str, *, language: str, user=None):
    """A browser context in ``language``, signed in as ``user`` (staff already have TOTP)."""
    context = browser.new_context(locale="it-IT" if language == "it" else "en-GB")
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url})
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return context, page


@contextmanager
def audited(browser, base_url: str, *, language: str, user=None) -> Iterator[Audit]:
    """An ``Audit`` in a context signed in as ``user``; the context is closed afterwards."""
    context, page = signed_in_context(browser, base_url, language=language, user=user)
    try:
        yield Audit(page, base_url, language)
    finally:
        context.close()


class Audit:
    """Visits pages one after the other and keeps what axe finds on each."""

    def __init__(self, page, base_url: str, language: str) -> None:
        self.page = page
        self.base_url = base_url
        self.language = language
        self.findings: dict[str, list[dict[str, Any]]] = {}
        self.checked: list[str] = []
        self.page_errors: list[str] = []

    def visit(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, (path, response.status)
        if status != 200:  # Chromium logs the error status of the page itself
            expected = f"the server responded with a status of {status}"
            self.page.console_errors[:] = [e for e in self.page.console_errors if expected not in e]
        self.check(path)

    def check(self, label: str) -> None:
        assert self.page.locator("html").get_attribute("lang") == self.language, label
        where = f"[{self.language}] {label}"
        self.checked.append(where)
        self.page_errors.extend(self.page.console_errors)
        violations = blocking_violations(self.page)
        # axe's own probes may set a style attribute, which the page's CSP reports; what
        # the page logged by itself was kept above.
        self.page.console_errors.clear()
        if violations:
            self.findings[where] = violations

    def assert_clean(self) -> None:
        assert not self.findings, "axe found serious or critical violations:\n" + describe(
            self.findings
        )
        assert self.page_errors == [], self.page_errors
