"""Agreements: filled from the match, rendered to PDF and read back, pinned to their version,
kept when the template changes, and signed through the match lifecycle."""

from __future__ import annotations

import copy
import datetime
import hashlib

import pytest
from pypdf import PdfReader

from contactpoint.models import AuditEntry
from matching.models import Stage
from tests.fixtures.pages import assert_shows
from vademecum import services
from vademecum.models import AgreementStatus


def pdf_text(agreement) -> str:
    with agreement.pdf.open("rb") as handle:
        reader = PdfReader(handle)
        return "\n".join(page.extract_text() for page in reader.pages)


def test_agreement_pdf_reads_back_names_amounts_and_accents(make_agreement, match):
    agreement = make_agreement("donazione-beni")
    assert agreement.status == AgreementStatus.READY
    text = " ".join(pdf_text(agreement).split())
    assert_shows(
        text,
        "Società Benefit Àncora S.r.l.",
        "Niccolò Dell'Acqua",
        "Via Perù 1, 20121 Milano",
        "€ 8.000,00",
        "PC per gli alunni che studiano da casa",
        "40 PC",
        "15/09/2026",
        "Comune di Milano",
        "Testo di esempio, non costituisce consulenza legale.",
    )
    with agreement.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == agreement.sha256
    assert len(PdfReader(agreement.pdf.path).pages) >= 2


def test_english_agreement_and_cash_amount(make_agreement, match):
    agreement = make_agreement("erogazione-liberale", language="en")
    text = " ".join(pdf_text(agreement).split())
    assert "€25,000.50" in text
    assert "Education" in text


def test_agreement_stays_pinned_when_the_template_changes(
    make_agreement, published, match, legal, entered
):
    first = make_agreement("donazione-beni")
    first_digest = first.sha256
    draft = services.create_draft(version=published["donazione-beni"], actor=legal)
    clauses = copy.deepcopy(draft.clauses)
    clauses[1]["body"]["it"] += " Clausola aggiunta nella versione due."
    draft = services.update_draft(
        version=draft, clauses=clauses, changelog="Oggetto precisato", actor=legal
    )
    services.approve(version=draft, actor=legal)
    services.publish(version=draft, actor=legal)

    second = make_agreement(version=draft)
    first.refresh_from_db()
    assert first.version.number == 1 and second.version.number == 2
    assert first.sha256 == first_digest
    assert "versione due" not in pdf_text(first)
    assert "versione due" in " ".join(pdf_text(second).split())
    with first.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == first_digest


def test_retired_version_cannot_be_used_for_a_new_agreement(
    published, match, manager, legal, entered
):
    version = published["donazione-beni"]
    services.retire(version=version, actor=legal)
    version.refresh_from_db()
    with pytest.raises(services.VademecumError):
        services.create_agreement(
            match=match, version=version, entered=entered, language="it", actor=manager
        )


def test_only_matches_in_negotiation_get_an_agreement(published, match, manager, entered):
    match.stage = Stage.CONTACTED
    match.save()
    with pytest.raises(services.VademecumError):
        services.create_agreement(
            match=match,
            version=published["donazione-beni"],
            entered=entered,
            language="it",
            actor=manager,
        )


def sign(agreement, protocol_number: str, actor) -> None:
    """Marks the agreement signed on 1 December 2026 under this protocol number."""
    services.mark_signed(
        agreement=agreement,
        signed_on=datetime.date(2026, 12, 1),
        protocol_number=protocol_number,
        actor=actor,
    )


def test_marking_signed_moves_the_match_to_agreed(make_agreement, match, manager):
    agreement = make_agreement("donazione-beni")
    sign(agreement, "PG 123456/2026", manager)
    agreement.refresh_from_db()
    match.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.protocol_number == "PG 123456/2026"
    assert match.stage == Stage.AGREED
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"vademecum.agreement.created", "vademecum.agreement.signed"} <= actions


def test_legal_office_may_mark_signed_too(make_agreement, match, legal):
    sign(make_agreement("pro-bono"), "PG 1/2026", legal)
    match.refresh_from_db()
    assert match.stage == Stage.AGREED


def test_signing_needs_a_protocol_number_and_a_past_date(make_agreement, match, manager):
    agreement = make_agreement("pro-bono")
    with pytest.raises(services.VademecumError) as caught:
        sign(agreement, " ", manager)
    assert caught.value.field == "protocol_number"
    with pytest.raises(services.VademecumError):
        services.mark_signed(
            agreement=agreement,
            signed_on=datetime.date.today() + datetime.timedelta(days=3),
            protocol_number="PG 2",
            actor=manager,
        )
    match.refresh_from_db()
    agreement.refresh_from_db()
    assert match.stage == Stage.NEGOTIATING
    assert agreement.status == AgreementStatus.READY


def test_suggested_template_comes_from_the_offer(match):
    assert services.suggested_template(match) == "donazione-beni"
    match.offer.resource_kind = "funding"
    assert services.suggested_template(match) == "erogazione-liberale"
