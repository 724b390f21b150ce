"""Admin for needs and reference data: actions through the services, filters, read-mostly."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from contactpoint import roles
from contactpoint.models import AuditEntry, OutboxMessage
from needs import reference
from needs.models import Need
from tests.factories import InterventionAreaFactory, NeedFactory

pytestmark = pytest.mark.django_db


def test_roles_hold_the_needs_permissions():
    roles.sync_role_permissions()

    def perms(role):
        group = Group.objects.get(name=role)
        return set(group.permissions.values_list("codename", flat=True))

    assert {"add_need", "change_need", "view_need"} <= perms(roles.DEPARTMENT)
    assert "delete_need" not in perms(roles.DEPARTMENT)
    assert "view_need" in perms(roles.ACCOUNT_MANAGER)
    assert "change_need" not in perms(roles.ACCOUNT_MANAGER)
    assert "view_need" in perms(roles.TEAM_LEAD)


def test_publish_action_publishes_own_drafts_only(client, member_x, draft_x, draft_y):
    client.force_login(member_x)

    response = client.post(
        "/admin/needs/need/",
        {"action": "publish_selected", "_selected_action": [draft_x.pk, draft_y.pk]},
    )

    assert response.status_code == 302
    draft_x.refresh_from_db()
    draft_y.refresh_from_db()
    assert draft_x.status == Need.Status.PUBLISHED
    assert draft_y.status == Need.Status.DRAFT
    assert OutboxMessage.objects.filter(args=[draft_x.pk]).exists()
    assert AuditEntry.objects.filter(action="needs.need.published", actor=member_x).count() == 1


def test_publish_action_reports_a_need_it_cannot_publish(client, member_x, department_x):
    late = NeedFactory(
        department=department_x,
        status="draft",
        wanted_by=timezone.localdate() - datetime.timedelta(days=1),
    )
    client.force_login(member_x)

    response = client.post(
        "/admin/needs/need/",
        {"action": "publish_selected", "_selected_action": [late.pk]},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any(late.title in m for m in messages)
    late.refresh_from_db()
    assert late.status == Need.Status.DRAFT


def test_stale_filter_lists_needs_not_reviewed_lately(client, superuser, department_x):
    NeedFactory(department=department_x, title="Fresco")
    NeedFactory(
        department=department_x,
        title="Vecchio",
        last_reviewed_at=timezone.now() - datetime.timedelta(days=200),
    )
    client.force_login(superuser)

    stale = client.get("/admin/needs/need/", {"stale": "yes"}).content.decode()
    fresh = client.get("/admin/needs/need/", {"stale": "no"}).content.decode()

    assert "Vecchio" in stale and "Fresco" not in stale
    assert "Fresco" in fresh and "Vecchio" not in fresh


def test_superuser_adds_a_need_in_the_admin_through_the_service(client, superuser, department_x):
    area = InterventionAreaFactory()
    client.force_login(superuser)

    response = client.post(
        "/admin/needs/need/add/",
        {
            "title": "Sedie per la biblioteca",
            "description": "Servono sedie.",
            "department": department_x.pk,
            "area": area.pk,
            "resource_kind": "goods",
            "quantity": "30",
            "unit": "sedie",
            "beneficiaries": "Utenti della biblioteca",
            "priority": "2",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    need = Need.objects.get(title="Sedie per la biblioteca")
    assert (need.status, need.quantity_open, need.created_by) == ("draft", 30, superuser)
    assert AuditEntry.objects.filter(action="needs.need.created", actor=superuser).exists()


def test_reference_data_pages_open_for_staff(client, superuser, account_manager):
    reference.load_reference_data()
    for user in (superuser, account_manager):
        client.force_login(user)
        for url in (
            "/admin/needs/department/",
            "/admin/needs/neighbourhood/",
            "/admin/needs/municipio/",
            "/admin/needs/interventionarea/",
        ):
            assert client.get(url).status_code == 200, (user, url)
        client.logout()
    client.force_login(account_manager)
    assert client.get("/admin/needs/neighbourhood/add/").status_code == 403
