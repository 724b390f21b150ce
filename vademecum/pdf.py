"""PDF rendering with weasyprint: agreements and blank templates.

The HTML comes from ``templates/vademecum/pdf/document.html``; clause texts are filled by
``placeholders.fill`` (escaped), never by the template engine. weasyprint may read only the
project's own static files (fonts), nothing on the network or elsewhere on disk.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from . import placeholders
from .models import Agreement, TemplateVersion, pick

# weasyprint reports every step at INFO, even while importing (it parses its own style
# sheets then): quiet it before the import.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from contactpoint.pdf import PDF_VARIANT as PDF_VARIANT  # noqa: E402  (the benchmark reports it)
from contactpoint.pdf import render_pdf  # noqa: E402

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file://`` URLs inside the project's ``static/`` folder; refuses the rest."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"vademecum PDFs load no external resource: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            raise ValueError(f"vademecum PDFs load only the project's static files: {url}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (relative URLs resolve inside ``static/``)."""
    return render_pdf(html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticOnlyFetcher())


def _clauses(version: TemplateVersion, values: dict[str, Any], language: str) -> list[dict]:
    return [
        {
            "number": position,
            "heading": pick(clause["heading"], language),
            "body": placeholders.fill(pick(clause["body"], language), values),
        }
        for position, clause in enumerate(version.clauses, start=1)
    ]


def _css_text(text: str) -> SafeString:
    """``text`` for a CSS string inside <style> (raw text: no HTML escaping applies)."""
    return mark_safe("".join(ch for ch in text if ch not in '"\\<>\n'))  # noqa: S308


def document_html(
    *,
    version: TemplateVersion,
    values: dict[str, Any],
    language: str,
    agreement: Agreement | None = None,
) -> str:
    title = pick({"it": version.template.title_it, "en": version.template.title_en}, language)
    with translation.override(language):
        return render_to_string(
            "vademecum/pdf/document.html",
            {
                "version": version,
                "title": title,
                "clauses": _clauses(version, values, language),
                "values": values,
                "agreement": agreement,
                "language": language,
                "city": settings.CONTACTPOINT_CITY,
                "blank": agreement is None,
                "css_city": _css_text(settings.CONTACTPOINT_CITY),
                "css_title": _css_text(
                    pick(
                        {"it": version.template.title_it, "en": version.template.title_en}, language
                    )
                ),
                "city_signatory": values.get("city.signatory") or placeholders.BLANK,
                "organisation_signatory": values.get("organisation.representative_name")
                or placeholders.BLANK,
            },
        )


def agreement_html(agreement: Agreement) -> str:
    return document_html(
        version=agreement.version,
        values=agreement.values,
        language=agreement.language,
        agreement=agreement,
    )


def agreement_pdf(agreement: Agreement) -> bytes:
    return html_to_pdf(agreement_html(agreement))


def blank_values(language: str) -> dict[str, str]:
    """Each placeholder shown as its label in brackets, for the blank template."""
    return {
        item["name"]: f"[{pick(item['label'], language)}]" for item in placeholders.definitions()
    }


def blank_pdf(version: TemplateVersion, language: str) -> bytes:
    return html_to_pdf(
        document_html(version=version, values=blank_values(language), language=language)
    )
