"""The demo registry loads Milan's local group, idempotently, with valid data."""

from __future__ import annotations

import pytest

from contactpoint.demo import load_users
from needs.demo import load_reference
from stakeholders import demo, registry
from stakeholders.models import ContactPerson, DuplicateFlag, Interaction, Organisation

pytestmark = pytest.mark.django_db


def test_demo_loads_the_local_group_and_is_idempotent(settings):
    load_users()
    load_reference()
    demo.load()
    counts = (
        Organisation.objects.count(),
        ContactPerson.objects.count(),
        Interaction.objects.count(),
    )
    demo.load()
    assert counts == (
        Organisation.objects.count(),
        ContactPerson.objects.count(),
        Interaction.objects.count(),
    )
    local_group = set(
        Organisation.objects.filter(local_group=True).values_list("legal_name", flat=True)
    )
    assert {
        "Assolombarda",
        "Fondazione Sodalitas",
        "Fondazione Bracco",
        "Fondazione Cariplo",
        "Fondazione Pellegrini",
        "CSR Manager Network",
        "Retake Milano",
        "Università degli Studi di Milano",
        "Bloomberg Associates",
    } <= local_group
    assolombarda = Organisation.objects.get(legal_name="Assolombarda")
    assert assolombarda.members.filter(legal_name="Esempio Tech S.r.l.").exists()
    assert assolombarda.relationship_owner.email == "manager@example.org"
    assert assolombarda.interactions.filter(subject__icontains="networking drink").exists()
    for organisation in Organisation.objects.all():
        assert registry.normalise_tax_code(organisation.tax_code) == organisation.tax_code
        assert registry.normalise_vat_number(organisation.vat_number) == organisation.vat_number
    assert not DuplicateFlag.objects.exists()
    assert all(c.email.endswith("@example.org") for c in ContactPerson.objects.all())
    assert ContactPerson.objects.filter(consents__purpose="contact").distinct().count() == (
        ContactPerson.objects.count()
    )
