"""Evidence uploads: checked by size and content; stored files come back only as downloads."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from contactpoint import roles, uploads
from monitoring.models import Collaboration, Evidence
from tests.factories import MatchFactory, UserFactory
from tests.matching.workflow_support import login, make_manager
from tests.monitoring.support import collaboration

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", PNG),
        ("note.pdf", PDF),
        ("register.xlsx", b"PK\x03\x04rest"),
        ("list.csv", "nome;ore\nAnna;3\nCaffè;2\n".encode()),
    ],
)
def test_files_of_the_allowed_kinds_pass(name, content):
    uploads.check_upload(upload(name, content), allowed=("png", "pdf", "xlsx", "csv"))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("page.pdf", HTML, "file_content"),  # HTML under a PDF's name
        ("image.png", SVG, "file_content"),  # an SVG with a script under a PNG's name
        ("list.csv", HTML, "file_content"),
        ("list.csv", b"a,b\n\x00\x01", "file_content"),
        ("empty.pdf", b"", "file_content"),
        ("page.html", HTML, "file_kind"),
        ("image.svg", SVG, "file_kind"),
        ("noextension", PDF, "file_kind"),
    ],
)
def test_a_file_whose_content_or_kind_is_not_allowed_is_refused(name, content, code):
    with pytest.raises(ValidationError) as caught:
        uploads.check_upload(upload(name, content), allowed=("png", "pdf", "csv"))
    assert caught.value.code == code


@given(st.binary(max_size=64), st.sampled_from(["pdf", "png", "jpg", "xlsx"]))
def test_a_binary_kind_passes_only_with_its_signature(content, kind):
    signatures = uploads.KINDS[kind][1]
    try:
        uploads.check_upload(upload(f"f.{kind}", content), allowed=(kind,))
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == content.startswith(signatures)


def test_a_file_over_the_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="too large"):
        uploads.check_upload(upload("big.pdf", PDF + b"x" * 1024), allowed=("pdf",))


def test_the_admin_refuses_html_uploaded_as_pdf_evidence_and_stores_nothing():
    manager = make_manager()
    record = collaboration(match=MatchFactory(manager=manager), started="2026-01-10T10:00+01:00")
    request = RequestFactory().post("/")
    request.user = manager
    inline = admin.site._registry[Collaboration].get_inline_instances(request, record)[-1]
    formset_class = inline.get_formset(request, record)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-title": "Bolla di consegna",
        f"{prefix}-1-title": "Foto",
    }
    files = {
        f"{prefix}-0-file": upload("bolla.pdf", HTML),
        f"{prefix}-1-file": upload("foto.png", PNG),
    }
    formset = formset_class(data, files, instance=record, prefix=prefix)
    assert not formset.is_valid()
    assert "file" in formset.forms[0].errors
    assert not formset.forms[1].errors
    assert not Evidence.objects.exists()


@pytest.fixture
def stored_html(db):
    """An HTML page stored as evidence (as an older check could have let through)."""
    record = collaboration(match=MatchFactory(), started="2026-01-10T10:00+01:00")
    evidence = Evidence(collaboration=record, title="Pagina <b>", sha256="")
    evidence.file.save("page.html", ContentFile(HTML), save=True)
    return evidence


def test_a_stored_file_is_downloaded_as_an_attachment_never_rendered(client, stored_html):
    login(client, make_manager(lead=True))
    response = client.get(f"/admin/monitoring/collaboration/evidence/{stored_html.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == HTML


def test_a_stored_pdf_keeps_its_type_but_is_still_an_attachment(client, db):
    record = collaboration(match=MatchFactory(), started="2026-01-10T10:00+01:00")
    evidence = Evidence(collaboration=record, title="Bolla")
    evidence.file.save("bolla.pdf", ContentFile(PDF), save=True)
    login(client, make_manager(lead=True))
    response = client.get(f"/admin/monitoring/collaboration/evidence/{evidence.pk}/download/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="bolla-{evidence.pk}.pdf"'


def test_only_readers_of_the_record_download_its_evidence(client, stored_html):
    url = f"/admin/monitoring/collaboration/evidence/{stored_html.pk}/download/"
    assert client.get(url).status_code == 302  # to the login
    login(client, UserFactory(role=roles.CABINET))
    assert client.get(url).status_code in (302, 403)
    login(client, make_manager(lead=True))
    assert client.get(url.replace(str(stored_html.pk), "999999")).status_code == 404
