"""The personal-data export is complete, only ever the person's own, and every staff read
of personal data in bulk leaves an entry in the (read-only) audit trail."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from contactpoint import roles
from contactpoint.audit import log_action
from contactpoint.models import AuditEntry
from stakeholders.models import OrganisationMembership
from tests.factories import ContactPersonFactory, OrganisationFactory, UserFactory, with_totp

from .privacy_support import EMAIL, NAME, person_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_kind_of_record_about_the_person(client, person_world):
    client.force_login(person_world["user"])
    response = client.get("/my/export/")
    assert response.status_code == 200
    document = json.loads(response.content)

    assert document["account"]["email"] == EMAIL
    assert [org["legal_name"] for org in document["organisations"]] == ["Quercia S.r.l."]
    (contact,) = document["my_contacts"]
    assert (contact["first_name"], contact["phone"]) == ("Ottavia", "+39 02 9876 5432")
    consents = {c["purpose"]: c for c in contact["consents"]}
    assert set(consents) == {"contact", "survey"}
    assert consents["contact"]["text_version"] == "2026-11"
    assert "Posso revocare il consenso" in consents["contact"]["text_it"]
    assert "I can withdraw this consent" in consents["contact"]["text_en"]
    (interaction,) = contact["interactions"]
    assert (interaction["kind"], interaction["notes"]) == (
        "email",
        f"Scrive da {EMAIL}; richiamare al +39 02 9876 5432.",
    )
    assert document["organisations"][0]["offers"][0]["title"] == "Dieci portatili"
    (match,) = document["matches"]
    assert (match["offer"]["id"], match["stage"]) == (person_world["offer"].pk, "in_delivery")
    (survey,) = document["survey_responses"]
    assert survey["answers"][0]["answer"].startswith(f"Sono {NAME}")
    assert document["training"][0]["session"] == "CSR"
    assert document["erasure_requests"][0]["status"] == "open"
    actions = {entry["action"] for entry in document["own_actions"]}
    assert {"stakeholders.consent.given", "stakeholders.erasure_request.created"} <= actions


def test_a_stakeholder_never_gets_another_persons_data(client, person_world):
    other = UserFactory(email="bruno@beta.it", role=roles.STAKEHOLDER, verified=True)
    OrganisationMembership.objects.create(user=other, organisation=OrganisationFactory())
    ContactPersonFactory(email="bruno@beta.it", organisation=OrganisationFactory())
    client.force_login(other)
    body = client.get("/my/export/").content.decode()
    assert EMAIL not in body and "Quaglieri" not in body and "Quercia" not in body
    # There is no export of somebody else to ask for: the admin action is staff-only.
    response = client.post(
        "/admin/stakeholders/contactperson/",
        {"action": "download_personal_data", "_selected_action": [person_world["contact"].pk]},
    )
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not AuditEntry.objects.filter(action="stakeholders.personal_data.read").exists()


def test_a_staff_download_of_a_persons_data_is_audited(client, person_world):
    manager = UserFactory(role=roles.ACCOUNT_MANAGER, totp=True)
    client.force_login(manager)
    response = client.post(
        "/admin/stakeholders/contactperson/",
        {"action": "download_personal_data", "_selected_action": [person_world["contact"].pk]},
    )
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["contacts"][0]["email"] == EMAIL
    assert document["matches"] and document["survey_responses"]
    entry = AuditEntry.objects.get(action="stakeholders.personal_data.read")
    assert (entry.actor, entry.object_id) == (manager, str(person_world["contact"].pk))


def test_a_staff_export_of_the_contact_list_is_audited(client, person_world):
    manager = UserFactory(role=roles.ACCOUNT_MANAGER, totp=True)
    client.force_login(manager)
    response = client.get("/admin/stakeholders/contactperson/export/?format=csv")
    assert response.status_code == 200
    assert EMAIL in response.content.decode("utf-8-sig")
    entry = AuditEntry.objects.get(action="stakeholders.contacts_list.read")
    assert entry.actor == manager
    assert entry.payload == {"format": "csv", "rows": 2}


def test_the_audit_trail_is_browsable_and_read_only_even_for_superusers(client, person_world):
    admin = with_superuser()
    client.force_login(admin)
    listing = client.get("/admin/contactpoint/auditentry/?area=stakeholders")
    assert listing.status_code == 200
    assert "stakeholders.erasure_request.created" in listing.content.decode()
    entry = AuditEntry.objects.filter(action="stakeholders.erasure_request.created").get()
    assert client.get("/admin/contactpoint/auditentry/add/").status_code == 403
    change_url = f"/admin/contactpoint/auditentry/{entry.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"action": "x.y.z"}).status_code == 403
    assert client.post(f"/admin/contactpoint/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "stakeholders.erasure_request.created"


def test_account_managers_cannot_read_the_audit_trail_team_leads_can(client):
    client.force_login(UserFactory(role=roles.ACCOUNT_MANAGER, totp=True))
    assert client.get("/admin/contactpoint/auditentry/").status_code == 403
    client.force_login(UserFactory(role=roles.TEAM_LEAD, totp=True))
    assert client.get("/admin/contactpoint/auditentry/").status_code == 200


def with_superuser():
    user = UserFactory(email="root@comune.example")
    user.is_superuser = user.is_staff = True
    user.save()
    return with_totp(user)


def test_the_audit_trail_list_runs_the_same_queries_for_5_or_25_entries(client):
    lead = UserFactory(role=roles.TEAM_LEAD, totp=True)
    client.force_login(lead)

    def add(n):
        with transaction.atomic():
            for i in range(n):
                actor = UserFactory(email=f"actor{AuditEntry.objects.count()}-{i}@example.org")
                log_action(actor=actor, action="stakeholders.test.done", obj=actor)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/contactpoint/auditentry/").status_code == 200
        return len(queries)

    add(5)
    few = count()
    add(20)
    assert count() == few
