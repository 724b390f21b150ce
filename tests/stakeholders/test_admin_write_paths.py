"""Admin edits of organisations, contacts and offers go through the same services as the
public form, the stakeholder area and the API: one audit entry each, one action name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contactpoint import roles
from contactpoint.models import AuditEntry, OutboxMessage
from stakeholders.models import ContactPerson, Interaction, Offer
from tests.factories import ContactPersonFactory, OfferFactory, OrganisationFactory

from .test_stakeholders_admin import change_form_data, login, post_organisation_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    return login(client, roles.ACCOUNT_MANAGER)


def audit(prefix: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith=prefix).order_by("pk"))


def test_an_organisation_edit_is_one_audit_entry_written_by_the_registry(client, manager):
    organisation = OrganisationFactory(legal_name="Fondazione Bracco")
    response = post_organisation_change(
        client, organisation, {"sector": "Salute", "legal_name": "Fondazione  Bracco ETS"}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    [entry] = audit("stakeholders.organisation.")
    assert entry.action == "stakeholders.organisation.changed"
    assert entry.actor == manager
    assert entry.payload == {"source": "admin", "fields": ["legal_name", "sector"]}
    organisation.refresh_from_db()
    assert organisation.legal_name == "Fondazione Bracco ETS"  # cleaned by the service


def test_contacts_edited_inline_keep_one_main_contact_with_one_entry_each(client, manager):
    organisation = OrganisationFactory()
    first = ContactPersonFactory(organisation=organisation, is_primary=True)
    response = post_organisation_change(
        client,
        organisation,
        {
            "contacts-TOTAL_FORMS": "2",
            "contacts-1-first_name": "Bruno",
            "contacts-1-last_name": "Neri",
            "contacts-1-email": "Bruno@Impresa.example",
            "contacts-1-language": "it",
            "contacts-1-is_primary": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    bruno = ContactPerson.objects.get(last_name="Neri")
    assert bruno.email == "bruno@impresa.example"
    assert list(ContactPerson.objects.filter(organisation=organisation, is_primary=True)) == [bruno]
    first.refresh_from_db()
    assert not first.is_primary
    assert [e.action for e in audit("stakeholders.contact")] == ["stakeholders.contact.created"]
    assert not audit("stakeholders.organisation.")  # nothing else changed


def test_the_contact_admin_uses_the_same_service_and_promotes_a_main_contact_on_delete(
    client, manager
):
    organisation = OrganisationFactory()
    main = ContactPersonFactory(organisation=organisation, is_primary=True)
    other = ContactPersonFactory(organisation=organisation, is_primary=False)
    url = reverse("admin:stakeholders_contactperson_change", args=[other.pk])
    data = change_form_data(client.get(url))
    data["phone"] = "02 1234 5678"

    assert client.post(url, data).status_code == 302
    [entry] = audit("stakeholders.contact")
    assert (entry.action, entry.payload["fields"], entry.payload["source"]) == (
        "stakeholders.contact.changed",
        ["phone"],
        "admin",
    )

    delete_url = reverse("admin:stakeholders_contactperson_delete", args=[main.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    other.refresh_from_db()
    assert other.is_primary  # the organisation keeps a main contact
    assert audit("stakeholders.contact")[-1].action == "stakeholders.contact.deleted"


def test_offer_status_and_quantities_are_read_only_in_the_admin(client, manager):
    offer = OfferFactory(quantity=10)
    url = reverse("admin:stakeholders_offer_change", args=[offer.pk])
    page = client.get(url)
    form_fields = page.context["adminform"].form.fields
    assert not {"status", "quantity", "quantity_open"} & set(form_fields)
    data = change_form_data(page)
    data.update({"status": "completed", "quantity": "999", "quantity_open": "0"})
    data["title"] = "Dieci tablet"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    offer.refresh_from_db()
    assert (offer.status, offer.quantity, offer.quantity_open) == ("submitted", 10, 10)
    assert offer.title == "Dieci tablet"
    [entry] = audit("stakeholders.offer.")
    assert entry.payload == {"source": "admin", "fields": ["title"]}
    # New content, new candidates: the offer is matched again after the commit.
    assert OutboxMessage.objects.filter(dedup_key=f"match-offer-{offer.pk}").exists()


def test_an_offer_contact_from_another_organisation_is_a_field_error(client, manager):
    offer = OfferFactory()
    stranger = ContactPersonFactory()
    url = reverse("admin:stakeholders_offer_change", args=[offer.pk])
    data = change_form_data(client.get(url))
    data["contact"] = str(stranger.pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "contact" in response.context["adminform"].form.errors
    assert Offer.objects.get(pk=offer.pk).contact_id != stranger.pk


def test_interactions_are_changed_and_deleted_through_the_registry(client):
    login(client, roles.TEAM_LEAD)  # team leads may delete history entries
    organisation = OrganisationFactory()
    interaction = Interaction.objects.create(
        organisation=organisation, kind="call", subject="Prima telefonata"
    )
    url = reverse("admin:stakeholders_interaction_change", args=[interaction.pk])
    data = change_form_data(client.get(url))
    data["subject"] = "Telefonata di presentazione"

    assert client.post(url, data).status_code == 302
    delete_url = reverse("admin:stakeholders_interaction_delete", args=[interaction.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302

    assert [(e.action, e.payload.get("fields")) for e in audit("stakeholders.interaction")] == [
        ("stakeholders.interaction.changed", ["subject"]),
        ("stakeholders.interaction.deleted", None),
    ]
    assert not Interaction.objects.exists()
