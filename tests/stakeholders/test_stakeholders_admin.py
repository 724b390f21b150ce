"""The registry admin: who may use it, constant query counts, import, merge, escaping."""

from __future__ import annotations

import pytest
import tablib
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from contactpoint import roles
from contactpoint.models import AuditEntry
from stakeholders import import_jobs
from stakeholders.models import (
    Consent,
    ContactPerson,
    DuplicateFlag,
    ImportJob,
    Interaction,
    Offer,
    Organisation,
)
from tests.factories import (
    ContactPersonFactory,
    OfferFactory,
    OrganisationFactory,
    UserFactory,
    valid_vat_number,
    with_totp,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:stakeholders_organisation_changelist"


def login(client, role: str | None, *, superuser: bool = False):
    user = UserFactory(role=role, superuser=superuser)
    if user.is_staff:
        with_totp(user)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


@pytest.fixture
def manager(client):
    return login(client, roles.ACCOUNT_MANAGER)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- permissions --------------------------------------------------------------------------


ADMIN_PAGES = [
    "admin:stakeholders_organisation_changelist",
    "admin:stakeholders_organisation_import",
    "admin:stakeholders_organisation_merge",
    "admin:stakeholders_contactperson_changelist",
    "admin:stakeholders_offer_changelist",
    "admin:stakeholders_interaction_changelist",
    "admin:stakeholders_consent_changelist",
    "admin:stakeholders_duplicateflag_changelist",
    "admin:stakeholders_importjob_changelist",
    "admin:stakeholders_organisationmerge_changelist",
]


@pytest.mark.parametrize("role", [roles.DEPARTMENT, roles.CABINET, roles.LEGAL])
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_staff_without_registry_rights_get_403(client, role, page):
    OrganisationFactory(legal_name="Segreta S.p.A.")
    login(client, role)
    response = client.get(reverse(page))
    assert response.status_code == 403
    assert b"Segreta" not in response.content


@pytest.mark.parametrize("role", [roles.STAKEHOLDER, None])
def test_non_staff_are_sent_to_login_and_see_nothing(client, role):
    OrganisationFactory(legal_name="Segreta S.p.A.")
    login(client, role)
    for page in ADMIN_PAGES:
        response = client.get(reverse(page))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302


@pytest.mark.parametrize("role", [roles.ACCOUNT_MANAGER, roles.TEAM_LEAD])
@pytest.mark.parametrize("page", [p for p in ADMIN_PAGES if not p.endswith("_merge")])
def test_account_managers_and_team_leads_reach_the_registry(client, role, page):
    login(client, role)
    assert client.get(reverse(page)).status_code == 200


def test_account_manager_cannot_delete_organisations_or_add_consents(client, manager):
    organisation = OrganisationFactory()
    delete = reverse("admin:stakeholders_organisation_delete", args=[organisation.pk])
    assert client.get(delete).status_code == 403
    assert client.get(reverse("admin:stakeholders_consent_add")).status_code == 403


# --- changelist ------------------------------------------------------------------------------


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    return len(queries)


def test_changelist_query_count_does_not_grow_with_rows(client, manager):
    def add(n):
        for _ in range(n):
            organisation = OrganisationFactory(relationship_owner=manager)
            OfferFactory.create_batch(2, organisation=organisation)
            DuplicateFlag.objects.create(
                organisation=organisation, candidate=OrganisationFactory(), reason="x"
            )

    add(2)
    few = _changelist_queries(client)
    add(10)
    assert _changelist_queries(client) == few


def test_changelist_shows_open_offers_and_possible_duplicates(client, manager):
    organisation = OrganisationFactory(legal_name="Alfa S.p.A.")
    OfferFactory.create_batch(2, organisation=organisation)
    OfferFactory(organisation=organisation, status=Offer.Status.COMPLETED)
    DuplicateFlag.objects.create(organisation=OrganisationFactory(), candidate=organisation)
    response = client.get(reverse(CHANGELIST), {"q": "Alfa"})
    row = response.context["cl"].result_list[0]
    assert (row.open_offers_count, row.open_duplicates) == (2, 1)
    assert b"1 to check" in response.content


def test_merged_organisations_are_hidden_by_default(client, manager):
    OrganisationFactory(legal_name="Viva")
    gone = OrganisationFactory(legal_name="Assorbita", merged_into=OrganisationFactory())
    response = client.get(reverse(CHANGELIST))
    assert gone not in response.context["cl"].result_list
    response = client.get(reverse(CHANGELIST), {"record": "merged"})
    assert list(response.context["cl"].result_list) == [gone]


def test_search_finds_tax_code_with_spaces_and_contact_emails(client, manager):
    alfa = OrganisationFactory(legal_name="Alfa", vat_number=valid_vat_number(4))
    beta = OrganisationFactory(legal_name="Beta")
    ContactPersonFactory(organisation=beta, email="laura@beta.example")
    code = valid_vat_number(4)
    response = client.get(reverse(CHANGELIST), {"q": f"IT {code[:5]} {code[5:]}"})
    assert list(response.context["cl"].result_list) == [alfa]
    response = client.get(reverse(CHANGELIST), {"q": "laura@beta"})
    assert list(response.context["cl"].result_list) == [beta]


def test_script_in_a_name_is_shown_escaped(client, manager):
    OrganisationFactory(legal_name="<script>alert(1)</script> S.r.l.")
    response = client.get(reverse(CHANGELIST))
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


# --- change form ------------------------------------------------------------------------------


def _organisation_post(**overrides):
    data = {
        "kind": "company",
        "legal_name": "Nuova S.r.l.",
        "tax_code": "",
        "vat_number": "",
        "website": "",
        "email_domain": "",
        "size": "",
        "sector": "",
        "description": "",
        "relationship_owner": "",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "interactions-TOTAL_FORMS": "0",
        "interactions-INITIAL_FORMS": "0",
        "stakeholders-organisation_member_of-TOTAL_FORMS": "0",
        "stakeholders-organisation_member_of-INITIAL_FORMS": "0",
        "Organisation_member_of-TOTAL_FORMS": "0",
        "Organisation_member_of-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_malformed_tax_code_and_long_name_are_field_errors(client, manager):
    url = reverse("admin:stakeholders_organisation_add")
    page = client.get(url)
    assert page.status_code == 200
    prefixes = [formset.formset.prefix for formset in page.context["inline_admin_formsets"]]
    data = _organisation_post(tax_code="1234", legal_name="x" * 201)
    for prefix in prefixes:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"tax_code", "legal_name"}
    assert "11 digits or 16 characters" in errors["tax_code"][0]
    assert not Organisation.objects.exists()


def test_added_organisation_is_audited_and_flagged_when_it_looks_like_another(client, manager):
    OrganisationFactory(legal_name="Fondazione Cariplo", kind="foundation")
    url = reverse("admin:stakeholders_organisation_add")
    prefixes = [f.formset.prefix for f in client.get(url).context["inline_admin_formsets"]]
    data = _organisation_post(
        kind="foundation", legal_name="Fondazione Cariplo Onlus", tax_code=valid_vat_number(8)
    )
    for prefix in prefixes:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Organisation.objects.get(tax_code=valid_vat_number(8))
    assert AuditEntry.objects.filter(
        action="stakeholders.organisation.created", object_id=str(created.pk), actor=manager
    ).exists()
    assert DuplicateFlag.objects.filter(organisation=created).exists()


def test_code_already_used_by_another_organisation_names_it(client, manager):
    OrganisationFactory(legal_name="Prima S.p.A.", tax_code=valid_vat_number(6))
    url = reverse("admin:stakeholders_organisation_add")
    prefixes = [f.formset.prefix for f in client.get(url).context["inline_admin_formsets"]]
    data = _organisation_post(vat_number="IT" + valid_vat_number(6))
    for prefix in prefixes:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    response = client.post(url, data)
    assert (
        "Prima S.p.A. already has this code"
        in response.context["adminform"].form.errors["vat_number"][0]
    )


def test_change_form_of_an_organisation_with_contacts_renders(client, manager):
    organisation = OrganisationFactory()
    contact = ContactPersonFactory(organisation=organisation)
    Consent.objects.create(contact=contact, purpose="contact", text_version="2026-11")
    Interaction.objects.create(organisation=organisation, kind="event", subject="Aperitivo")
    response = client.get(reverse("admin:stakeholders_organisation_change", args=[organisation.pk]))
    assert response.status_code == 200
    assert b"Aperitivo" in response.content
    assert b"(2026-11)" in response.content
    history = client.get(reverse("admin:stakeholders_organisation_history", args=[organisation.pk]))
    assert history.status_code == 200


# --- import through the admin ----------------------------------------------------------------


def _upload(client, content: bytes, name: str):
    return client.post(
        reverse("admin:stakeholders_organisation_import"),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_import_preview_then_confirm_imports_without_uploading_again(client, manager):
    content = b"kind,legal_name,tax_code\ncompany,Alfa S.r.l.,\nassociation,Retake Milano,\n"
    preview = _upload(client, content, "lista.csv")
    assert preview.status_code == 200
    assert preview.context["preview"].is_valid
    assert not Organisation.objects.exists()
    token = preview.context["confirm_token"]

    done = client.post(
        reverse("admin:stakeholders_organisation_import_confirm"), {"confirm": token}
    )
    # Confirming queues a job and leads to its page; the worker writes the rows.
    job = ImportJob.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:stakeholders_importjob_change", args=[job.pk])
    assert not Organisation.objects.exists()
    import_jobs.run_import(job_id=job.pk)  # what the worker does
    assert Organisation.objects.count() == 2
    assert AuditEntry.objects.filter(
        actor=manager, action="stakeholders.organisation.imported"
    ).exists()

    # The same confirmation again does nothing: the upload is gone.
    again = client.post(
        reverse("admin:stakeholders_organisation_import_confirm"), {"confirm": token}
    )
    assert again.status_code == 302
    assert Organisation.objects.count() == 2


def test_import_preview_highlights_row_errors_and_offers_no_confirmation(client, manager):
    content = tablib.Dataset(
        ["company", "Buona"], ["pirate", "<b>Cattiva</b>"], headers=["kind", "legal_name"]
    ).export("xlsx")
    response = _upload(client, content, "lista.xlsx")
    assert response.status_code == 200
    assert not response.context["preview"].is_valid
    assert response.context["confirm_token"] == ""
    body = response.content.decode()
    assert "import-cell-error" in body
    assert "Row 3, column kind" in body
    assert "&lt;b&gt;Cattiva&lt;/b&gt;" in body
    assert not Organisation.objects.exists()


def test_forged_or_foreign_confirmation_is_refused(client, manager):
    response = client.post(
        reverse("admin:stakeholders_organisation_import_confirm"), {"confirm": "forged"}
    )
    assert response.status_code == 302
    assert not Organisation.objects.exists()


def test_wrong_file_type_is_a_field_error(client, manager):
    response = _upload(client, b"%PDF-1.4", "lista.pdf")
    assert response.status_code == 200
    assert "CSV or XLSX" in response.context["form"].errors["file"][0]


def test_export_button_exports_the_filtered_changelist(client, manager):
    OrganisationFactory(legal_name="Alfa", kind="company")
    OrganisationFactory(legal_name="Fondazione Beta", kind="foundation")
    response = client.get(
        reverse("admin:stakeholders_organisation_export"),
        {"kind__exact": "foundation", "format": "csv"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert "Fondazione Beta" in body
    assert "Alfa" not in body


def test_contacts_import_page_works(client, manager):
    organisation = OrganisationFactory(tax_code=valid_vat_number(13))
    content = (
        "organisation_tax_code,first_name,last_name,email\n"
        f"{valid_vat_number(13)},Mario,Rossi,mario@esempio.it\n"
    ).encode()
    preview = client.post(
        reverse("admin:stakeholders_contactperson_import"),
        {"file": SimpleUploadedFile("c.csv", content)},
    )
    token = preview.context["confirm_token"]
    client.post(reverse("admin:stakeholders_contactperson_import_confirm"), {"confirm": token})
    import_jobs.run_import(job_id=ImportJob.objects.get().pk)
    assert ContactPerson.objects.get().organisation == organisation


# --- merge and duplicates --------------------------------------------------------------------


def test_merge_action_leads_to_a_confirmation_that_moves_everything(client, manager):
    keep = OrganisationFactory(legal_name="Fondazione Cariplo")
    drop = OrganisationFactory(legal_name="Fondazione CARIPLO Onlus")
    ContactPersonFactory.create_batch(2, organisation=drop)
    OfferFactory(organisation=drop, contact=None)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "merge_selected", "_selected_action": [keep.pk, drop.pk]},
    )
    assert response.status_code == 302
    confirm_url = response["Location"]
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert b"2 contacts" in page.content

    # Without the confirmation tick nothing happens.
    ids = page.context["ids"]
    refused = client.post(confirm_url, {"ids": ids, "survivor": keep.pk})
    assert refused.status_code == 200
    assert "confirm" in refused.context["form"].errors
    drop.refresh_from_db()
    assert drop.merged_into is None

    done = client.post(confirm_url, {"ids": ids, "survivor": keep.pk, "confirm": "on"})
    assert done.status_code == 302
    drop.refresh_from_db()
    assert drop.merged_into == keep
    assert keep.contacts.count() == 2
    assert keep.offers.count() == 1
    assert AuditEntry.objects.filter(
        action="stakeholders.organisation.merged", actor=manager
    ).exists()


def test_merge_needs_exactly_two(client, manager):
    a, b, c = OrganisationFactory.create_batch(3)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "merge_selected", "_selected_action": [a.pk, b.pk, c.pk]},
        follow=True,
    )
    assert b"Select exactly two organisations" in response.content


def test_duplicate_flags_can_be_dismissed(client, manager):
    flag = DuplicateFlag.objects.create(
        organisation=OrganisationFactory(), candidate=OrganisationFactory(), reason="similar_name"
    )
    changelist = reverse("admin:stakeholders_duplicateflag_changelist")
    page = client.get(changelist)
    assert b"similar name" in page.content
    client.post(changelist, {"action": "dismiss_selected", "_selected_action": [flag.pk]})
    flag.refresh_from_db()
    assert flag.resolution == "dismissed"
    assert flag not in client.get(changelist).context["cl"].result_list


def test_consent_withdraw_action_is_audited(client, manager):
    consent = Consent.objects.create(
        contact=ContactPersonFactory(), purpose="news", text_version="2026-11"
    )
    client.post(
        reverse("admin:stakeholders_consent_changelist"),
        {"action": "withdraw_selected", "_selected_action": [consent.pk]},
    )
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert AuditEntry.objects.filter(
        action="stakeholders.consent.withdrawn", actor=manager
    ).exists()


def test_offer_changelist_query_count_is_constant_and_token_read_only(client, manager):
    OfferFactory.create_batch(2)
    url = reverse("admin:stakeholders_offer_changelist")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    OfferFactory.create_batch(8)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    offer = Offer.objects.first()
    page = client.get(reverse("admin:stakeholders_offer_change", args=[offer.pk]))
    assert "tracking_token" not in page.context["adminform"].form.fields


def _form_fields(form, data: dict) -> None:
    for name in form.fields:
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or value is False:
            continue
        if value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[key] = str(getattr(value, "pk", value))


def change_form_data(response) -> dict:
    """The POST a browser would send for the admin change form as rendered."""
    data: dict = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_fields(formset.management_form, data)
        for form in formset.initial_forms:
            _form_fields(form, data)
    return data


def post_organisation_change(client, organisation, changes: dict):
    """Posts the organisation's admin change form as it is shown, with ``changes``."""
    url = reverse("admin:stakeholders_organisation_change", args=[organisation.pk])
    data = change_form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def one_interaction(kind: str, contact, subject: str) -> dict[str, str]:
    """The history inline with one interaction of 20 November 2026."""
    return {
        "interactions-TOTAL_FORMS": "1",
        "interactions-0-kind": kind,
        "interactions-0-date": "2026-11-20",
        "interactions-0-contact": str(contact.pk),
        "interactions-0-subject": subject,
    }


def test_interaction_added_inline_is_recorded_for_the_manager_and_audited(client, manager):
    organisation = OrganisationFactory(legal_name="Fondazione Bracco")
    contact = ContactPersonFactory(organisation=organisation)
    response = post_organisation_change(
        client,
        organisation,
        {
            **one_interaction("meeting", contact, "Laboratori STEM"),
            "interactions-0-notes": "Sei scuole",
            "sector": "Fondazione d'impresa",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    interaction = Interaction.objects.get()
    assert (interaction.staff, interaction.contact) == (manager, contact)
    assert AuditEntry.objects.filter(action="stakeholders.interaction.recorded").exists()
    changed = AuditEntry.objects.get(action="stakeholders.organisation.changed")
    assert changed.payload["fields"] == ["sector"]


def test_contact_of_another_organisation_is_not_offered_in_the_history(client, manager):
    organisation = OrganisationFactory()
    stranger = ContactPersonFactory()
    response = post_organisation_change(
        client, organisation, one_interaction("call", stranger, "Telefonata")
    )
    assert response.status_code == 200
    assert not Interaction.objects.exists()
