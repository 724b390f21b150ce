"""Vademecum benchmark: rendering a three-page agreement to PDF.

Measured: ``vademecum.pdf.agreement_pdf`` for a filled agreement (clauses filled and
escaped, the page rendered from its Django template, weasyprint with the static-only URL
fetcher and the tagged PDF/UA-1 variant). Baseline: weasyprint rendering the very same HTML
directly (``HTML(string=...).write_pdf()`` with its defaults), in the same run. Both warm (a
few renders first: the first render of a process loads the fonts).

Goal: median ratio <= 1.5 and a median under 1 s. Figures go to ``var/bench/vademecum.json``.
"""

from __future__ import annotations

import io
import json
import os

import weasyprint
from django.utils import timezone
from pypdf import PdfReader

from vademecum import pdf, placeholders, services
from vademecum.models import Agreement, Template, TemplateVersion, pick

from .common import summary, timings_ms, write_report

SLUG = "sponsorizzazione"


def sample_agreement() -> Agreement:
    """An unsaved agreement filled with the documented example values (no database writes)."""
    data = json.loads(
        (placeholders.DATA_DIR / "templates" / f"{SLUG}.json").read_text(encoding="utf-8")
    )
    template = Template(
        slug=SLUG,
        engagement_method=data["engagement_method"],
        title_it=data["title"]["it"],
        title_en=data["title"]["en"],
    )
    version = TemplateVersion(
        template=template,
        number=1,
        clauses=data["clauses"],
        guidance={key: data[key] for key in services.GUIDANCE_KEYS if key in data},
        published_at=timezone.now(),
    )
    values = {item["name"]: item["example"] for item in placeholders.definitions()}
    return Agreement(version=version, language="it", values=values, match_id=1024)


def run() -> dict:
    repeat = int(os.environ.get("BENCH_VADEMECUM_REPEAT", "15"))
    agreement = sample_agreement()
    html = pdf.agreement_html(agreement)
    base_url = pdf.STATIC_DIR.as_uri() + "/"

    def direct() -> bytes:
        return weasyprint.HTML(string=html, base_url=base_url).write_pdf()

    measured_pdf = pdf.agreement_pdf(agreement)
    direct_pdf = direct()
    pages = len(PdfReader(io.BytesIO(measured_pdf)).pages)
    # Alternate the two so that machine noise touches both alike.
    measured_samples: list[float] = []
    baseline_samples: list[float] = []
    for _ in range(repeat):
        measured_samples += timings_ms(lambda: pdf.agreement_pdf(agreement), repeat=1, warmup=0)
        baseline_samples += timings_ms(direct, repeat=1, warmup=0)
    measured = summary(measured_samples)
    baseline = summary(baseline_samples)
    ratio = round(measured["median_ms"] / baseline["median_ms"], 3)
    figures = {
        "goal": "median ratio <= 1.5 and median < 1000 ms warm",
        "template": SLUG,
        "title": pick(data_title(agreement)),
        "pages": pages,
        "pdf_variant": pdf.PDF_VARIANT,
        "measured_definition": (
            "vademecum.pdf.agreement_pdf: fill and escape the clauses, render the Django page "
            "template, weasyprint with the static-only fetcher and the PDF/UA-1 variant"
        ),
        "baseline_definition": "weasyprint.HTML(string=same html).write_pdf(), defaults",
        "measured": measured,
        "baseline": baseline,
        "ratio": ratio,
        "pdf_bytes": len(measured_pdf),
        "baseline_pdf_bytes": len(direct_pdf),
        "meets_goal": ratio <= 1.5 and measured["median_ms"] < 1000,
    }
    print(
        f"vademecum: {pages}-page agreement, median {measured['median_ms']:.0f} ms "
        f"(weasyprint alone {baseline['median_ms']:.0f} ms, ratio {ratio}), "
        f"PDF {len(measured_pdf) / 1024:.0f} KiB"
    )
    write_report("vademecum", figures)
    return figures


def data_title(agreement: Agreement) -> dict[str, str]:
    template = agreement.version.template
    return {"it": template.title_it, "en": template.title_en}
