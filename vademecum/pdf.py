"""PDF rendering with weasyprint: agreements and blank templates.

The HTML comes from ``templates/vademecum/pdf/document.html``; clause texts are filled by
``placeholders.fill`` (escaped), never by the template engine. weasyprint may read only the
project's own static files (fonts), nothing on the network or elsewhere on disk
(``contactpoint.pdf``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from contactpoint import pdf as rendering
from contactpoint.pdf import PDF_VARIANT, STATIC_DIR

from . import placeholders
from .models import Agreement, TemplateVersion, pick

__all__ = ["PDF_VARIANT", "STATIC_DIR", "agreement_pdf", "blank_pdf", "html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    """The tagged PDF of ``html`` (relative URLs resolve inside ``static/``)."""
    return rendering.html_to_pdf(html)


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
