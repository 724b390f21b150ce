"""Consent texts have versions: forms show and record the one in force, people see what
they agreed to, and the history is read-only (a superuser adds the next version)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contactpoint import roles
from contactpoint.models import AuditEntry
from stakeholders import consent, registry
from stakeholders.models import Consent, ConsentText, ContactPerson, OrganisationMembership
from tests.factories import ContactPersonFactory, OrganisationFactory, UserFactory, with_totp

from .offer_support import form_data

pytestmark = pytest.mark.django_db

NEW_IT = "Acconsento, nella nuova versione del testo, a essere contattato."
NEW_EN = "I agree, in the new version of the text, to be contacted."


def superuser():
    user = UserFactory(email="root@comune.example")
    user.is_superuser = user.is_staff = True
    user.save()
    return with_totp(user)


def publish(**fields):
    values = {
        "purpose": "contact",
        "version": "2027-01",
        "text_it": NEW_IT,
        "text_en": NEW_EN,
        "actor": None,
        **fields,
    }
    return consent.publish_consent_text(**values)


def test_the_seeded_version_is_in_force_for_every_purpose():
    texts = consent.texts_in_force()
    assert [t.purpose for t in texts] == list(Consent.Purpose.values)
    assert {t.version for t in texts} == {"2026-11"}


def test_the_offer_form_shows_and_records_the_version_in_force(client, places):
    publish()
    publish(purpose="survey", version="2027-02", effective_from=timezone.now() + timedelta(days=9))
    page = client.get("/offers/new/").content.decode()
    assert NEW_EN in page and "2027-01" in page

    assert client.post("/offers/new/", form_data(places)).status_code == 302
    contact = ContactPerson.objects.get()
    agreed = {c.purpose: c for c in Consent.objects.filter(contact=contact)}
    assert (agreed["contact"].text_version, agreed["contact"].text.text_it) == ("2027-01", NEW_IT)
    # A version not yet effective is not the one agreed to.
    assert agreed["survey"].text_version == "2026-11"


def test_a_version_is_never_rewritten_and_bad_input_is_a_field_error():
    publish()
    with pytest.raises(ValidationError) as error:
        publish(text_it="Altro testo")
    assert "version" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        publish(version="2027-05", text_en=" ")
    assert "text_en" in error.value.message_dict
    assert ConsentText.objects.get(version="2027-01").text_it == NEW_IT


def test_my_area_and_the_privacy_notice_show_the_version_and_text_agreed_to(client):
    user = UserFactory(email="irene@acero.it", role=roles.STAKEHOLDER, verified=True)
    organisation = OrganisationFactory(legal_name="Acero S.p.A.")
    OrganisationMembership.objects.create(user=user, organisation=organisation)
    contact = ContactPersonFactory(organisation=organisation, email="irene@acero.it")
    registry.give_consent(contact=contact, purpose=Consent.Purpose.NEWS)
    news_text = ConsentText.objects.get(purpose="news", version="2026-11")
    client.force_login(user)

    area = client.get("/my/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "2026-11" in area and news_text.text_it in area
    notice = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The versions you agreed to" in notice
    assert news_text.text_en in notice
    assert "24 months" in notice and "30 days before" in notice


def test_the_sign_up_page_shows_the_texts_in_force(client):
    page = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Version 2026-11:" in page
    assert ConsentText.objects.get(purpose="contact").text_en.split(" of ")[0] in page


def test_only_a_superuser_adds_a_version_and_nobody_edits_or_deletes_one(client):
    text = ConsentText.objects.get(purpose="contact", version="2026-11")
    client.force_login(UserFactory(role=roles.TEAM_LEAD, totp=True))
    assert client.get("/admin/stakeholders/consenttext/").status_code == 200
    assert client.get("/admin/stakeholders/consenttext/add/").status_code == 403

    client.force_login(superuser())
    change_url = f"/admin/stakeholders/consenttext/{text.pk}/change/"
    assert client.post(change_url, {"text_it": "Cambiato"}).status_code == 403
    assert client.post(f"/admin/stakeholders/consenttext/{text.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/stakeholders/consenttext/add/",
        {
            "purpose": "contact",
            "version": "2027-03",
            "text_it": NEW_IT,
            "text_en": NEW_EN,
            "effective_from_0": timezone.localdate().isoformat(),
            "effective_from_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert consent.current_version("contact") == "2027-03"
    assert ConsentText.objects.get(pk=text.pk).text_it != "Cambiato"
    assert AuditEntry.objects.filter(action="stakeholders.consent_text.published").count() == 1
