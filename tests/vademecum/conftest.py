"""Templates loaded from the content files, users per role and a match in negotiation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from matching.models import Stage
from stakeholders.models import Organisation
from tests.factories import (
    MatchFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
)
from vademecum import loading, services
from vademecum.models import TemplateVersion


@pytest.fixture
def vademecum(db):
    loading.load_vademecum()


@pytest.fixture
def published(vademecum):
    """The published version of every template, by slug."""
    return {
        v.template.slug: v for v in TemplateVersion.objects.published().select_related("template")
    }


@pytest.fixture
def organisation(db):
    return OrganisationFactory(
        legal_name="Società Benefit Àncora S.r.l.",
        kind=Organisation.Kind.COMPANY,
        tax_code="01234567890",
        vat_number="01234567890",
    )


@pytest.fixture
def member(organisation):
    return OrganisationMembershipFactory(organisation=organisation).user


@pytest.fixture
def outsider(db):
    """A stakeholder of another organisation."""
    return OrganisationMembershipFactory().user


@pytest.fixture
def match(organisation, manager):
    forty_pcs = {"unit": "PC", "quantity": 40, "quantity_open": 40}
    need = NeedFactory(
        title="PC per gli alunni che studiano da casa",
        department__slug="educazione",
        department__name="Educazione",
        department__name_en="Education",
        wanted_by=datetime.date(2026, 9, 15),
        **forty_pcs,
    )
    offer = OfferFactory(
        organisation=organisation,
        # Its contact, in the same organisation (OfferFactory's default):
        contact__first_name="Niccolò",
        contact__last_name="Dell'Acqua",
        contact__role="CEO",
        title="40 PC desktop rigenerati",
        **forty_pcs,
    )
    return MatchFactory(
        offer=offer, need=need, quantity=40, stage=Stage.NEGOTIATING, manager=manager
    )


ENTERED = {
    "organisation.address": "Via Perù 1, 20121 Milano",
    "organisation.representative_name": "Niccolò Dell'Acqua",
    "organisation.representative_role": "Amministratore",
    "agreement.date": datetime.date(2026, 12, 2),
    "agreement.duration": "12 mesi",
    "agreement.value_in_kind_eur": Decimal("8000.00"),
    "agreement.amount_eur": Decimal("25000.50"),
    "city.office": "Direzione Educazione",
    "city.signatory": "dott.ssa Laura Bianchi, Direttrice",
    "communication.visibility": "ringraziamento nel comunicato stampa",
}


@pytest.fixture
def entered():
    return dict(ENTERED)


@pytest.fixture
def make_agreement(published, match, manager, entered):
    """An agreement for ``match`` prepared by its manager and rendered at once."""

    def make(slug: str = "donazione-beni", *, language: str = "it", version=None):
        return services.create_agreement(
            match=match,
            version=version or published[slug],
            entered=entered,
            language=language,
            actor=manager,
            render_now=True,
        )

    return make
