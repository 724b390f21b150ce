"""The stakeholder area /my/: who may see, edit, withdraw and export what."""

from __future__ import annotations

import json

import pytest
from django.urls import Resolver404, resolve

from contactpoint import roles
from contactpoint.models import AuditEntry, OutboxMessage
from stakeholders.models import (
    Consent,
    ContactPerson,
    ErasureRequest,
    Offer,
    OrganisationMembership,
)
from tests.factories import (
    ContactPersonFactory,
    InterventionAreaFactory,
    OfferFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two organisations, A and B, each with a stakeholder user, a contact and an offer."""
    org_a = OrganisationFactory(legal_name="Alfa S.p.A.")
    org_b = OrganisationFactory(legal_name="Beta S.r.l.")
    user_a = UserFactory(email="anna@alfa.it", role=roles.STAKEHOLDER, verified=True)
    user_b = UserFactory(email="bruno@beta.it", role=roles.STAKEHOLDER, verified=True)
    OrganisationMembership.objects.create(user=user_a, organisation=org_a)
    OrganisationMembership.objects.create(user=user_b, organisation=org_b)
    contact_a = ContactPersonFactory(organisation=org_a, email="anna@alfa.it", first_name="Anna")
    contact_b = ContactPersonFactory(organisation=org_b, email="bruno@beta.it", first_name="Bruno")
    consent_a = Consent.objects.create(contact=contact_a, purpose="contact", text_version="2026-11")
    consent_b = Consent.objects.create(contact=contact_b, purpose="contact", text_version="2026-11")
    offer_a = OfferFactory(organisation=org_a, contact=contact_a, title="Offerta Alfa")
    offer_b = OfferFactory(organisation=org_b, contact=contact_b, title="Offerta Beta")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "user_a": user_a,
        "user_b": user_b,
        "contact_a": contact_a,
        "contact_b": contact_b,
        "consent_a": consent_a,
        "consent_b": consent_b,
        "offer_a": offer_a,
        "offer_b": offer_b,
    }


def urls(w):
    return {
        "home": ("get", "/my/"),
        "edit_a": ("get", f"/my/organisations/{w['org_a'].pk}/"),
        "contact_a": ("get", f"/my/organisations/{w['org_a'].pk}/contacts/{w['contact_a'].pk}/"),
        "withdraw_a": ("post", f"/my/offers/{w['offer_a'].pk}/withdraw/"),
        "export": ("get", "/my/export/"),
        "erasure": ("get", "/my/erasure/"),
    }


# --- The permission matrix ----------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_everywhere_and_changes_nothing(client, world):
    for method, url in urls(world).values():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    world["offer_a"].refresh_from_db()
    assert world["offer_a"].status == Offer.Status.SUBMITTED


@pytest.mark.parametrize("role", [roles.DEPARTMENT, roles.ACCOUNT_MANAGER, roles.TEAM_LEAD])
def test_city_staff_are_refused_the_stakeholder_area(client, world, role):
    client.force_login(UserFactory(role=role, totp=True))

    for method, url in urls(world).values():
        response = getattr(client, method)(url)
        if url == "/my/":
            # The area's home sends staff on to their own work instead of a bare refusal.
            assert response.status_code == 302, (role, url)
            assert not response["Location"].startswith("/my/")
            continue
        assert response.status_code == 403, (role, url)
        assert "Offerta Alfa" not in response.content.decode()
    world["offer_a"].refresh_from_db()
    assert world["offer_a"].status == Offer.Status.SUBMITTED


def test_stakeholder_sees_their_organisation_offers_and_contacts_only(client, world):
    client.force_login(world["user_a"])

    html = client.get("/my/").content.decode()

    assert "Alfa S.p.A." in html
    assert "Offerta Alfa" in html
    assert f"/offers/track/{world['offer_a'].tracking_token}/" in html
    assert "Beta S.r.l." not in html
    assert "Offerta Beta" not in html
    assert "bruno@beta.it" not in html


def test_stakeholder_of_a_cannot_reach_anything_of_b(client, world):
    client.force_login(world["user_a"])
    org_b, contact_b = world["org_b"], world["contact_b"]

    assert client.get(f"/my/organisations/{org_b.pk}/").status_code == 404
    assert (
        client.post(
            f"/my/organisations/{org_b.pk}/", {"website": "https://evil.example"}
        ).status_code
        == 404
    )
    assert client.get(f"/my/organisations/{org_b.pk}/contacts/{contact_b.pk}/").status_code == 404
    assert client.get(f"/my/organisations/{org_b.pk}/contacts/new/").status_code == 404
    # B's contact through A's organisation is not found either.
    assert (
        client.get(f"/my/organisations/{world['org_a'].pk}/contacts/{contact_b.pk}/").status_code
        == 404
    )
    assert client.post(f"/my/offers/{world['offer_b'].pk}/withdraw/").status_code == 404
    assert client.post(f"/my/consents/{world['consent_b'].pk}/withdraw/").status_code == 404

    world["offer_b"].refresh_from_db()
    world["consent_b"].refresh_from_db()
    org_b.refresh_from_db()
    assert world["offer_b"].status == Offer.Status.SUBMITTED
    assert world["consent_b"].withdrawn_at is None
    assert org_b.website == ""
    document = json.loads(client.get("/my/export/").content)
    assert [org["legal_name"] for org in document["organisations"]] == ["Alfa S.p.A."]
    assert "Offerta Beta" not in json.dumps(document)


def test_a_signed_in_person_without_organisation_gets_an_empty_area(client):
    client.force_login(UserFactory(email="new@person.it", verified=True))

    response = client.get("/my/")

    assert response.status_code == 200
    assert response.context["organisations"] == []
    assert "/offers/new/" in response.content.decode()


# --- Editing ------------------------------------------------------------------------------


def test_stakeholder_edits_the_profile_with_an_audit_entry(client, world):
    client.force_login(world["user_a"])
    area = InterventionAreaFactory()
    org = world["org_a"]
    assert client.get(f"/my/organisations/{org.pk}/").status_code == 200

    response = client.post(
        f"/my/organisations/{org.pk}/",
        {
            "website": "alfa.it",
            "size": "large",
            "sector": "Energia",
            "description": "Produciamo energia.",
            "interests": [area.pk],
            "allow_press": "on",
            # Identity fields are not part of the form: ignored.
            "legal_name": "Hacked",
            "tax_code": "00000000000",
        },
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.website, org.size, org.sector, org.allow_press) == (
        "https://alfa.it",
        "large",
        "Energia",
        True,
    )
    assert list(org.interests.all()) == [area]
    assert org.legal_name == "Alfa S.p.A." and org.tax_code == ""
    entry = AuditEntry.objects.get(action="stakeholders.organisation.changed")
    assert set(entry.payload["fields"]) >= {"website", "size", "sector", "interests", "allow_press"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("website", "not a url"),
        ("description", "x" * 5001),
        ("size", "huge"),
        ("sector", "x" * 121),
        ("interests", ["999999"]),
    ],
)
def test_bad_profile_input_gets_field_errors_and_changes_nothing(client, world, field, value):
    client.force_login(world["user_a"])
    org = world["org_a"]

    response = client.post(f"/my/organisations/{org.pk}/", {field: value})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    org.refresh_from_db()
    assert org.description == "" and org.website == "" and org.size == ""
    assert not AuditEntry.objects.filter(action="stakeholders.organisation.changed").exists()


def test_stakeholder_adds_and_edits_contacts_with_one_main_contact(client, world):
    client.force_login(world["user_a"])
    org = world["org_a"]

    created = client.post(
        f"/my/organisations/{org.pk}/contacts/new/",
        {
            "first_name": "Carla",
            "last_name": "Neri",
            "email": "Carla@Alfa.it",
            "language": "en",
            "is_primary": "on",
        },
    )
    edited = client.post(
        f"/my/organisations/{org.pk}/contacts/{world['contact_a'].pk}/",
        {
            "first_name": "Anna",
            "last_name": "Alfieri",
            "email": "anna@alfa.it",
            "language": "it",
            "role": "CEO",
        },
    )
    bad = client.post(
        f"/my/organisations/{org.pk}/contacts/new/", {"first_name": "", "email": "nope"}
    )

    assert created.status_code == edited.status_code == 302
    carla = ContactPerson.objects.get(first_name="Carla")
    assert (carla.organisation, carla.email, carla.is_primary) == (org, "carla@alfa.it", True)
    world["contact_a"].refresh_from_db()
    assert (world["contact_a"].last_name, world["contact_a"].role) == ("Alfieri", "CEO")
    assert list(ContactPerson.objects.filter(organisation=org, is_primary=True)) == [carla]
    assert bad.status_code == 200
    assert {"first_name", "email", "last_name"} <= set(bad.context["form"].errors)
    assert ContactPerson.objects.filter(organisation=org).count() == 2


# --- Withdrawing --------------------------------------------------------------------------


def test_stakeholder_withdraws_an_open_offer_once(client, world):
    client.force_login(world["user_a"])
    offer = world["offer_a"]

    response = client.post(f"/my/offers/{offer.pk}/withdraw/")

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    entry = AuditEntry.objects.get(action="stakeholders.offer.withdrawn")
    assert entry.actor == world["user_a"]
    again = client.post(f"/my/offers/{offer.pk}/withdraw/", follow=True)
    assert "can no longer be withdrawn" in again.content.decode()
    assert AuditEntry.objects.filter(action="stakeholders.offer.withdrawn").count() == 1
    assert client.get(f"/my/offers/{offer.pk}/withdraw/").status_code == 405


def test_stakeholder_withdraws_their_own_consent(client, world):
    client.force_login(world["user_a"])
    consent = world["consent_a"]

    client.post(f"/my/consents/{consent.pk}/withdraw/")

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert AuditEntry.objects.filter(action="stakeholders.consent.withdrawn").exists()


# --- GDPR ---------------------------------------------------------------------------------


def test_export_is_a_json_download_of_account_organisation_contacts_consents_and_offers(
    client, world
):
    client.force_login(world["user_a"])

    response = client.get("/my/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["account"]["email"] == "anna@alfa.it"
    assert document["account"]["email_addresses"] == [
        {"email": "anna@alfa.it", "verified": True, "primary": True}
    ]
    (org,) = document["organisations"]
    assert org["legal_name"] == "Alfa S.p.A."
    assert [c["email"] for c in org["contacts"]] == ["anna@alfa.it"]
    assert org["contacts"][0]["consents"][0]["purpose"] == "contact"
    assert [o["title"] for o in org["offers"]] == ["Offerta Alfa"]
    assert AuditEntry.objects.filter(action="stakeholders.personal_data.exported").exists()


def test_erasure_request_is_recorded_once_audited_and_notified(client, world):
    client.force_login(world["user_a"])
    assert client.get("/my/erasure/").status_code == 200

    refused = client.post("/my/erasure/", {"reason": "Non serve"})  # box not ticked
    assert refused.status_code == 200
    assert "confirm" in refused.context["form"].errors
    assert not ErasureRequest.objects.exists()

    client.post("/my/erasure/", {"reason": "Chiudiamo", "confirm": "on"})
    client.post("/my/erasure/", {"reason": "Di nuovo", "confirm": "on"})

    erasure = ErasureRequest.objects.get()
    assert (erasure.user, erasure.email, erasure.reason, erasure.status) == (
        world["user_a"],
        "anna@alfa.it",
        "Chiudiamo",
        ErasureRequest.Status.OPEN,
    )
    assert AuditEntry.objects.filter(action="stakeholders.erasure_request.created").count() == 1
    assert OutboxMessage.objects.filter(
        task_name="stakeholders.send_erasure_request_notice", args=[erasure.pk]
    ).exists()
    assert "You asked for your data to be erased" in client.get("/my/").content.decode()


def test_erasure_notice_goes_to_the_contact_point_address(settings, world):
    from django.core import mail

    from stakeholders.my_area import request_erasure
    from stakeholders.tasks import send_erasure_request_notice

    settings.CONTACTPOINT_CONTACT_EMAIL = "team@contactpoint.example"
    erasure, created = request_erasure(user=world["user_a"], reason="<b>grazie</b>")

    assert created and send_erasure_request_notice(erasure.pk) is True
    (message,) = mail.outbox
    assert message.to == ["team@contactpoint.example"]
    assert "anna@alfa.it" in message.subject
    assert "&lt;b&gt;grazie&lt;/b&gt;" in message.alternatives[0][0]


# --- Escaping, links, query counts --------------------------------------------------------


def test_html_in_offers_is_shown_escaped_in_the_area(client, world):
    Offer.objects.filter(pk=world["offer_a"].pk).update(
        title='<script>alert("t")</script>', description="<img src=x onerror=alert(1)>"
    )
    client.force_login(world["user_a"])

    html = client.get("/my/").content.decode()

    assert '<script>alert("t")</script>' not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_matches_link_is_shown_only_when_the_matches_page_exists(client, world):
    client.force_login(world["user_a"])
    try:
        resolve("/my/matches/")
        exists = True
    except Resolver404:
        exists = False

    html = client.get("/my/").content.decode()

    assert ('href="/my/matches/"' in html) is exists


def test_area_query_count_is_pinned_and_does_not_grow(client, world, django_assert_num_queries):
    client.force_login(world["user_a"])
    # 1 session, 2 user, 3 roles (MFA middleware), 4 verified e-mails, 5 organisations,
    # 6 their offers (with need), 7 their contacts, 8 offers awaiting confirmation,
    # 9 consents, 10 open erasure request.
    with django_assert_num_queries(10):
        assert client.get("/my/").status_code == 200
    for n in range(5):
        org = OrganisationFactory()
        OrganisationMembership.objects.create(user=world["user_a"], organisation=org)
        ContactPersonFactory(organisation=org)
        for _ in range(3):
            OfferFactory(organisation=org, title=f"Altra {n}")

    with django_assert_num_queries(10):
        response = client.get("/my/")

    assert len(response.context["organisations"]) == 6


def test_a_team_lead_closes_an_erasure_request_in_the_admin_and_it_is_audited(client, world):
    from stakeholders.my_area import request_erasure

    erasure, _created = request_erasure(user=world["user_a"], reason="Chiudiamo")
    lead = UserFactory(role=roles.TEAM_LEAD, totp=True)
    client.force_login(lead)

    listing = client.get("/admin/stakeholders/erasurerequest/")
    assert listing.status_code == 200
    assert "anna@alfa.it" in listing.content.decode()
    response = client.post(
        "/admin/stakeholders/erasurerequest/",
        {"action": "mark_done", "_selected_action": [erasure.pk]},
    )

    assert response.status_code == 302
    erasure.refresh_from_db()
    assert (erasure.status, erasure.handled_by) == (ErasureRequest.Status.DONE, lead)
    assert AuditEntry.objects.filter(action="stakeholders.erasure_request.handled").exists()
    assert client.get("/admin/stakeholders/erasurerequest/add/").status_code == 403


def test_a_stakeholder_cannot_reach_erasure_requests_in_the_admin(client, world):
    client.force_login(world["user_a"])

    response = client.get("/admin/stakeholders/erasurerequest/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]
