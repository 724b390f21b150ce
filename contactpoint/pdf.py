"""Every PDF of the portal is rendered here: tagged, accessible (PDF/UA-1), with the
document's language and title taken from the HTML (``<html lang>``, ``<title>``)."""

from __future__ import annotations

import logging
from typing import Any

# weasyprint reports every step at INFO, even while importing (it parses its own style
# sheets then): quiet it before the import.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from weasyprint.pdf import VARIANTS  # noqa: E402

# PDF/UA-1 where the installed weasyprint has it (61 and later); otherwise at least tagged.
PDF_VARIANT = "pdf/ua-1" if "pdf/ua-1" in VARIANTS else None


def render_pdf(html: str, *, base_url: str | None = None, url_fetcher: Any = None) -> bytes:
    """The PDF of ``html``: a structure tree screen readers follow, language and title set."""
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    if PDF_VARIANT:
        return document.write_pdf(pdf_variant=PDF_VARIANT)
    return document.write_pdf(pdf_tags=True)
