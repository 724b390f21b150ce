"""A merge cannot hand a company to an outsider; staff choose per person and per field; undo."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from contactpoint import roles
from contactpoint.models import AuditEntry
from stakeholders import merging, offer_accounts
from stakeholders.models import (
    ContactPerson,
    Offer,
    Organisation,
    OrganisationMembership,
    OrganisationMerge,
)
from tests.factories import (
    ContactPersonFactory,
    MatchFactory,
    OfferFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
    valid_vat_number,
    with_totp,
)

from .offer_support import form_data

pytestmark = pytest.mark.django_db

OUTSIDER = "mallory@esempiotech-srl.it"


@pytest.fixture
def real_company():
    company = OrganisationFactory(
        legal_name="Esempio Tech S.r.l.", vat_number=valid_vat_number(8101), website=""
    )
    ContactPersonFactory(
        organisation=company, first_name="Carla", last_name="Segreta", email="carla@esempio.it"
    )
    offer = OfferFactory(organisation=company, title="Server dismessi della sede")
    MatchFactory(offer=offer)
    return company


def _outsider_takes_a_lookalike(client):
    """The outsider registers "Esempio Tech Srl" on the public form and verifies the address."""
    response = client.post(
        "/offers/new/",
        form_data(
            legal_name="Esempio Tech Srl",
            vat_number=valid_vat_number(8102),
            website="https://www.esempiotech-srl.it",
            email=OUTSIDER,
            first_name="Mallory",
            last_name="Outsider",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    lookalike = Offer.objects.get(submitted_email=OUTSIDER).organisation
    assert lookalike.legal_name == "Esempio Tech Srl"
    outsider = UserFactory(email=OUTSIDER, verified=True)
    assert offer_accounts.attach_offers_to_user(user=outsider, email=OUTSIDER) == [lookalike]
    return outsider, lookalike


def test_merging_a_lookalike_does_not_hand_the_company_to_its_outsider(client, real_company):
    outsider, lookalike = _outsider_takes_a_lookalike(client)
    staff = UserFactory(role=roles.ACCOUNT_MANAGER)

    merging.merge_organisations(survivor=real_company, duplicate=lookalike, actor=staff)

    real_company.refresh_from_db()
    # Fields are not filled from the look-alike.
    assert real_company.website == ""
    assert real_company.email_domain == ""
    assert not real_company.email_domain_verified
    # The outsider's account acts for nothing any more.
    assert not OrganisationMembership.objects.filter(user=outsider).exists()
    client.force_login(outsider)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    area = client.get("/my/").content.decode()
    assert "Segreta" not in area and "carla@esempio.it" not in area
    assert "Server dismessi" not in area
    export = client.get("/my/export/").content.decode()
    assert "carla@esempio.it" not in export and "Server dismessi" not in export
    assert client.get(f"/my/organisations/{real_company.pk}/").status_code in (403, 404)
    assert client.get(f"/my/organisations/{lookalike.pk}/").status_code in (403, 404)
    matches = client.get("/my/matches/")
    assert "Server dismessi" not in matches.content.decode()
    # Verifying again does not bring them back: the claim of the look-alike did not move.
    assert offer_accounts.attach_offers_to_user(user=outsider, email=OUTSIDER) == []
    # Anyone verifying an address at the look-alike's domain does not auto-join.
    colleague = UserFactory(email="eve@esempiotech-srl.it", verified=True)
    OfferFactory(organisation=real_company, submitted_email="eve@esempiotech-srl.it")
    assert (
        offer_accounts.attach_offers_to_user(user=colleague, email="eve@esempiotech-srl.it") == []
    )
    # Audited with both records' prior state.
    entry = AuditEntry.objects.get(action="stakeholders.organisation.merged")
    assert entry.payload["before"]["duplicate"]["website"] == "https://www.esempiotech-srl.it"
    assert entry.payload["before"]["survivor"]["website"] == ""
    assert entry.payload["moved"]["memberships_not_moved"] == 1


def test_a_domain_taken_over_by_staff_still_needs_their_verification(client, real_company):
    _outsider, lookalike = _outsider_takes_a_lookalike(client)

    merging.merge_organisations(
        survivor=real_company, duplicate=lookalike, actor=None, take_fields=["email_domain"]
    )

    real_company.refresh_from_db()
    assert real_company.email_domain == "esempiotech-srl.it"
    assert not real_company.email_domain_verified
    colleague = UserFactory(email="eve@esempiotech-srl.it", verified=True)
    OfferFactory(organisation=real_company, submitted_email="eve@esempiotech-srl.it")
    assert (
        offer_accounts.attach_offers_to_user(user=colleague, email="eve@esempiotech-srl.it") == []
    )

    real_company.email_domain_verified = True  # what staff tick after checking
    real_company.save()
    assert offer_accounts.attach_offers_to_user(user=colleague, email="eve@esempiotech-srl.it") == [
        real_company
    ]


def test_staff_choose_each_person_who_moves(real_company):
    duplicate = OrganisationFactory(legal_name="Esempio Tech")
    chosen, left = OrganisationMembershipFactory.create_batch(2, organisation=duplicate)
    OfferFactory(
        organisation=duplicate, submitted_email="Founder@esempio.it", created_organisation=True
    )
    OfferFactory(
        organisation=duplicate, submitted_email="stranger@other.it", created_organisation=True
    )

    people = merging.people_of(duplicate)
    assert {(p.kind, p.key) for p in people} == {
        ("account", str(chosen.user_id)),
        ("account", str(left.user_id)),
        ("claim", "founder@esempio.it"),
        ("claim", "stranger@other.it"),
    }
    merging.merge_organisations(
        survivor=real_company,
        duplicate=duplicate,
        actor=None,
        move_accounts=[chosen.user_id],
        move_claims=["founder@esempio.it"],
    )

    assert set(
        OrganisationMembership.objects.filter(organisation=real_company).values_list(
            "user_id", flat=True
        )
    ) == {chosen.user_id}
    assert not OrganisationMembership.objects.filter(user=left.user).exists()
    claims = dict(
        Offer.objects.filter(organisation=real_company, created_organisation=True).values_list(
            "submitted_email", "organisation"
        )
    )
    assert claims == {"Founder@esempio.it": real_company.pk}


def test_a_person_not_on_the_page_cannot_be_moved(real_company):
    duplicate = OrganisationFactory()
    stranger = UserFactory()
    with pytest.raises(ValidationError):
        merging.merge_organisations(
            survivor=real_company, duplicate=duplicate, actor=None, move_accounts=[stranger.pk]
        )
    assert Organisation.objects.get(pk=duplicate.pk).merged_into is None


def test_staff_choose_each_field_taken_from_the_merged_away_record(real_company):
    duplicate = OrganisationFactory(
        website="https://esempio.example", sector="Informatica", description="Altro", size="small"
    )
    real_company.description = "Descrizione vera"
    real_company.save()

    merging.merge_organisations(
        survivor=real_company, duplicate=duplicate, actor=None, take_fields=["sector", "size"]
    )

    real_company.refresh_from_db()
    assert (real_company.sector, real_company.size) == ("Informatica", "small")
    assert real_company.website == ""
    assert real_company.description == "Descrizione vera"


def test_undo_restores_both_records_and_every_link(real_company):
    duplicate = OrganisationFactory(vat_number=valid_vat_number(8103), sector="Logistica")
    member = OrganisationMembershipFactory(organisation=duplicate)
    contact = ContactPersonFactory(organisation=duplicate)
    offer = OfferFactory(organisation=duplicate, contact=contact, created_organisation=True)
    merging.merge_organisations(
        survivor=real_company,
        duplicate=duplicate,
        actor=None,
        move_accounts=[member.user_id],
        take_fields=["sector", "vat_number"],
    )
    real_company.refresh_from_db()
    assert real_company.vat_number == valid_vat_number(8103)
    merge = OrganisationMerge.objects.get()

    restored = merging.undo_merge(merge=merge, actor=None)

    assert restored == duplicate
    duplicate.refresh_from_db()
    real_company.refresh_from_db()
    offer.refresh_from_db()
    assert duplicate.merged_into is None
    assert real_company.vat_number == valid_vat_number(8101)
    assert real_company.sector == ""
    assert ContactPerson.objects.get(pk=contact.pk).organisation == duplicate
    assert offer.organisation == duplicate and offer.created_organisation
    assert list(duplicate.memberships.values_list("user_id", flat=True)) == [member.user_id]
    assert not real_company.memberships.filter(user_id=member.user_id).exists()
    assert not real_company.contacts.filter(pk=contact.pk).exists()
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert AuditEntry.objects.filter(action="stakeholders.organisation.merge_undone").exists()
    with pytest.raises(ValidationError):
        merging.undo_merge(merge=merge, actor=None)


def test_undo_is_refused_when_a_taken_field_was_changed_since(real_company):
    duplicate = OrganisationFactory(sector="Logistica")
    merging.merge_organisations(
        survivor=real_company, duplicate=duplicate, actor=None, take_fields=["sector"]
    )
    real_company.refresh_from_db()
    real_company.sector = "Energia"
    real_company.save()

    with pytest.raises(ValidationError, match="sector"):
        merging.undo_merge(merge=OrganisationMerge.objects.get(), actor=None)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == real_company


def test_the_admin_merge_page_offers_a_choice_per_person_and_field_and_undo(client, real_company):
    staff = UserFactory(role=roles.ACCOUNT_MANAGER)
    with_totp(staff)
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    duplicate = OrganisationFactory(sector="Informatica")
    member = OrganisationMembershipFactory(organisation=duplicate)
    url = (
        reverse("admin:stakeholders_organisation_merge") + f"?ids={real_company.pk},{duplicate.pk}"
    )
    page = client.get(url)
    assert page.status_code == 200
    move = f"move_{duplicate.pk}_account_{member.user_id}"
    take = f"take_{duplicate.pk}_sector"
    html = page.content.decode()
    assert f'name="{move}"' in html and f'name="{take}"' in html
    assert "checked" not in html.split(f'name="{move}"')[1].split(">")[0]

    done = client.post(
        url,
        {
            "ids": f"{real_company.pk},{duplicate.pk}",
            "survivor": real_company.pk,
            "confirm": "on",
            take: "on",
        },
    )
    assert done.status_code == 302
    real_company.refresh_from_db()
    assert real_company.sector == "Informatica"
    assert not OrganisationMembership.objects.filter(user=member.user).exists()

    merge = OrganisationMerge.objects.get()
    assert (
        client.get(
            reverse("admin:stakeholders_organisationmerge_change", args=[merge.pk])
        ).status_code
        == 200
    )
    undo = reverse("admin:stakeholders_organisationmerge_undo", args=[merge.pk])
    assert client.get(undo).status_code == 200
    assert client.post(undo).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert client.post(undo).status_code == 409
