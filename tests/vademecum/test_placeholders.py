"""Only the fixed placeholders; template text cannot run code and values are escaped."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from vademecum import placeholders, services
from vademecum.models import VersionStatus


def test_every_loaded_clause_uses_only_known_placeholders(published):
    assert len(published) == 8
    for version in published.values():
        assert placeholders.clause_problems(version.clauses) == []


def draft_with_body(published, legal, body: str):
    draft = services.create_draft(version=published["pro-bono"], actor=legal)
    clauses = copy.deepcopy(draft.clauses)
    clauses[1]["body"]["it"] = body
    return services.update_draft(version=draft, clauses=clauses, changelog="Prova", actor=legal)


def test_unknown_placeholder_blocks_approval_with_a_field_error(published, legal):
    draft = draft_with_body(published, legal, "Il Comune paga {{ city.bank_account }}.")
    with pytest.raises(ValidationError) as caught:
        services.approve(version=draft, actor=legal)
    errors = caught.value.message_dict["clauses"]
    assert any("{{ city.bank_account }}" in error for error in errors)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


@pytest.mark.parametrize(
    "body",
    [
        "{% load static %}{% debug %}",
        "{{ organisation.legal_name|upper }}",
        "{# nascosto #}",
        "{{organisation.legal_name}}",
        "{{ settings.SECRET_KEY }}",
    ],
)
def test_template_syntax_other_than_placeholders_blocks_approval(published, legal, body):
    draft = draft_with_body(published, legal, body)
    with pytest.raises(ValidationError):
        services.approve(version=draft, actor=legal)


def test_approval_needs_a_changelog_for_a_new_version(published, legal):
    draft = services.create_draft(version=published["pro-bono"], actor=legal)
    with pytest.raises(ValidationError) as caught:
        services.approve(version=draft, actor=legal)
    assert "changelog" in caught.value.message_dict


def test_fill_escapes_values_and_text_and_never_runs_template_code():
    text = "Tra {{ organisation.legal_name }} e <b>{{ city.name }}</b> {% now 'Y' %}"
    html = placeholders.fill(
        text, {"organisation.legal_name": "<script>x</script> & Figli", "city.name": ""}
    )
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Figli" in html
    assert "&lt;b&gt;" in html
    assert "{% now &#x27;Y&#x27; %}" in html  # shown as text, not evaluated
    assert placeholders.BLANK in html  # empty value: a line to complete by hand
