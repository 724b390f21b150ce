"""The registry keeps one organisation per real body: tax codes, look-alikes, merges."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from contactpoint.models import AuditEntry
from stakeholders import duplicates, registry
from stakeholders.models import (
    Consent,
    ContactPerson,
    DuplicateFlag,
    Interaction,
    Offer,
    Organisation,
    OrganisationMembership,
)
from tests.factories import (
    ContactPersonFactory,
    InterventionAreaFactory,
    MunicipioFactory,
    OfferFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
    valid_vat_number,
)

pytestmark = pytest.mark.django_db

PERSONAL_CODE = "RSSMRA85T10A562S"


def resolve(**kwargs):
    kwargs.setdefault("kind", Organisation.Kind.COMPANY)
    with transaction.atomic():
        return registry.resolve_organisation(**kwargs)


# --- tax codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   ", ""),
        (valid_vat_number(42), valid_vat_number(42)),
        (f" {valid_vat_number(42)[:5]} {valid_vat_number(42)[5:]} ", valid_vat_number(42)),
        ("rss mra 85t10 a562s", PERSONAL_CODE),
        (PERSONAL_CODE, PERSONAL_CODE),
    ],
)
def test_tax_code_is_normalised(raw, expected):
    assert registry.normalise_tax_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["123", "12345678901", "RSSMRA85T10A562X", "ABCDEFGHIJKLMNOP", "IT" + valid_vat_number(3)],
)
def test_invalid_tax_code_is_rejected_with_a_clear_message(raw):
    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            registry.normalise_tax_code(raw)
        assert "11 digits or 16 characters" in excinfo.value.messages[0]


def test_vat_number_drops_the_it_prefix_and_spaces():
    vat = valid_vat_number(7)
    assert registry.normalise_vat_number(f"it {vat}") == vat
    assert registry.normalise_vat_number(f"IT{vat}") == vat
    assert registry.normalise_vat_number("") == ""


@pytest.mark.parametrize("raw", ["IT123", "12345678901", PERSONAL_CODE, "IT00000000000"])
def test_invalid_vat_number_is_rejected(raw):
    with pytest.raises(ValidationError):
        registry.normalise_vat_number(raw)


def test_legal_forms_are_ignored_when_comparing_names():
    assert registry.normalise_name("Fondazione CARIPLO Onlus") == "cariplo"
    assert registry.normalise_name("Fondazione Cariplo") == "cariplo"
    assert registry.normalise_name("Esempio Tech S.r.l.") == "esempio tech"
    assert registry.normalise_name("Alfa S.p.A.") == "alfa"
    assert registry.normalise_name("Società Cooperativa Sociale Beta ONLUS") == "beta"


@pytest.mark.parametrize(
    ("email", "website", "expected"),
    [
        ("anna@assolombarda.it", "", "assolombarda.it"),
        ("anna@gmail.com", "https://www.esempio.it/chi-siamo", "esempio.it"),
        ("anna@gmail.com", "", ""),
        ("ufficio@pec.it", "", ""),
        ("x@hotmail.fr", "", ""),
        ("x@esempio.pec.it", "", ""),
        ("", "esempio.it", "esempio.it"),
    ],
)
def test_organisation_domain_skips_public_mail_providers(email, website, expected):
    assert registry.organisation_domain(email=email, website=website) == expected


# --- resolve_organisation --------------------------------------------------------------------


def test_new_organisation_is_created_and_audited():
    organisation, created = resolve(
        legal_name="  Esempio   Tech S.r.l. ", tax_code=valid_vat_number(1), email="a@esempio.it"
    )
    assert created
    assert organisation.legal_name == "Esempio Tech S.r.l."
    assert organisation.email_domain == "esempio.it"
    assert AuditEntry.objects.filter(
        action="stakeholders.organisation.created", object_id=str(organisation.pk)
    ).exists()


def test_same_tax_code_links_to_the_existing_organisation():
    first, _ = resolve(legal_name="Alfa S.p.A.", tax_code=valid_vat_number(2))
    again, created = resolve(legal_name="ALFA spa (sede Milano)", tax_code=valid_vat_number(2))
    assert not created
    assert again == first
    assert Organisation.objects.count() == 1


def test_vat_number_matches_an_existing_tax_code_and_vice_versa():
    first, _ = resolve(legal_name="Alfa S.p.A.", tax_code=valid_vat_number(2))
    by_vat, created = resolve(legal_name="Alfa", vat_number="IT" + valid_vat_number(2))
    assert (by_vat, created) == (first, False)


def test_code_of_a_merged_organisation_leads_to_the_survivor():
    survivor = OrganisationFactory(legal_name="Gamma S.r.l.")
    merged = OrganisationFactory(legal_name="Gamma Srl", tax_code=valid_vat_number(5))
    registry.merge_organisations(survivor=survivor, duplicate=merged, actor=None)
    found, created = resolve(legal_name="Gamma", tax_code=valid_vat_number(5))
    assert (found, created) == (survivor, False)


def test_same_email_domain_creates_and_flags_a_possible_duplicate():
    existing, _ = resolve(legal_name="Assolombarda", email="info@assolombarda.it")
    other, created = resolve(legal_name="Servizi Lombardi S.r.l.", email="mario@assolombarda.it")
    assert created
    flag = DuplicateFlag.objects.get()
    assert (flag.organisation, flag.candidate) == (other, existing)
    assert flag.reason == duplicates.DuplicateReason.EMAIL_DOMAIN
    assert AuditEntry.objects.filter(action="stakeholders.organisation.duplicate_flagged").exists()


def test_similar_name_is_flagged_with_its_similarity():
    existing, _ = resolve(legal_name="Fondazione Cariplo", kind=Organisation.Kind.FOUNDATION)
    other, created = resolve(
        legal_name="Fondazione CARIPLO Onlus", kind=Organisation.Kind.FOUNDATION
    )
    assert created
    flag = DuplicateFlag.objects.get(organisation=other)
    assert flag.candidate == existing
    assert "similar_name" in flag.reason
    assert flag.similarity >= duplicates.NAME_SIMILARITY_THRESHOLD


def test_different_foundations_are_not_flagged_for_sharing_the_word_fondazione():
    resolve(legal_name="Fondazione Cariplo", kind=Organisation.Kind.FOUNDATION)
    resolve(legal_name="Fondazione Bracco", kind=Organisation.Kind.FOUNDATION)
    assert not DuplicateFlag.objects.exists()


def test_public_email_domains_do_not_flag():
    resolve(legal_name="Associazione Uno", email="uno@gmail.com")
    second, _ = resolve(legal_name="Comitato Due", email="due@gmail.com")
    assert second.email_domain == ""
    assert not DuplicateFlag.objects.exists()


def test_merged_organisations_are_not_candidates():
    survivor = OrganisationFactory(legal_name="Delta Servizi")
    merged = OrganisationFactory(legal_name="Zeta Logistica", email_domain="zeta.it")
    registry.merge_organisations(
        survivor=survivor, duplicate=merged, actor=None, take_fields=["email_domain"]
    )
    survivor.refresh_from_db()
    assert survivor.email_domain == "zeta.it"
    _, created = resolve(legal_name="Omega", email="a@zeta.it")
    flags = DuplicateFlag.objects.all()
    assert created
    assert [flag.candidate for flag in flags] == [survivor]


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("tax_code", {"tax_code": "12345"}),
        ("vat_number", {"vat_number": "IT999"}),
        ("legal_name", {"legal_name": "x" * 201}),
        ("legal_name", {"legal_name": "   "}),
        ("kind", {"kind": "pirate"}),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(field, kwargs):
    kwargs.setdefault("legal_name", "Valida S.r.l.")
    with pytest.raises(ValidationError) as excinfo:
        resolve(**kwargs)
    assert field in excinfo.value.message_dict
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_resolve_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        registry.resolve_organisation(legal_name="Alfa", kind=Organisation.Kind.COMPANY)


# --- merge_organisations ---------------------------------------------------------------------


def test_merge_keeps_every_contact_offer_interaction_membership_and_consent():
    manager = UserFactory(role="account manager")
    area_a, area_b = InterventionAreaFactory(), InterventionAreaFactory()
    municipio = MunicipioFactory()
    network = OrganisationFactory(legal_name="Rete Esempio", kind=Organisation.Kind.NETWORK)
    member = OrganisationFactory(legal_name="Socio Esempio")

    survivor = OrganisationFactory(legal_name="Fondazione Cariplo", website="")
    survivor.interests.add(area_a)
    duplicate = OrganisationFactory(
        legal_name="Fondazione CARIPLO Onlus",
        tax_code=valid_vat_number(9),
        website="https://www.fondazionecariplo.it",
        local_group=True,
    )
    duplicate.interests.add(area_a, area_b)
    duplicate.preferred_municipi.add(municipio)
    duplicate.member_of.add(network)
    duplicate.members.add(member)
    survivor_contact = ContactPersonFactory(organisation=survivor)
    contacts = ContactPersonFactory.create_batch(2, organisation=duplicate)
    Consent.objects.create(contact=contacts[0], purpose="contact", text_version="2026-11")
    OfferFactory.create_batch(3, organisation=duplicate, contact=contacts[1])
    Interaction.objects.create(organisation=duplicate, kind="meeting", subject="Primo incontro")
    Interaction.objects.create(organisation=survivor, kind="call", subject="Telefonata")
    shared_user = UserFactory()
    OrganisationMembershipFactory(organisation=survivor, user=shared_user)
    OrganisationMembershipFactory(organisation=duplicate, user=shared_user)
    OrganisationMembershipFactory(organisation=duplicate)
    flag = DuplicateFlag.objects.create(organisation=duplicate, candidate=survivor, reason="x")

    totals_before = (
        ContactPerson.objects.count(),
        Offer.objects.count(),
        Interaction.objects.count(),
        Consent.objects.count(),
    )

    result = registry.merge_organisations(
        survivor=survivor,
        duplicate=duplicate,
        actor=manager,
        move_accounts=OrganisationMembership.objects.filter(organisation=duplicate).values_list(
            "user_id", flat=True
        ),
        take_fields=["tax_code", "website", "local_group"],
    )

    assert result == survivor
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert totals_before == (
        ContactPerson.objects.count(),
        Offer.objects.count(),
        Interaction.objects.count(),
        Consent.objects.count(),
    )
    assert set(survivor.contacts.all()) == {survivor_contact, *contacts}
    assert survivor.offers.count() == 3
    assert survivor.interactions.count() == 2
    assert Consent.objects.get().contact.organisation == survivor
    assert set(survivor.interests.all()) == {area_a, area_b}
    assert list(survivor.preferred_municipi.all()) == [municipio]
    assert list(survivor.member_of.all()) == [network]
    assert list(survivor.members.all()) == [member]
    assert OrganisationMembership.objects.filter(organisation=survivor).count() == 2
    assert not OrganisationMembership.objects.filter(organisation=duplicate).exists()
    # Picked fields taken, the code moved to the survivor, the duplicate points at it.
    assert survivor.tax_code == valid_vat_number(9)
    assert survivor.website == "https://www.fondazionecariplo.it"
    assert survivor.local_group
    assert duplicate.merged_into == survivor
    assert duplicate.contacts.count() == 0
    flag.refresh_from_db()
    assert flag.resolution == "merged"
    entry = AuditEntry.objects.get(action="stakeholders.organisation.merged")
    assert entry.actor == manager
    assert entry.payload["moved"]["contacts"] == 2
    assert entry.payload["moved"]["offers"] == 3
    assert set(Organisation.objects.active()) == {survivor, network, member}


def test_merge_into_itself_is_refused():
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError):
        registry.merge_organisations(survivor=organisation, duplicate=organisation, actor=None)


def test_merge_into_or_from_a_merged_organisation_is_refused():
    a, b, c = OrganisationFactory.create_batch(3)
    registry.merge_organisations(survivor=a, duplicate=b, actor=None)
    with pytest.raises(ValidationError):
        registry.merge_organisations(survivor=b, duplicate=c, actor=None)
    with pytest.raises(ValidationError):
        registry.merge_organisations(survivor=c, duplicate=b, actor=None)
    assert c.merged_into is None


def test_flags_with_third_parties_follow_the_survivor():
    survivor, duplicate, third = OrganisationFactory.create_batch(3)
    flag = DuplicateFlag.objects.create(organisation=duplicate, candidate=third, reason="x")
    registry.merge_organisations(survivor=survivor, duplicate=duplicate, actor=None)
    flag.refresh_from_db()
    assert flag.organisation == survivor
    assert flag.resolved_at is None


def test_dismissed_flag_is_audited_and_not_raised_again():
    _existing, _ = resolve(legal_name="Fondazione Cariplo", kind=Organisation.Kind.FOUNDATION)
    other, _ = resolve(legal_name="Fondazione Cariplo Onlus", kind=Organisation.Kind.FOUNDATION)
    flag = DuplicateFlag.objects.get()
    duplicates.dismiss_duplicate_flag(flag=flag, actor=None)
    with transaction.atomic():
        assert duplicates.flag_possible_duplicates(organisation=other) == []
    flag.refresh_from_db()
    assert flag.resolution == "dismissed"
    assert AuditEntry.objects.filter(action="stakeholders.duplicateflag.dismissed").exists()


# --- consent and interactions ------------------------------------------------------------------


def test_consent_records_the_text_version_and_is_idempotent():
    from stakeholders.consent import CONSENT_TEXT_VERSION, consent_text

    contact = ContactPersonFactory()
    first = registry.give_consent(contact=contact, purpose="contact")
    again = registry.give_consent(contact=contact, purpose="contact")
    assert first == again
    assert first.text_version == CONSENT_TEXT_VERSION
    with translation.override("en"):
        assert "contact" in consent_text("contact")
    assert AuditEntry.objects.filter(action="stakeholders.consent.given").count() == 1


def test_withdrawn_consent_keeps_its_history_and_a_new_one_can_be_given():
    contact = ContactPersonFactory()
    consent = registry.give_consent(contact=contact, purpose="news")
    withdrawn = registry.withdraw_consent(consent=consent, actor=None)
    when = withdrawn.withdrawn_at
    assert when is not None
    assert registry.withdraw_consent(consent=consent, actor=None).withdrawn_at == when
    renewed = registry.give_consent(contact=contact, purpose="news")
    assert renewed != consent
    assert Consent.objects.filter(contact=contact).count() == 2
    assert AuditEntry.objects.filter(action="stakeholders.consent.withdrawn").count() == 1


def test_unknown_consent_purpose_is_refused():
    with pytest.raises(ValidationError):
        registry.give_consent(contact=ContactPersonFactory(), purpose="spam")


def test_interaction_is_recorded_for_the_staff_member_and_audited():
    manager = UserFactory(role="account manager")
    organisation = OrganisationFactory()
    contact = ContactPersonFactory(organisation=organisation)
    interaction = registry.record_interaction(
        organisation=organisation,
        kind="event",
        subject="Networking drink",
        contact=contact,
        actor=manager,
    )
    assert interaction.staff == manager
    assert AuditEntry.objects.filter(action="stakeholders.interaction.recorded").exists()


def test_interaction_with_another_organisations_contact_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        registry.record_interaction(
            organisation=OrganisationFactory(),
            kind="call",
            subject="Telefonata",
            contact=ContactPersonFactory(),
        )
    assert "contact" in excinfo.value.message_dict
    assert not Interaction.objects.exists()


def test_interaction_with_bad_kind_or_long_subject_is_refused():
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError) as excinfo:
        registry.record_interaction(organisation=organisation, kind="duel", subject="x" * 201)
    assert {"kind", "subject"} <= set(excinfo.value.message_dict)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ValidationError) as excinfo:
        resolve(legal_name="", tax_code="1", website="javascript:alert(1)")
    assert {"legal_name", "tax_code", "website"} <= set(excinfo.value.message_dict)


def test_website_without_scheme_gets_https():
    organisation, _ = resolve(legal_name="Sito S.r.l.", website="www.sito.example.it")
    assert organisation.website == "https://www.sito.example.it"
    assert organisation.email_domain == "sito.example.it"


def test_a_shorter_name_finds_the_full_one():
    existing, _ = resolve(legal_name="Fondazione Cariplo", kind=Organisation.Kind.FOUNDATION)
    _other, _ = resolve(legal_name="Cariplo", kind=Organisation.Kind.FOUNDATION)
    assert DuplicateFlag.objects.get().candidate == existing


@pytest.mark.parametrize(
    "name",
    [
        "Fondazione CARIPLO Onlus",
        "Società Cooperativa Sociale Beta ONLUS",
        "UNIVERSITÀ DEGLI STUDI DI MILANO",
        "Caffè Perù S.r.l.s.",
        "  A.B.C.   S.p.A. ",
        "Impresa & Figli - Società in nome collettivo (snc)",
        "Ënte Ñandù",
        "Fondazione",
    ],
)
def test_stored_name_key_matches_the_python_rule(name):
    organisation = OrganisationFactory(legal_name=name)
    organisation.refresh_from_db()
    assert organisation.name_key == registry.normalise_name(name)
