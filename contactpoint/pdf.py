"""HTML to PDF with weasyprint, reading nothing but the project's own static files.

The HTML of agreements, statements and reports carries text people typed. weasyprint
follows every URL in it (images, style sheets, fonts, attachments), so a typed
``<img src="http://10.0.0.1/admin">`` or ``<link rel="attachment" href="file:///etc/passwd">``
would make the server fetch or embed it (server-side request forgery). Every render goes
through ``html_to_pdf``, whose fetcher serves ``data:`` URIs and files under the static
folders (``STATICFILES_DIRS`` and ``STATIC_ROOT``) and refuses everything else.

Every PDF is tagged and accessible (PDF/UA-1 where the installed weasyprint has it, else at
least tagged), with the document's language and title taken from the HTML (``<html lang>``,
``<title>``).
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

# weasyprint reports every step at INFO, even while importing (it parses its own style
# sheets then): quiet it before the import.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from weasyprint.pdf import VARIANTS  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()
# PDF/UA-1 where the installed weasyprint has it (61 and later); otherwise at least tagged.
PDF_VARIANT = "pdf/ua-1" if "pdf/ua-1" in VARIANTS else None

logger = logging.getLogger(__name__)


def static_roots() -> list[Path]:
    """The folders a PDF may read files from."""
    roots = [STATIC_DIR, *(Path(str(d)).resolve() for d in settings.STATICFILES_DIRS)]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return list(dict.fromkeys(roots))


class ProjectFilesFetcher(URLFetcher):
    """Serves ``data:`` URIs and ``file://`` URLs inside the static folders; refuses the rest."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)  # decoded in memory, nothing is opened
        if scheme == "file":
            path = Path(unquote(parts.path)).resolve()  # "..", symlinks: where it really is
            if path.is_file() and any(path.is_relative_to(root) for root in static_roots()):
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": mime}
                )
        logger.warning("PDF rendering refused to load %s", url[:200])
        raise ValueError(f"PDFs load only the project's static files, not {url[:200]}")


def html_to_pdf(html: str) -> bytes:
    """The tagged PDF of ``html``; relative URLs resolve inside ``static/``."""
    document = weasyprint.HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=ProjectFilesFetcher()
    )
    if PDF_VARIANT:
        return document.write_pdf(pdf_variant=PDF_VARIANT)
    return document.write_pdf(pdf_tags=True)
