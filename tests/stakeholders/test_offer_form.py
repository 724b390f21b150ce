"""The public offer form: one transaction per offer, protections, and bad input stored nowhere."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from contactpoint import roles
from contactpoint.models import AuditEntry, OutboxMessage
from needs.models import Need
from stakeholders import offers
from stakeholders.consent import CONSENT_TEXT_VERSION
from stakeholders.models import Consent, ContactPerson, Offer, Organisation
from tests.factories import (
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
    valid_vat_number,
)
from tests.fixtures.threads import all_at_once

from .offer_support import (
    cleaned,
    counts,
    form_data,
    many_areas,
    many_neighbourhoods,
    submit_an_offer_that_fails,
)

pytestmark = pytest.mark.django_db

URL = "/offers/new/"


def post(client, data, **extra):
    return client.post(URL, data, **extra)


# --- The page ---------------------------------------------------------------------------------


def test_form_page_has_sections_consent_text_key_and_a_honeypot_hidden_by_a_css_class(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") >= 6
    assert html.count("<legend") >= 6
    assert 'class="cp-hp" aria-hidden="true"' in html
    assert 'name="homepage"' in html
    assert "css/offers.css" in html
    assert 'style="' not in html  # CSP: no inline styles
    assert "<script>" not in html  # CSP: no inline scripts
    assert CONSENT_TEXT_VERSION in html
    assert 'name="csrfmiddlewaretoken"' in html
    # No key in the page: the server derives it from the session and the content.
    assert "idempotency_key" not in html


def test_signed_in_stakeholder_finds_organisation_and_contact_prefilled(client):
    user = UserFactory(email="giulia@impresa-verde.it", role=roles.STAKEHOLDER, verified=True)
    membership = OrganisationMembershipFactory(
        user=user,
        organisation=OrganisationFactory(
            legal_name="Impresa Verde S.p.A.", vat_number=valid_vat_number(31)
        ),
    )
    ContactPerson.objects.create(
        organisation=membership.organisation,
        first_name="Giulia",
        last_name="Verdi",
        role="Direttrice",
        email="giulia@impresa-verde.it",
    )
    client.force_login(user)

    initial = client.get(URL).context["form"].initial

    assert initial["legal_name"] == "Impresa Verde S.p.A."
    assert initial["vat_number"] == valid_vat_number(31)
    assert initial["first_name"] == "Giulia"
    assert initial["last_name"] == "Verdi"
    assert initial["role"] == "Direttrice"
    assert initial["email"] == "giulia@impresa-verde.it"


# --- Happy path -------------------------------------------------------------------------------


def test_valid_offer_stores_offer_organisation_contact_consents_audit_and_outbox(client, places):
    response = post(client, form_data(places))

    assert response.status_code == 302
    assert response["Location"] == "/offers/thanks/"
    offer = Offer.objects.get()
    assert offer.title == "30 computer portatili"
    assert offer.quantity == offer.quantity_open == 30
    assert offer.status == Offer.Status.SUBMITTED
    assert offer.language == "it"
    assert offer.submitted_email == "maria.rossi@rossi-costruzioni.it"
    assert offers.IDEMPOTENCY_KEY_RE.match(offer.idempotency_key)
    assert offer.submitted_organisation_name == "Rossi Costruzioni S.r.l."
    assert offer.created_organisation is True
    assert offer.allow_logo_use and not offer.allow_press
    assert list(offer.areas.all()) == [places["area"]]
    assert list(offer.neighbourhoods.all()) == [places["nil"]]
    assert str(offer.available_until) == "2027-03-31"
    organisation = Organisation.objects.get()
    assert offer.organisation == organisation
    assert organisation.vat_number == valid_vat_number(7001)
    assert organisation.email_domain == "rossi-costruzioni.it"
    contact = ContactPerson.objects.get()
    assert (contact.organisation, contact.email, contact.is_primary) == (
        organisation,
        offer.submitted_email,
        True,
    )
    assert offer.contact == contact
    assert {(c.purpose, c.text_version) for c in Consent.objects.filter(contact=contact)} == {
        (Consent.Purpose.CONTACT, CONSENT_TEXT_VERSION),
        (Consent.Purpose.SURVEY, CONSENT_TEXT_VERSION),
    }
    assert AuditEntry.objects.filter(
        action="stakeholders.offer.submitted", object_id=str(offer.pk)
    ).exists()
    assert sorted(OutboxMessage.objects.values_list("task_name", "args", "dedup_key")) == [
        ("matching.match_offer", [offer.pk], f"match-offer-{offer.pk}"),
        ("stakeholders.send_offer_confirmation", [offer.pk], f"offer-confirmation-{offer.pk}"),
    ]

    thanks = client.get("/offers/thanks/").content.decode()
    assert "30 computer portatili" in thanks
    assert f"/offers/track/{offer.tracking_token}/" in thanks


def test_the_whole_offer_is_one_transaction_with_its_outbox_messages(places):
    """Everything submit_offer writes joins the caller's transaction: roll it back, and
    nothing is left."""
    before = counts()

    with pytest.raises(RuntimeError), transaction.atomic():
        offers.submit_offer(
            data=cleaned(places),
            idempotency_key="rollback-key-0123456789",
            actor=None,
            client_ip="10.0.0.1",
        )
        assert Offer.objects.count() == 1 and OutboxMessage.objects.count() == 2
        raise RuntimeError("the caller fails after the service")

    assert counts() == before
    assert OutboxMessage.objects.count() == 0
    assert Consent.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="stakeholders.").exists()


def test_a_failure_after_the_organisation_was_created_leaves_nothing_behind(places):
    before = counts()

    submit_an_offer_that_fails(places)

    assert counts() == before
    assert OutboxMessage.objects.count() == Consent.objects.count() == 0


def test_second_offer_of_a_known_organisation_links_to_it_and_keeps_the_contact(client):
    post(client, form_data())
    post(
        client,
        form_data(
            idempotency_key="second-key-0123456789ab",
            title="Una seconda offerta",
            first_name="Altro",
        ),
    )

    assert Offer.objects.count() == 2
    assert Organisation.objects.count() == 1
    contact = ContactPerson.objects.get()
    assert contact.first_name == "Maria"  # an anonymous form never overwrites a known person
    assert Offer.objects.filter(created_organisation=True).count() == 1


# --- ?need= -----------------------------------------------------------------------------------


def test_need_parameter_preselects_a_published_need_and_the_offer_is_linked_to_it(client):
    need = NeedFactory(title="Laptop per gli alunni della Sottocorno")

    page = client.get(f"{URL}?need={need.pk}")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Laptop per gli alunni della Sottocorno" in html
    assert f'name="need" value="{need.pk}"' in html
    assert page.context["form"].initial["resource_kind"] == need.resource_kind
    response = post(client, form_data(need=str(need.pk)))
    assert response.status_code == 302
    assert Offer.objects.get().need == need
    assert (
        "Laptop per gli alunni della Sottocorno" in client.get("/offers/thanks/").content.decode()
    )


@pytest.mark.parametrize(
    "raw", ["draft", "closed", "999999", "abc", "-1", "1e5", "9" * 40, "<script>"]
)
def test_need_parameter_with_a_draft_closed_unknown_or_garbage_id_is_ignored_with_a_notice(
    client, raw
):
    if raw in ("draft", "closed"):
        raw = str(
            NeedFactory(
                status=Need.Status.DRAFT if raw == "draft" else Need.Status.CLOSED, title="Segreto"
            ).pk
        )

    response = client.get(URL, {"need": raw})

    assert response.status_code == 200
    assert response.context["need"] is None
    assert response.context["need_notice"] is True
    html = response.content.decode()
    assert "Segreto" not in html
    assert response.context["form"].initial.get("need") is None
    assert "<script>" not in html


def test_need_closed_between_form_and_submit_is_dropped_and_the_offer_still_saved(client):
    need = NeedFactory()
    Need.objects.filter(pk=need.pk).update(status=Need.Status.COVERED)

    response = post(client, form_data(need=str(need.pk)))

    assert response.status_code == 302
    assert Offer.objects.get().need is None
    assert client.get("/offers/thanks/").context["need_dropped"] is True


# --- Protection -------------------------------------------------------------------------------


def test_filled_honeypot_pretends_success_and_stores_nothing(client):
    before = counts()

    response = post(client, form_data(homepage="http://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == "/offers/thanks/"
    assert counts() == before
    assert OutboxMessage.objects.count() == 0
    thanks = client.get("/offers/thanks/")
    assert thanks.status_code == 200
    assert thanks.context["offer"] is None


def test_the_form_refuses_a_post_without_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post(URL, form_data())

    assert response.status_code == 403
    assert Offer.objects.count() == 0


def test_double_submit_with_the_same_key_creates_one_offer_and_the_same_confirmation(client):
    first = post(client, form_data())
    first_page = client.get("/offers/thanks/").content.decode()
    second = post(client, form_data())
    second_page = client.get("/offers/thanks/").content.decode()

    assert first.status_code == second.status_code == 302
    assert Offer.objects.count() == 1
    assert OutboxMessage.objects.count() == 2
    token = Offer.objects.get().tracking_token
    assert f"/offers/track/{token}/" in first_page
    assert f"/offers/track/{token}/" in second_page


def test_a_resubmit_after_a_validation_error_creates_one_offer(client):
    bad = post(client, form_data(title=""))
    assert bad.status_code == 200

    post(client, form_data())
    post(client, form_data())

    assert Offer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_the_same_key_create_one_offer():
    results: list[int] = []

    def submit(_n: int) -> None:
        results.append(Client().post(URL, form_data()).status_code)

    assert all_at_once(submit, 2, timeout=30) == []
    assert results == [302, 302]
    assert Offer.objects.count() == 1
    assert Organisation.objects.count() == 1
    assert ContactPerson.objects.count() == 1
    assert OutboxMessage.objects.filter(task_name="matching.match_offer").count() == 1


def test_the_idempotency_key_is_unique_in_the_database():
    OfferFactory(idempotency_key="unique-key-0123456789")
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferFactory(idempotency_key="unique-key-0123456789")


def test_rate_limit_per_email_answers_with_a_friendly_error_and_stores_nothing(client):
    for n in range(5):
        response = post(
            client,
            form_data(
                title=f"Offerta numero {n}",
                idempotency_key=f"email-limit-key-{n:08d}",
                vat_number=valid_vat_number(800 + n),
            ),
            REMOTE_ADDR=f"10.1.0.{n}",
        )
        assert response.status_code == 302
    before = counts()

    response = post(
        client,
        form_data(idempotency_key="email-limit-key-final", vat_number=valid_vat_number(899)),
        REMOTE_ADDR="10.1.0.99",
    )

    assert response.status_code == 429
    assert "from this e-mail address" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert counts() == before


def test_rate_limit_per_ip_is_configurable_and_counts_only_accepted_offers(client, settings):
    settings.OFFER_RATE_LIMIT_PER_IP = 3
    post(client, form_data(title=""), REMOTE_ADDR="10.2.0.1")  # refused: does not count
    for n in range(3):
        response = post(
            client,
            form_data(idempotency_key=f"ip-limit-key-{n:08d}", email=f"p{n}@rossi-costruzioni.it"),
            REMOTE_ADDR="10.2.0.1",
        )
        assert response.status_code == 302
    # A replay of an accepted offer is not a new offer: never limited.
    assert (
        post(
            client,
            form_data(idempotency_key="ip-limit-key-00000000", email="p0@rossi-costruzioni.it"),
            REMOTE_ADDR="10.2.0.1",
        ).status_code
        == 302
    )

    blocked = post(
        client,
        form_data(idempotency_key="ip-limit-key-blocked", email="other@rossi-costruzioni.it"),
        REMOTE_ADDR="10.2.0.1",
    )
    other_ip = post(
        client,
        form_data(idempotency_key="ip-limit-key-otherip", email="other@rossi-costruzioni.it"),
        REMOTE_ADDR="10.2.0.2",
    )

    assert blocked.status_code == 429
    assert "from your connection" in blocked.content.decode()
    assert other_ip.status_code == 302
    assert Offer.objects.count() == 4


# --- Bad input: field errors, nothing stored --------------------------------------------------

BAD_INPUT = [
    # missing
    ("legal_name", {"legal_name": ""}),
    ("legal_name", {"legal_name": "   "}),
    ("kind", {"kind": ""}),
    ("first_name", {"first_name": None}),
    ("last_name", {"last_name": ""}),
    ("email", {"email": ""}),
    ("resource_kind", {"resource_kind": ""}),
    ("title", {"title": ""}),
    ("description", {"description": ""}),
    ("quantity", {"quantity": ""}),
    ("unit", {"unit": ""}),
    ("consent_contact", {"consent_contact": None}),
    # too long
    ("legal_name", {"legal_name": "x" * 201}),
    ("title", {"title": "x" * 201}),
    ("description", {"description": "x" * 5001}),
    ("unit", {"unit": "x" * 41}),
    ("role", {"role": "x" * 121}),
    ("phone", {"phone": "1" * 31}),
    ("first_name", {"first_name": "x" * 101}),
    ("website", {"website": "https://example.it/" + "x" * 200}),
    ("email", {"email": "a" * 250 + "@example.it"}),
    ("tax_code", {"tax_code": "1" * 21}),
    # wrong type or value
    ("quantity", {"quantity": "abc"}),
    ("quantity", {"quantity": "0"}),
    ("quantity", {"quantity": "-3"}),
    ("quantity", {"quantity": "10000001"}),
    ("quantity", {"quantity": "2.5"}),
    ("kind", {"kind": "spaceship"}),
    ("resource_kind", {"resource_kind": "gold"}),
    ("language", {"language": "de"}),
    ("email", {"email": "not-an-email"}),
    ("website", {"website": "javascript:alert(1)"}),
    ("phone", {"phone": "call me maybe"}),
    ("available_from", {"available_from": "31/31/2027"}),
    ("available_until", {"available_until": "tomorrow"}),
    ("areas", {"areas": ["999999"]}),
    ("areas", {"areas": ["abc"]}),
    ("neighbourhoods", {"neighbourhoods": ["999999"]}),
    ("municipi", {"municipi": ["x"]}),
    # malformed codes
    ("tax_code", {"tax_code": "12345678901"}),
    ("tax_code", {"tax_code": "ABC"}),
    ("tax_code", {"tax_code": "RSSMRA85T10A562X"}),
    ("vat_number", {"vat_number": "IT123"}),
    ("vat_number", {"vat_number": "12345678900"}),
    # window
    ("available_until", {"available_from": "2027-05-01", "available_until": "2027-04-30"}),
]


@pytest.mark.parametrize(("field", "overrides"), BAD_INPUT)
def test_bad_input_gets_a_field_error_next_to_the_field_and_stores_nothing(
    client, field, overrides
):
    before = counts()

    response = post(client, form_data(**overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    html = response.content.decode()
    assert 'role="alert"' in html  # the error summary
    assert f'id="id_{field}_error"' in html
    # Tick-box groups (areas and places) point to their error from the fieldset instead.
    if field not in ("areas", "municipi", "neighbourhoods"):
        assert 'aria-invalid="true"' in html
    assert counts() == before
    assert OutboxMessage.objects.count() == 0


def test_more_than_twenty_areas_or_places_is_refused(client):
    areas = many_areas(21)
    nils = many_neighbourhoods(21)

    too_many_areas = post(client, form_data(areas=[str(a.pk) for a in areas]))
    too_many_places = post(client, form_data(neighbourhoods=[str(n.pk) for n in nils]))

    assert "areas" in too_many_areas.context["form"].errors
    assert "neighbourhoods" in too_many_places.context["form"].errors
    assert Offer.objects.count() == 0


def test_script_in_the_description_is_stored_as_text_and_shown_escaped(client):
    script = '<script>alert("x")</script><b>bold</b>'
    post(
        client,
        form_data(description=f"Offerta {script}", title="Titolo <img src=x onerror=alert(1)>"),
    )
    offer = Offer.objects.get()
    assert offer.description == f"Offerta {script}"

    for html in (
        client.get(f"/offers/track/{offer.tracking_token}/").content.decode(),
        client.get("/offers/thanks/").content.decode(),
    ):
        assert "<script>alert" not in html
        assert "<b>bold</b>" not in html
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
