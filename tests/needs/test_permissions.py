"""Who may see and change which needs: HTML pages, admin and API alike.

Roles: anonymous, stakeholder, department X member vs department Y member, account
manager, cabinet (and superuser). A need the user may not see is a 404; one they may see
but not change is a 403 (or a 404 in the workspace, which shows only their own).
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from contactpoint.models import AuditEntry
from needs.models import Need
from tests.factories import NeedFactory
from tests.needs.support import need_api_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def needs(need_x, draft_x, need_y, draft_y):
    return {"need_x": need_x, "draft_x": draft_x, "need_y": need_y, "draft_y": draft_y}


@pytest.fixture
def users(request):
    def get(name):
        return None if name == "anonymous" else request.getfixturevalue(name)

    return get


def shown(html: str, needs) -> set[str]:
    """Which of ``needs`` the page names by their title."""
    return {name for name, need in needs.items() if need.title in html}


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- HTML: catalogue and detail -------------------------------------------------------------

ALL_ROLES = ["anonymous", "stakeholder", "member_x", "member_y", "account_manager", "cabinet"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_everyone_sees_published_needs_and_nobody_sees_drafts_in_the_catalogue(
    client, users, needs, role
):
    as_user(client, users(role))

    listing = client.get("/needs/").content.decode()

    assert shown(listing, needs) == {"need_x", "need_y"}
    assert client.get(f"/needs/{needs['need_y'].pk}/").status_code == 200
    assert client.get(f"/needs/{needs['draft_x'].pk}/").status_code == 404
    assert client.get(f"/needs/{needs['draft_y'].pk}/").status_code == 404


# --- HTML: department workspace -------------------------------------------------------------


def test_anonymous_is_sent_to_log_in_from_the_workspace(client, needs):
    for url in ("/workspace/", f"/workspace/needs/{needs['need_x'].pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["stakeholder", "account_manager", "cabinet"])
def test_users_who_do_not_keep_needs_get_403_in_the_workspace(client, users, needs, role):
    as_user(client, users(role))
    need = needs["need_x"]

    assert client.get("/workspace/").status_code == 403
    assert client.get("/workspace/needs/new/").status_code == 403
    assert client.get(f"/workspace/needs/{need.pk}/edit/").status_code == 403
    assert client.post(f"/workspace/needs/{need.pk}/review/").status_code == 403
    assert client.post(f"/workspace/needs/{need.pk}/close/").status_code == 403


def test_department_member_sees_and_edits_only_their_departments_needs(client, member_x, needs):
    as_user(client, member_x)

    html = client.get("/workspace/").content.decode()
    assert shown(html, needs) == {"need_x", "draft_x"}

    assert client.get(f"/workspace/needs/{needs['need_x'].pk}/edit/").status_code == 200
    assert client.get(f"/workspace/needs/{needs['draft_x'].pk}/edit/").status_code == 200
    for other in ("need_y", "draft_y"):
        need_url = f"/workspace/needs/{needs[other].pk}"
        assert client.get(f"{need_url}/edit/").status_code == 404
        assert client.post(f"{need_url}/edit/", {"title": "x"}).status_code == 404
        for action in ("publish", "review", "close"):
            assert client.post(f"{need_url}/{action}/").status_code == 404
    assert Need.objects.get(pk=needs["draft_y"].pk).status == Need.Status.DRAFT
    assert Need.objects.get(pk=needs["need_y"].pk).status == Need.Status.PUBLISHED


def test_department_member_publishes_reviews_and_closes_own_needs(client, member_x, needs):
    as_user(client, member_x)
    draft = needs["draft_x"]

    assert client.post(f"/workspace/needs/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == Need.Status.PUBLISHED

    assert client.post(f"/workspace/needs/{draft.pk}/review/").status_code == 302
    draft.refresh_from_db()
    assert draft.reviewed_by == member_x

    assert client.get(f"/workspace/needs/{draft.pk}/close/").status_code == 200
    response = client.post(f"/workspace/needs/{draft.pk}/close/", {"reason": "Non serve più"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Need.Status.CLOSED


def test_workspace_actions_refuse_get(client, member_x, needs):
    as_user(client, member_x)
    assert client.get(f"/workspace/needs/{needs['draft_x'].pk}/publish/").status_code == 405
    assert client.get(f"/workspace/needs/{needs['draft_x'].pk}/review/").status_code == 405


def test_superuser_sees_every_department_in_the_workspace(client, superuser, needs):
    as_user(client, superuser)
    html = client.get("/workspace/").content.decode()
    for need in needs.values():
        assert need.title in html


# --- Admin ----------------------------------------------------------------------------------


def test_department_member_admin_lists_and_opens_only_own_needs(client, member_x, needs):
    as_user(client, member_x)

    changelist = client.get("/admin/needs/need/")
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert shown(html, needs) == {"need_x", "draft_x"}

    assert client.get(f"/admin/needs/need/{needs['need_x'].pk}/change/").status_code == 200
    for other in ("need_y", "draft_y"):
        pk = needs[other].pk
        assert client.get(f"/admin/needs/need/{pk}/change/").status_code == 404
        assert client.post(f"/admin/needs/need/{pk}/change/", {"title": "x"}).status_code == 404
        assert client.get(f"/admin/needs/need/{pk}/history/").status_code == 404
    assert Need.objects.get(pk=needs["need_y"].pk).title == "Computer per la scuola Y"


def test_department_member_admin_offers_only_own_departments(
    client, member_x, department_x, department_y
):
    as_user(client, member_x)

    html = client.get("/admin/needs/need/add/").content.decode()

    assert f'<option value="{department_x.pk}"' in html
    assert f'<option value="{department_y.pk}"' not in html


def test_department_member_admin_change_goes_through_the_service(client, member_x, need_x):
    as_user(client, member_x)
    response = client.get(f"/admin/needs/need/{need_x.pk}/change/")
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["title"] = "Computer per la scuola X, aggiornato"
    data["_save"] = "Save"

    response = client.post(f"/admin/needs/need/{need_x.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    need_x.refresh_from_db()
    assert need_x.title == "Computer per la scuola X, aggiornato"
    assert AuditEntry.objects.filter(action="needs.need.updated", actor=member_x).exists()


def test_account_manager_reads_all_needs_in_the_admin_but_changes_none(
    client, account_manager, needs
):
    as_user(client, account_manager)

    html = client.get("/admin/needs/need/").content.decode()
    assert needs["need_x"].title in html
    assert needs["need_y"].title in html
    response = client.get(f"/admin/needs/need/{needs['need_x'].pk}/change/")
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client.post(f"/admin/needs/need/{needs['need_x'].pk}/change/", {"title": "x"})
    assert response.status_code == 403
    assert client.get("/admin/needs/need/add/").status_code == 403


def test_cabinet_and_stakeholders_cannot_use_the_needs_admin(client, cabinet, stakeholder, needs):
    as_user(client, cabinet)
    assert client.get("/admin/needs/need/").status_code == 403
    assert client.get(f"/admin/needs/need/{needs['need_x'].pk}/change/").status_code in (403, 404)

    client.logout()
    as_user(client, stakeholder)
    response = client.get("/admin/needs/need/")
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- API ------------------------------------------------------------------------------------


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def patch_json(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


# Drafts each role reads through the API: their own department's; city staff read all.
API_DRAFTS = {
    "anonymous": set(),
    "stakeholder": set(),
    "member_x": {"draft_x"},
    "member_y": {"draft_y"},
    "account_manager": {"draft_x", "draft_y"},
    "cabinet": {"draft_x", "draft_y"},
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_list_shows_published_needs_and_only_the_drafts_a_role_may_read(
    client, users, needs, role
):
    as_user(client, users(role))

    response = client.get("/api/v1/needs/")

    assert response.status_code == 200
    titles = {item["title"] for item in response.json()["results"]}
    expected = {"need_x", "need_y"} | API_DRAFTS[role]
    assert titles == {needs[name].title for name in expected}
    assert client.get(f"/api/v1/needs/{needs['need_x'].pk}/").status_code == 200


def test_api_hides_drafts_from_the_public_and_other_departments(client, member_y, needs):
    assert client.get(f"/api/v1/needs/{needs['draft_x'].pk}/").status_code == 404
    as_user(client, member_y)
    assert client.get(f"/api/v1/needs/{needs['draft_x'].pk}/").status_code == 404
    assert client.get(f"/api/v1/needs/{needs['draft_y'].pk}/").status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "stakeholder", "account_manager", "cabinet"])
def test_api_write_is_refused_to_users_who_do_not_keep_needs(client, users, needs, role):
    as_user(client, users(role))
    need = needs["need_x"]

    created = post_json(client, "/api/v1/needs/", need_api_body(need.department, need.area))
    changed = patch_json(client, f"/api/v1/needs/{need.pk}/", {"title": "Cambiato"})
    published = client.post(f"/api/v1/needs/{needs['draft_x'].pk}/publish/")

    assert created.status_code == 403
    assert changed.status_code == 403
    assert published.status_code in (403, 404)
    assert Need.objects.count() == 4
    need.refresh_from_db()
    assert need.title == "Computer per la scuola X"


def test_api_department_member_creates_and_changes_own_needs(client, member_x, needs):
    as_user(client, member_x)
    need = needs["need_x"]

    created = post_json(client, "/api/v1/needs/", need_api_body(need.department, need.area))
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft"
    assert created.json()["quantity_open"] == 12

    changed = patch_json(client, f"/api/v1/needs/{need.pk}/", {"quantity": 15})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["quantity"] == 15

    published = client.post(f"/api/v1/needs/{created.json()['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"


def test_api_department_member_cannot_touch_another_departments_needs(
    client, member_x, needs, department_y
):
    as_user(client, member_x)
    need_y = needs["need_y"]

    created = post_json(client, "/api/v1/needs/", need_api_body(department_y, need_y.area))
    changed = patch_json(client, f"/api/v1/needs/{need_y.pk}/", {"title": "Preso"})
    hidden = patch_json(client, f"/api/v1/needs/{needs['draft_y'].pk}/", {"title": "Preso"})
    closed = client.post(f"/api/v1/needs/{need_y.pk}/close/")

    assert created.status_code == 403
    assert changed.status_code == 403
    assert hidden.status_code == 404
    assert closed.status_code == 403
    assert Need.objects.count() == 4
    need_y.refresh_from_db()
    assert need_y.title == "Computer per la scuola Y"
    assert need_y.status == Need.Status.PUBLISHED


def test_api_output_has_no_staff_names(client, member_x, need_x):
    need_x.created_by = member_x
    need_x.reviewed_by = member_x
    need_x.save()

    body = client.get(f"/api/v1/needs/{need_x.pk}/").content.decode()

    assert member_x.email not in body
    assert member_x.last_name not in body
    assert "created_by" not in body
    assert "reviewed_by" not in body


def test_workspace_flags_stale_published_needs(client, member_x, department_x):
    NeedFactory(
        department=department_x,
        title="Vecchio",
        last_reviewed_at=timezone.now() - datetime.timedelta(days=200),
    )
    client.force_login(member_x)

    response = client.get("/workspace/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["stale_count"] == 1
    html = response.content.decode()
    assert "cp-stale" in html
    assert "1 published need has not been reviewed" in html
