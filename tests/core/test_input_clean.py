"""Input kept clean: bytes that are not UTF-8, misleading names, dates out of range."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from contactpoint import roles
from contactpoint.clean_text import clean_name, misleading_characters, normalise_name
from needs.models import Need
from stakeholders.models import ContactPerson, Offer, Organisation
from tests.factories import OrganisationFactory, UserFactory, with_totp
from tests.stakeholders.offer_support import api_payload, form_data

pytestmark = pytest.mark.django_db

OVERRIDE = "Rossi \u202eapS"  # shows as "Rossi Spa", reads the other way round
ZERO_WIDTH = "Ros\u200bsi\ufeff S\u200d.p.A."


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


# --- Names ----------------------------------------------------------------------------------

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c"
REFUSED = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\x07\n\t\u2028\u00ad\ue000"


@given(st.text())
def test_a_normalised_name_is_stable_nfc_and_has_no_invisible_characters(text):
    name = normalise_name(text)
    assert normalise_name(name) == name
    assert unicodedata.is_normalized("NFC", name)
    assert not set(name) & set(INVISIBLE)


@given(st.text(), st.sampled_from(REFUSED), st.text())
def test_any_name_with_a_bidi_control_or_control_character_is_refused(before, bad, after):
    assert misleading_characters(f"{before}a{bad}b{after}")


@given(st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "Zs"])))
def test_names_in_any_script_pass(text):
    assert clean_name(text) == normalise_name(text)


def test_decomposed_accents_are_composed():
    assert clean_name("Societa\u0300 Cooperativa") == "Società Cooperativa"


def test_the_public_form_refuses_a_bidi_override_with_a_field_error_in_italian(client, settings):
    settings.LANGUAGE_CODE = "it"
    response = client.post("/offers/new/", form_data(legal_name=OVERRIDE, last_name=OVERRIDE))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"legal_name", "last_name"}
    assert "caratteri invisibili o di controllo" in errors["legal_name"][0]
    assert not Offer.objects.exists() and not Organisation.objects.exists()


def test_the_public_form_strips_zero_width_characters(client):
    response = client.post("/offers/new/", form_data(legal_name=ZERO_WIDTH, title="PC\u200b 30"))
    assert response.status_code == 302, response.context["form"].errors
    offer = Offer.objects.get()
    assert offer.organisation.legal_name == "Rossi S.p.A."
    assert offer.title == "PC 30"


@pytest.mark.parametrize("field", ["legal_name", "first_name", "last_name", "title"])
def test_the_offer_api_refuses_a_bidi_control_in_a_name(field):
    body = api_payload(**{field: "Bianchi \u2067x\u2069"})
    response = APIClient().post("/api/v1/offers/", body, format="json")
    assert response.status_code == 400
    assert field in json.dumps(response.json())
    assert not Offer.objects.exists()


def test_the_offer_api_strips_zero_width_characters():
    body = api_payload(legal_name=ZERO_WIDTH, first_name="Lu\u200dca")
    response = APIClient().post("/api/v1/offers/", body, format="json")
    assert response.status_code == 201, response.json()
    offer = Offer.objects.get()
    assert offer.organisation.legal_name == "Rossi S.p.A."
    assert offer.contact.first_name == "Luca"


@pytest.fixture
def team_lead(client):
    user = with_totp(UserFactory(role=roles.TEAM_LEAD, is_staff=True, is_superuser=True))
    client.force_login(user)
    return user


def test_the_admin_refuses_a_bidi_override_in_a_contact_name(client, team_lead):
    organisation = OrganisationFactory()
    response = client.post(
        "/admin/stakeholders/contactperson/add/",
        {
            "organisation": organisation.pk,
            "first_name": "Anna",
            "last_name": OVERRIDE,
            "email": "anna@example.org",
            "language": "it",
        },
    )
    assert response.status_code == 200
    assert "last_name" in response.context["adminform"].form.errors
    assert not ContactPerson.objects.exists()


def change_user(client, user, **fields):
    """Posts the admin's user change form: Anna Verdi, joined 1 January 2026, with ``fields``."""
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "Anna",
        "last_name": "Verdi",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "is_active": "on",
    }
    return client.post(f"/admin/auth/user/{user.pk}/change/", {**data, **fields})


def test_the_admin_refuses_a_bidi_override_in_a_user_name(client, team_lead):
    user = UserFactory(first_name="Anna")
    response = change_user(client, user, first_name=OVERRIDE)
    assert response.status_code == 200
    assert "first_name" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.first_name == "Anna"


def test_a_name_saved_without_validation_is_still_stored_clean():
    organisation = OrganisationFactory(legal_name="Ros\u200bsi \u202eSpA\u202c")
    user = UserFactory(last_name="Ver\u2066di\ufeff")
    organisation.refresh_from_db()
    user.refresh_from_db()
    assert organisation.legal_name == "Rossi SpA"
    assert user.last_name == "Verdi"


def test_an_import_row_with_a_bidi_override_is_a_row_error_and_zero_width_is_stripped():
    from stakeholders import imports

    content = f"tipo;ragione_sociale\nassociazione;{OVERRIDE}\nassociazione;{ZERO_WIDTH}\n"
    preview = imports.preview_file(kind="organisations", content=content.encode(), filename="a.csv")
    first, second = preview.rows
    assert [e.column for e in first.errors] == ["legal_name"]
    assert not second.errors
    assert second.cleaned["legal_name"] == "Rossi S.p.A."


# --- Dates ----------------------------------------------------------------------------------


@given(st.dates())
def test_a_date_is_refused_exactly_when_it_is_out_of_bounds(day):
    from django.core.exceptions import ValidationError

    from contactpoint.date_bounds import bounds, validate_input_date

    earliest, latest = bounds()
    try:
        validate_input_date(day)
    except ValidationError:
        refused = True
    else:
        refused = False
    assert refused == (day < earliest or day > latest)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_the_public_form_refuses_a_date_out_of_bounds_with_a_field_error(client, day):
    response = client.post("/offers/new/", form_data(available_until=day))
    assert response.status_code == 200
    assert "available_until" in response.context["form"].errors
    assert not Offer.objects.exists()


def test_the_date_error_is_in_italian(client, settings):
    settings.LANGUAGE_CODE = "it"
    response = client.post("/offers/new/", form_data(available_from="9999-12-31"))
    message = response.context["form"].errors["available_from"][0]
    assert "Inserisci una data non successiva al" in message and "10 anni" in message


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_offer_api_refuses_a_date_out_of_bounds(day):
    body = api_payload(available_from=day)
    response = APIClient().post("/api/v1/offers/", body, format="json")
    assert response.status_code == 400
    assert "available_from" in json.dumps(response.json())
    assert not Offer.objects.exists()


def test_a_date_ten_years_ahead_is_accepted_and_one_day_more_is_not(client):
    from contactpoint.date_bounds import bounds

    latest = bounds()[1]
    too_late = latest.fromordinal(latest.toordinal() + 1)
    response = client.post("/offers/new/", form_data(available_until=too_late.isoformat()))
    assert "available_until" in response.context["form"].errors
    response = client.post("/offers/new/", form_data(available_until=latest.isoformat()))
    assert response.status_code == 302


def test_the_admin_refuses_a_holiday_in_year_9999(client, team_lead):
    from matching.models import Holiday

    response = client.post(
        "/admin/matching/holiday/add/", {"date": "9999-12-31", "name": "Capodanno"}
    )
    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    assert not Holiday.objects.exists()


def test_the_need_model_and_the_agreement_sign_form_refuse_year_1():
    from django.core.exceptions import ValidationError

    from vademecum.forms import SignForm

    need = Need(wanted_by="0001-01-01")
    with pytest.raises(ValidationError) as caught:
        need.clean_fields(exclude=[f.name for f in Need._meta.fields if f.name != "wanted_by"])
    assert "wanted_by" in caught.value.message_dict
    form = SignForm(data={"signed_on": "0001-01-01", "protocol_number": "PG 1/2026"})
    assert "signed_on" in form.errors


def test_the_admin_refuses_a_date_time_in_year_1_instead_of_storing_1_bc(client, team_lead):
    user = UserFactory(first_name="Anna")
    response = change_user(client, user, date_joined_0="0001-01-01", date_joined_1="00:00:00")
    assert response.status_code == 200
    assert "date_joined" in response.context["adminform"].form.errors
    assert client.get(f"/admin/auth/user/{user.pk}/change/").status_code == 200
