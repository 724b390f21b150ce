"""Input kept clean: bytes that are not UTF-8, misleading names, dates out of range."""

from __future__ import annotations

import json

import pytest

from needs.models import Need
from stakeholders.models import Offer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


# --- Bytes that are not UTF-8 --------------------------------------------------------------


@pytest.mark.parametrize("query", ["q=caff%E8", "q=%C3%28", "q=%ED%A0%80", "caff%E8=1"])
def test_a_query_string_that_is_not_utf8_is_a_400(client, query):
    response = client.get(f"/needs/?{query}")
    assert response.status_code == 400
    api = client.get(f"/api/v1/needs/?{query}")
    assert api.status_code == 400
    assert "UTF-8" in api.json()["detail"]


def test_raw_latin1_bytes_in_a_query_string_are_a_400(client):
    # A client that sends the byte itself, not percent-encoded.
    response = client.get("/needs/", QUERY_STRING=b"q=caff\xe8".decode("latin-1"))
    assert response.status_code == 400


def test_a_valid_utf8_query_string_passes(client):
    assert client.get("/needs/?q=caff%C3%A8+%F0%9F%8D%B5").status_code == 200


def test_a_form_body_that_is_not_utf8_is_refused_and_stores_nothing(client):
    body = b"legal_name=Caff%E8+Rossi&first_name=Anna"
    response = client.post("/offers/new/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert b"\xef\xbf\xbd" not in response.content  # no U+FFFD echoed back either
    assert not Offer.objects.exists()


def test_a_json_body_that_is_not_utf8_is_refused_and_stores_nothing(client):
    body = b'{"title": "Caff\xe8", "quantity": 1}'
    response = client.post("/api/v1/offers/", body, content_type="application/json")
    assert response.status_code == 400
    assert "UTF-8" in response.json()["detail"]
    assert not Offer.objects.exists()


def test_a_multipart_field_that_is_not_utf8_is_refused(client):
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="legal_name"\r\n\r\n'.encode()
        + b"Caff\xe8 Rossi\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/offers/new/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert not Offer.objects.exists()


def test_a_multipart_file_name_that_is_not_utf8_is_refused(client):
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        "filename*=UTF-8''caff%E8.csv\r\nContent-Type: text/csv\r\n\r\na,b\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = client.post(
        "/offers/new/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400


def test_a_valid_utf8_json_body_still_reaches_the_api(client):
    body = json.dumps({"title": "Caffè 🍵"}, ensure_ascii=False).encode()
    response = client.post("/api/v1/needs/", body, content_type="application/json")
    assert response.status_code in (401, 403)  # the API's own answer, not the guard's
    assert not Need.objects.exists()


def test_a_csv_import_in_no_known_encoding_is_a_clear_error_not_replacement_characters():
    from stakeholders import imports

    content = b"tipo;ragione_sociale\nassociazione;Caff\x81 Rossi\n"  # 0x81: not cp1252
    with pytest.raises(imports.ImportFileError, match="UTF-8"):
        imports.preview_file(kind="organisations", content=content, filename="a.csv")
