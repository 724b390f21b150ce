"""Every PDF the portal renders is tagged (PDF/UA-1): marked content, a structure tree, the
document's language and its title, in the language it was asked for."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from contactpoint import roles
from contactpoint.pdf import PDF_VARIANT
from matching.models import Stage
from tests.factories import MatchFactory, OfferFactory, OrganisationFactory, UserFactory
from tests.matching.workflow_support import login, make_team_lead
from tests.monitoring.support import at, collaboration
from vademecum import loading
from vademecum.models import TemplateVersion

pytestmark = pytest.mark.django_db


def assert_tagged(content: bytes, *, language: str, title_starts: str) -> None:
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in root
    assert root["/StructTreeRoot"].get_object()["/K"]  # the tree has content
    assert root["/Lang"] == language
    assert reader.metadata is not None
    assert reader.metadata.title.startswith(title_starts), reader.metadata.title
    assert reader.pdf_header == "%PDF-1.7"
    assert b"pdfuaid:part" in reader.xmp_metadata.stream.get_data()  # PDF/UA identification


@pytest.fixture
def company():
    organisation = OrganisationFactory(legal_name="Tecnologie Solidali S.r.l.", allow_press=True)
    match = MatchFactory(offer=OfferFactory(organisation=organisation), stage=Stage.COMPLETED)
    collaboration(match=match, started=at(2025, 3, 1), completed=at(2025, 9, 1), devices=30)
    return organisation


def in_language(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_installed_weasyprint_renders_pdf_ua_1():
    assert PDF_VARIANT == "pdf/ua-1"


@pytest.mark.parametrize("language", ["it", "en"])
def test_vademecum_template_pdf_is_tagged(client, language):
    loading.load_vademecum()
    version = TemplateVersion.objects.published().select_related("template").first()
    path = f"/vademecum/{version.template.slug}/v{version.number}/pdf/"

    response = in_language(client, language).get(path)

    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    title = {"it": version.template.title_it, "en": version.template.title_en}[language]
    assert_tagged(content, language=language, title_starts=title)


# The cabinet's PDFs and their titles in each language.
CABINET_PDFS = {
    "/dashboard/export.pdf": {"it": "Cruscotto di monitoraggio", "en": "Monitoring dashboard"},
    "/dashboard/annual-report.pdf?year=2025": {"it": "Rapporto annuale", "en": "Annual report"},
}


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("path", CABINET_PDFS)
def test_cabinet_pdfs_are_tagged(client, company, path, language):
    title = CABINET_PDFS[path][language]
    login(client, UserFactory(role=roles.CABINET))

    response = in_language(client, language).get(path)

    assert response.status_code == 200
    assert_tagged(response.content, language=language, title_starts=title)


@pytest.mark.parametrize(
    ("language", "title"),
    [("it", "Rendicontazione aziendale"), ("en", "Company statement")],
)
def test_company_statement_pdf_is_tagged(client, company, language, title):
    login(client, make_team_lead())
    path = f"/dashboard/statements/{company.pk}/2025/"
    assert in_language(client, language).post(path).status_code == 302  # signed off

    response = client.get(path + "statement.pdf")

    assert response.status_code == 200
    assert_tagged(response.content, language=language, title_starts=title)
