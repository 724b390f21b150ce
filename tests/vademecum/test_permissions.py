"""Who may do what: workspace actions, agreement pages and downloads, and the API.

Another organisation, a department or the Mayor's Cabinet never learn that an agreement
exists (404), and its address carries 256 random bits."""

from __future__ import annotations

import copy

import pytest

from vademecum import services
from vademecum.models import Agreement, TemplateVersion, VersionStatus

ROLES = ("anonymous", "member", "outsider", "department_user", "manager", "legal", "cabinet")


@pytest.fixture
def agreement(make_agreement, match):
    return make_agreement("donazione-beni")


@pytest.fixture
def approved(published, legal):
    draft = services.create_draft(version=published["pro-bono"], actor=legal)
    draft = services.update_draft(
        version=draft, clauses=copy.deepcopy(draft.clauses), changelog="Rivista", actor=legal
    )
    return services.approve(version=draft, actor=legal)


def login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def codes(default: int, **granted: int) -> list[tuple[str, int]]:
    """(role, status) for every role: the anonymous visitor is sent to the login (302), the
    others get ``default`` unless ``granted`` names them."""
    return [(role, 302 if role == "anonymous" else granted.get(role, default)) for role in ROLES]


def expect(response, code):
    assert response.status_code == code, (response.status_code, response.content[:300])


@pytest.mark.parametrize(("role", "code"), codes(403, legal=200))
def test_workspace(client, request, vademecum, role, code):
    expect(login(client, request, role).get("/vademecum/workspace/"), code)


@pytest.mark.parametrize(("role", "code"), codes(403, legal=302))
def test_publish_and_new_draft(client, request, approved, role, code):
    client = login(client, request, role)
    expect(client.post(f"/vademecum/workspace/versions/{approved.pk}/publish/"), code)
    approved.refresh_from_db()
    assert (approved.status == VersionStatus.PUBLISHED) == (role == "legal")
    before = TemplateVersion.objects.count()
    expect(client.post(f"/vademecum/workspace/versions/{approved.pk}/new-draft/"), code)
    assert TemplateVersion.objects.count() == before + (role == "legal")


@pytest.mark.parametrize(("role", "code"), codes(404, member=200, manager=200, legal=200))
def test_agreement_download(client, request, agreement, role, code):
    response = login(client, request, role).get(f"/vademecum/agreements/{agreement.token}/pdf/")
    expect(response, code)
    if code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(("role", "code"), codes(404, manager=200, legal=200))
def test_agreement_staff_page(client, request, agreement, role, code):
    expect(login(client, request, role).get(f"/vademecum/agreements/{agreement.token}/"), code)


@pytest.mark.parametrize(("role", "code"), codes(404, manager=200, legal=403))
def test_prepare_agreement_page(client, request, match, vademecum, role, code):
    expect(login(client, request, role).get(f"/vademecum/agreements/new/{match.pk}/"), code)


def test_another_manager_cannot_prepare_or_sign(client, agreement, match, other_manager):
    client.force_login(other_manager)
    expect(client.get(f"/vademecum/agreements/new/{match.pk}/"), 403)
    response = client.post(
        f"/vademecum/agreements/{agreement.token}/sign/",
        {"signed_on": "2026-12-01", "protocol_number": "PG 9"},
    )
    expect(response, 403)
    agreement.refresh_from_db()
    assert agreement.status == "ready"


@pytest.mark.parametrize(
    ("role", "code", "count"),
    [
        ("anonymous", 403, None),
        ("member", 200, 1),
        ("outsider", 200, 0),
        ("department_user", 200, 0),
        ("manager", 200, 1),
        ("legal", 200, 1),
        ("cabinet", 200, 0),
    ],
)
def test_agreements_api(client, request, agreement, role, code, count):
    client = login(client, request, role)
    response = client.get("/api/v1/vademecum/agreements/")
    assert response.status_code in ((401, 403) if code == 403 else (code,))
    if count is not None:
        assert response.json()["count"] == count
        detail = client.get(f"/api/v1/vademecum/agreements/{agreement.token}/")
        expect(detail, 200 if count else 404)


def test_agreement_url_is_not_guessable(agreement, client, member):
    assert len(agreement.token) >= 43  # 32 random bytes, URL-safe base64
    assert str(agreement.pk) not in agreement.token or len(agreement.token) > 40
    client.force_login(member)
    expect(client.get(f"/vademecum/agreements/{agreement.pk}/pdf/"), 404)
    expect(client.get(f"/vademecum/agreements/{agreement.token[:-1]}x/pdf/"), 404)
    tokens = {Agreement(match=agreement.match, version=agreement.version).token for _ in range(50)}
    assert len(tokens) == 50


def test_my_agreements_lists_only_own_organisation(client, agreement, member, outsider):
    client.force_login(member)
    body = client.get("/my/agreements/").content.decode()
    assert agreement.token in body
    client.force_login(outsider)
    body = client.get("/my/agreements/").content.decode()
    assert agreement.token not in body


def test_match_page_offers_genera_accordo_only_in_negotiation(client, match, manager, vademecum):
    client.force_login(manager)
    url = f"/admin/matching/match/{match.pk}/change/"
    link = f'href="/vademecum/agreements/new/{match.pk}/"'
    assert link in client.get(url).content.decode()
    match.stage = "contacted"
    match.save()
    assert link not in client.get(url).content.decode()
