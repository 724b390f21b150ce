"""Bad input gets a field-level message or a 4xx, never a 500 or a half-written record."""

from __future__ import annotations

import pytest
from weasyprint.urls import URLFetcher

from contactpoint.pdf import ProjectFilesFetcher
from vademecum import pdf, services, tasks
from vademecum.models import Agreement, TemplateVersion, VersionStatus


def test_agreement_form_errors_are_field_level(client, match, manager, published):
    client.force_login(manager)
    response = client.post(
        f"/vademecum/agreements/new/{match.pk}/",
        {
            "version": published["donazione-beni"].pk,
            "language": "it",
            "agreement__date": "2026-12-02",
            "agreement__start_date": "2027-01-10",
            "agreement__end_date": "2026-01-10",
            "agreement__amount_eur": "molti",
            "city__office": "Direzione Educazione",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"agreement__end_date", "agreement__amount_eur"}
    assert not Agreement.objects.exists()


def test_agreement_form_refuses_a_draft_or_unknown_version(
    client, match, manager, legal, published
):
    draft = services.create_draft(version=published["pro-bono"], actor=legal)
    client.force_login(manager)
    for version in (draft.pk, 999999, "x"):
        response = client.post(
            f"/vademecum/agreements/new/{match.pk}/",
            {
                "version": version,
                "language": "it",
                "agreement__date": "2026-12-02",
                "city__office": "Direzione Educazione",
            },
        )
        assert response.status_code == 422
        assert "version" in response.context["form"].errors
    assert not Agreement.objects.exists()


def test_approval_failure_shows_the_unknown_placeholder(client, legal, published):
    draft = services.create_draft(version=published["pro-bono"], actor=legal)
    client.force_login(legal)
    data = {"changelog": "Prova"}
    for position, clause in enumerate(draft.clauses):
        for part in ("heading", "body"):
            for language in ("it", "en"):
                data[f"c{position}_{part}_{language}"] = clause[part][language]
    data["c0_body_it"] += " {{ organisation.iban }}"
    data["approve"] = "1"
    response = client.post(f"/vademecum/workspace/versions/{draft.pk}/", data)
    assert response.status_code == 422
    assert "{{ organisation.iban }}" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert "{{ organisation.iban }}" in draft.clauses[0]["body"]["it"]  # the edit is kept


def test_sign_form_without_protocol_number(make_agreement, client, match, manager):
    agreement = make_agreement("pro-bono")
    client.force_login(manager)
    response = client.post(
        f"/vademecum/agreements/{agreement.token}/sign/", {"signed_on": "2026-12-01"}
    )
    assert response.status_code == 422
    assert "protocol_number" in response.context["sign_form"].errors


def test_render_task_returns_quietly_when_the_agreement_is_gone(db):
    assert tasks.render_agreement(987654) is False


def test_render_task_is_idempotent(make_agreement, match):
    agreement = make_agreement("pro-bono")
    digest = agreement.sha256
    tasks.render_agreement(agreement.pk)
    agreement.refresh_from_db()
    assert agreement.sha256 == digest


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/logo.png",
        "file:///etc/passwd",
        "file:///work/../etc/hostname",
    ],
)
def test_pdf_fetcher_loads_only_the_projects_static_files(url):
    with pytest.raises(ValueError, match="PDFs load only"):
        ProjectFilesFetcher().fetch(url)


def test_pdf_fetcher_serves_a_static_font():
    font = next((pdf.STATIC_DIR / "vendor").rglob("*.woff2"))
    response = ProjectFilesFetcher().fetch(font.as_uri())
    assert response.status == 200
    assert isinstance(ProjectFilesFetcher(), URLFetcher)


def test_a_published_version_count_is_one_per_template(published):
    assert TemplateVersion.objects.filter(status=VersionStatus.PUBLISHED).count() == 8
