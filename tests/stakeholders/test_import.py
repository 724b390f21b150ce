"""Spreadsheet import/export: preview with row errors, all-or-nothing import, round trip."""

from __future__ import annotations

import io

import pytest
import tablib
from django.utils import translation

from contactpoint.models import AuditEntry
from stakeholders import imports
from stakeholders.models import ContactPerson, DuplicateFlag, Organisation
from tests.factories import (
    ContactPersonFactory,
    InterventionAreaFactory,
    OrganisationFactory,
    valid_vat_number,
)

pytestmark = pytest.mark.django_db

ORG_HEADER = ",".join(imports.ORGANISATION_COLUMNS)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(headers: list[str], rows: list[list[object]]) -> bytes:
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(row)
    return dataset.export("xlsx")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def areas():
    return [
        InterventionAreaFactory(slug="stem", name="STEM"),
        InterventionAreaFactory(slug="poverta-digitale", name="Povertà digitale"),
    ]


def test_valid_csv_preview_says_what_would_happen_and_writes_nothing(areas):
    existing = OrganisationFactory(legal_name="Alfa S.p.A.", tax_code=valid_vat_number(11))
    OrganisationFactory(legal_name="Fondazione Cariplo", kind="foundation")
    content = csv_bytes(
        ORG_HEADER,
        f"company,Alfa SpA,{valid_vat_number(11)},,,,large,Energia,stem,yes,",
        "company,Nuova Impresa S.r.l.,,,www.nuovaimpresa.it,,small,,stem; poverta-digitale,,no",
        "Fondazione,Fondazione Cariplo Milano,,,,,,,,sì,",
    )
    preview = imports.preview_file(kind="organisations", content=content, filename="lista.csv")

    assert preview.is_valid, preview.errors
    assert [row.action for row in preview.rows] == ["update", "create", "flag"]
    assert preview.rows[0].target == existing
    assert preview.rows[1].cleaned["email_domain"] == "nuovaimpresa.it"
    assert preview.rows[2].cleaned["kind"] == "foundation"
    assert preview.counts == {"create": 1, "update": 1, "flag": 1, "error": 0, "total": 3}
    assert Organisation.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_preview_reports_every_bad_cell_with_row_and_column(areas):
    content = csv_bytes(
        ORG_HEADER,
        "company,Buona S.r.l.,,,,,,,,,",
        "pirate,,12345,IT999,not a site,gmail.com,huge,,unknown-area,maybe,",
        f"company,{'x' * 201},,,,,,,,,",
    )
    preview = imports.preview_file(kind="organisations", content=content, filename="lista.csv")

    assert not preview.is_valid
    errors = {(error.row, error.column) for error in preview.errors}
    assert errors == {
        (3, "kind"),
        (3, "legal_name"),
        (3, "tax_code"),
        (3, "vat_number"),
        (3, "website"),
        (3, "email_domain"),
        (3, "size"),
        (3, "interests"),
        (3, "local_group"),
        (4, "legal_name"),
    }
    assert preview.rows[0].action == "create"
    assert preview.rows[1].action == "error"


def test_invalid_file_imports_nothing_at_all(areas):
    content = csv_bytes(
        ORG_HEADER,
        "company,Buona S.r.l.,,,,,,,,,",
        "company,Altra Buona S.r.l.,,,,,,,,,",
        "company,Cattiva S.r.l.,BAD,,,,,,,,",
    )
    with pytest.raises(imports.ImportNotValid) as excinfo:
        imports.import_file(kind="organisations", content=content, filename="l.csv", actor=None)
    assert excinfo.value.preview.errors[0].row == 4
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_valid_csv_is_imported_in_one_go_and_audited(areas):
    existing = OrganisationFactory(
        legal_name="Alfa S.p.A.", tax_code=valid_vat_number(11), sector="Vecchio"
    )
    OrganisationFactory(legal_name="Fondazione Cariplo", kind="foundation")
    content = csv_bytes(
        ORG_HEADER,
        f"company,Alfa SpA,{valid_vat_number(11)},,,,large,,stem,yes,",
        "company,Nuova Impresa S.r.l.,,,www.nuovaimpresa.it,,small,,stem; poverta-digitale,,no",
        "foundation,Fondazione Cariplo Milano,,,,,,,,,",
    )
    preview = imports.import_file(
        kind="organisations", content=content, filename="lista.csv", actor=None
    )

    assert preview.counts["total"] == 3
    existing.refresh_from_db()
    assert existing.size == "large"
    assert existing.sector == "Vecchio"  # empty cells never erase
    assert existing.legal_name == "Alfa SpA"
    assert existing.local_group
    assert [a.slug for a in existing.interests.all()] == ["stem"]
    new = Organisation.objects.get(legal_name="Nuova Impresa S.r.l.")
    assert new.website == "https://www.nuovaimpresa.it"
    assert new.interests.count() == 2
    flagged = Organisation.objects.get(legal_name="Fondazione Cariplo Milano")
    assert DuplicateFlag.objects.get().organisation == flagged
    assert AuditEntry.objects.filter(action="stakeholders.organisation.created").count() == 2
    assert AuditEntry.objects.filter(action="stakeholders.organisation.changed").count() == 1
    assert AuditEntry.objects.filter(action="stakeholders.organisation.imported").count() == 1


def test_reimporting_the_same_file_updates_instead_of_duplicating(areas):
    content = csv_bytes(
        ORG_HEADER,
        "association,Retake Milano,,,,,,,,yes,",
        f"company,Beta S.r.l.,,IT{valid_vat_number(12)},,,,,,,",
    )
    imports.import_file(kind="organisations", content=content, filename="a.csv", actor=None)
    preview = imports.import_file(
        kind="organisations", content=content, filename="a.csv", actor=None
    )
    assert [row.action for row in preview.rows] == ["update", "update"]
    assert Organisation.objects.count() == 2
    assert not DuplicateFlag.objects.exists()


def test_same_code_twice_in_a_file_is_an_error():
    content = csv_bytes(
        "kind,legal_name,tax_code",
        f"company,Alfa,{valid_vat_number(3)}",
        f"company,Alfa bis,{valid_vat_number(3)}",
    )
    preview = imports.preview_file(kind="organisations", content=content, filename="a.csv")
    assert [(e.row, e.column) for e in preview.errors] == [(3, "tax_code")]


def test_xlsx_with_italian_headers_and_numeric_codes_is_read(areas):
    # Excel stores a code starting with zeros as a number; the zeros come back.
    code = "00743110157"
    content = xlsx_bytes(
        ["Tipo", "Ragione sociale", "Codice fiscale", "Interessi", "Gruppo locale"],
        [["Impresa", "Zeta S.p.A.", int(code), "stem", "Sì"], [None, None, None, None, None]],
    )
    preview = imports.import_file(
        kind="organisations", content=content, filename="Zeta.XLSX", actor=None
    )
    assert preview.counts["total"] == 1
    zeta = Organisation.objects.get()
    assert (zeta.kind, zeta.tax_code, zeta.local_group) == ("company", code, True)


def test_semicolon_separated_csv_in_windows_encoding_is_read():
    content = "tipo;ragione_sociale\nassociazione;Società Esempio\n".encode("cp1252")
    preview = imports.preview_file(kind="organisations", content=content, filename="a.csv")
    assert preview.is_valid
    assert preview.rows[0].cleaned["legal_name"] == "Società Esempio"


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("list.pdf", b"%PDF-1.4", "CSV or XLSX"),
        ("list.csv", b"", "empty"),
        ("list.xlsx", b"not a zip at all", "could not be read"),
        ("list.csv", b"legal_name\nAlfa\n", "Missing columns: kind"),
        ("list.csv", b"\x00\x01\x02binary", "CSV"),
    ],
)
def test_unreadable_files_get_a_clear_message(filename, content, message):
    with pytest.raises(imports.ImportFileError) as excinfo:
        imports.preview_file(kind="organisations", content=content, filename=filename)
    assert message in str(excinfo.value)


def test_file_and_row_limits_are_enforced(monkeypatch):
    monkeypatch.setattr(imports.reading, "MAX_IMPORT_ROWS", 2)
    content = csv_bytes("kind,legal_name", "company,A", "company,B", "company,C")
    with pytest.raises(imports.ImportFileError, match="too many rows"):
        imports.preview_file(kind="organisations", content=content, filename="a.csv")
    monkeypatch.setattr(imports.reading, "MAX_IMPORT_BYTES", 10)
    with pytest.raises(imports.ImportFileError, match="too large"):
        imports.preview_file(kind="organisations", content=content, filename="a.csv")


# --- contacts --------------------------------------------------------------------------------


def test_contacts_are_linked_by_tax_code_or_name_and_matched_by_email():
    alfa = OrganisationFactory(legal_name="Alfa S.p.A.", tax_code=valid_vat_number(21))
    cariplo = OrganisationFactory(legal_name="Fondazione Cariplo", kind="foundation")
    known = ContactPersonFactory(organisation=cariplo, email="anna@cariplo.example", role="")
    content = csv_bytes(
        "organisation_tax_code,organisation_name,first_name,last_name,role,email,phone,language",
        f"{valid_vat_number(21)},,Mario,Rossi,CSR manager,mario@alfa.example,+39 02 1234567,it",
        ",fondazione cariplo,Anna,Verdi,Segreteria,ANNA@cariplo.example,,en",
        ",Nessuno S.r.l.,Luca,Neri,,luca@x.example,,",
        f"{valid_vat_number(21)},,,Bianchi,,not-an-email,abc,fr",
    )
    preview = imports.preview_file(kind="contacts", content=content, filename="c.csv")
    assert [row.action for row in preview.rows] == ["create", "update", "error", "error"]
    assert preview.rows[0].cleaned["organisation"] == alfa
    assert preview.rows[1].target == known
    assert {(e.row, e.column) for e in preview.errors} == {
        (4, "organisation_name"),
        (5, "first_name"),
        (5, "email"),
        (5, "phone"),
        (5, "language"),
    }
    with pytest.raises(imports.ImportNotValid):
        imports.import_file(kind="contacts", content=content, filename="c.csv", actor=None)
    assert ContactPerson.objects.count() == 1

    valid = b"\n".join(content.split(b"\n")[:3]) + b"\n"
    imports.import_file(kind="contacts", content=valid, filename="c.csv", actor=None)
    known.refresh_from_db()
    assert (known.role, known.language) == ("Segreteria", "en")
    mario = ContactPerson.objects.get(email="mario@alfa.example")
    assert mario.organisation == alfa
    assert not mario.consents.exists()


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips_through_import(fmt, areas):
    alfa = OrganisationFactory(
        legal_name="Alfa S.p.A.",
        tax_code=valid_vat_number(31),
        website="https://alfa.example.it",
        email_domain="alfa.example.it",
        local_group=True,
        sector='=HYPERLINK("x")',
    )
    alfa.interests.add(*areas)
    OrganisationFactory(legal_name="Retake Milano", kind="association")
    ContactPersonFactory(organisation=alfa, email="m@alfa.example.it")

    data = imports.export(kind="organisations", queryset=Organisation.objects.all(), fmt=fmt)
    if fmt == "xlsx":
        sheet = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
        assert sheet[0][imports.ORGANISATION_COLUMNS.index("sector")].startswith("'=")
    else:
        assert "'=HYPERLINK" in data.decode("utf-8-sig")
    preview = imports.preview_file(kind="organisations", content=data, filename=f"export.{fmt}")
    assert preview.is_valid, preview.errors
    assert [row.action for row in preview.rows] == ["update", "update"]
    assert preview.rows[0].cleaned["interests"] == sorted(areas, key=lambda a: a.slug)

    contacts = imports.export(kind="contacts", queryset=ContactPerson.objects.all(), fmt=fmt)
    preview = imports.preview_file(kind="contacts", content=contacts, filename=f"c.{fmt}")
    assert [row.action for row in preview.rows] == ["update"]


def test_same_name_without_legal_form_and_same_kind_updates_the_existing(areas):
    cariplo = OrganisationFactory(legal_name="Fondazione Cariplo", kind="foundation")
    OrganisationFactory(legal_name="Cariplo S.p.A.", kind="company")
    content = csv_bytes("kind,legal_name,interests", "foundation,Fondazione CARIPLO Onlus,stem")
    preview = imports.preview_file(kind="organisations", content=content, filename="a.csv")
    assert [row.action for row in preview.rows] == ["update"]
    assert preview.rows[0].target == cariplo


# --- management command -------------------------------------------------------------------------


def test_command_dry_run_reports_and_writes_nothing(tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "lista.csv"
    path.write_bytes(csv_bytes("kind,legal_name", "company,Alfa S.r.l.", "association,Beta"))
    call_command("import_organisations", str(path), "--dry-run")
    assert "2 new" in capsys.readouterr().out
    assert not Organisation.objects.exists()
    call_command("import_organisations", str(path))
    assert Organisation.objects.count() == 2


def test_command_lists_errors_and_fails(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = tmp_path / "lista.csv"
    path.write_bytes(csv_bytes("kind,legal_name,tax_code", "company,Alfa,", "company,Beta,XYZ"))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_organisations", str(path))
    assert "row 3, tax_code" in capsys.readouterr().err
    assert not Organisation.objects.exists()
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_organisations", str(tmp_path / "missing.csv"))
