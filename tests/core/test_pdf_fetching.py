"""PDF rendering fetches nothing but the project's static files (no server-side requests)."""

from __future__ import annotations

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader

from contactpoint.pdf import STATIC_DIR, ProjectFilesFetcher, html_to_pdf

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def listener():
    """A local web server that records every request it gets."""
    hits: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_the_listener_does_record_a_fetch(listener):
    # The control: an unguarded fetch reaches it, so "no hit" below means something.
    import urllib.request

    base, hits = listener
    urllib.request.urlopen(f"{base}/control.png", timeout=5).read()
    assert hits == ["/control.png"]


def hostile_html(base: str) -> str:
    return f"""<html><head>
<link rel="stylesheet" href="{base}/style.css">
<link rel="attachment" href="file:///etc/passwd">
<style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}
@font-face {{ font-family: X; src: url("{base}/font.woff2"); }}</style>
</head><body style="font-family: X">
<p>Accordo</p>
<img src="{base}/img.png"><img src="file:///etc/passwd"><img src="../../../../etc/passwd">
<object data="{base}/object.png"></object><embed src="{base}/embed.png">
<a rel="attachment" href="{base}/attached.txt">allegato</a>
<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}">
</body></html>"""


def test_a_hostile_document_fetches_no_url_and_embeds_no_system_file(listener):
    base, hits = listener
    pdf = html_to_pdf(hostile_html(base))
    assert hits == []
    reader = PdfReader(io.BytesIO(pdf))
    assert "Accordo" in reader.pages[0].extract_text()
    assert not reader.attachments  # neither /etc/passwd nor the remote file
    passwd = open("/etc/passwd", "rb").read()[:40]  # noqa: SIM115
    assert passwd not in pdf


@pytest.mark.django_db
def test_an_agreement_template_with_an_image_tag_fetches_nothing(listener):
    from vademecum import loading
    from vademecum import pdf as vademecum_pdf
    from vademecum.models import TemplateVersion

    loading.load_vademecum()
    base, hits = listener
    version = TemplateVersion.objects.published().select_related("template").first()
    tag = f'<img src="{base}/clause.png"><link rel="attachment" href="file:///etc/passwd">'
    text = {"it": tag, "en": tag}
    version.clauses = [{"heading": text, "body": text}]  # in memory only
    pdf = vademecum_pdf.blank_pdf(version, "it")
    assert hits == []
    assert not PdfReader(io.BytesIO(pdf)).attachments


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8130/x.png",
        "https://example.org/logo.png",
        "ftp://example.org/x",
        "file:///etc/passwd",
        f"file://{STATIC_DIR}/../../../etc/passwd",
        "file:///proc/self/environ",
        "gopher://127.0.0.1:6379/_INFO",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files_and_data(url):
    with pytest.raises(ValueError, match="PDFs load only"):
        ProjectFilesFetcher().fetch(url)


def test_the_fetcher_serves_data_uris_and_static_files():
    assert ProjectFilesFetcher().fetch("data:text/plain,ciao").read() == b"ciao"
    font = next((STATIC_DIR / "vendor").rglob("*.woff2"))
    assert ProjectFilesFetcher().fetch(font.as_uri()).read() == font.read_bytes()
