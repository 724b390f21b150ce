"""Bad input on the workspace form and the API: field errors, nothing stored, never a 500."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from contactpoint.models import AuditEntry, OutboxMessage
from needs.models import Need
from tests.factories import InterventionAreaFactory, NeedFactory, NeighbourhoodFactory
from tests.needs.support import need_api_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def area(db):
    return InterventionAreaFactory(slug="poverta-digitale")


@pytest.fixture
def nil(db):
    return NeighbourhoodFactory(nil_id=33)


def form_data(department, area, nil, **overrides):
    data = {
        "title": "PC portatile per alunni",
        "description": "Servono computer.",
        "department": department.pk,
        "area": area.pk,
        "resource_kind": "goods",
        "quantity": "40",
        "unit": "PC",
        "priority": "2",
        "beneficiaries": "Alunni",
        "beneficiaries_count": "",
        "neighbourhood": nil.pk,
        "school": "",
        "address": "",
        "wanted_by": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


def test_workspace_form_creates_a_draft_or_publishes(client, member_x, department_x, area, nil):
    client.force_login(member_x)

    draft = client.post("/workspace/needs/new/", form_data(department_x, area, nil))
    published = client.post(
        "/workspace/needs/new/",
        {**form_data(department_x, area, nil, title="Altro"), "publish": "1"},
    )

    assert draft.status_code == 302
    assert published.status_code == 302
    assert Need.objects.get(title="PC portatile per alunni").status == "draft"
    assert Need.objects.get(title="Altro").status == "published"
    assert OutboxMessage.objects.filter(task_name="matching.match_need").count() == 1


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"title": "", "description": "", "quantity": ""}, {"title", "description", "quantity"}),
        ({"title": "x" * 201}, {"title"}),
        ({"quantity": "quaranta"}, {"quantity"}),
        ({"quantity": "0"}, {"quantity"}),
        ({"quantity": "-3"}, {"quantity"}),
        ({"quantity": "99999999999"}, {"quantity"}),
        ({"resource_kind": "gold"}, {"resource_kind"}),
        ({"wanted_by": "31/02/2027"}, {"wanted_by"}),
        ({"neighbourhood": "999999"}, {"neighbourhood"}),
        ({"description": "x" * 5001}, {"description"}),
    ],
)
def test_workspace_form_shows_field_errors_and_stores_nothing(
    client, member_x, department_x, area, nil, overrides, fields
):
    client.force_login(member_x)

    response = client.post("/workspace/needs/new/", form_data(department_x, area, nil, **overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == fields
    html = response.content.decode()
    assert 'role="alert"' in html
    for field in fields:
        assert f'id="id_{field}_error"' in html
        assert f'aria-describedby="id_{field}' in html or f"id_{field}_error" in html
    assert 'aria-invalid="true"' in html
    assert not Need.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="needs.need").exists()


def test_publishing_with_a_past_date_is_a_field_error(client, member_x, department_x, area, nil):
    client.force_login(member_x)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    response = client.post(
        "/workspace/needs/new/",
        {**form_data(department_x, area, nil, wanted_by=yesterday), "publish": "1"},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"wanted_by"}
    assert not Need.objects.exists()


def test_workspace_form_refuses_another_departments_id(
    client, member_x, department_x, department_y, area, nil
):
    client.force_login(member_x)

    response = client.post("/workspace/needs/new/", form_data(department_y, area, nil))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"department"}
    assert not Need.objects.exists()


def test_editing_below_the_covered_quantity_is_a_field_error(
    client, member_x, department_x, area, nil
):
    need = NeedFactory(
        department=department_x,
        area=area,
        neighbourhood=nil,
        quantity=40,
        quantity_open=25,
        status="partially_covered",
    )
    client.force_login(member_x)

    response = client.post(
        f"/workspace/needs/{need.pk}/edit/", form_data(department_x, area, nil, quantity="10")
    )

    assert response.status_code == 200
    assert "quantity" in response.context["form"].errors
    need.refresh_from_db()
    assert need.quantity == 40


def test_script_typed_in_the_form_is_stored_as_text_and_shown_escaped(
    client, member_x, department_x, area, nil
):
    client.force_login(member_x)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(
        "/workspace/needs/new/",
        {
            **form_data(department_x, area, nil, description=payload, title="<i>T</i>"),
            "publish": "1",
        },
    )
    need = Need.objects.get()
    assert need.description == payload

    client.logout()
    html = client.get(f"/needs/{need.pk}/").content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;i&gt;T&lt;/i&gt;" in html


# --- API ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"title": None, "description": ""}, {"title", "description"}),
        ({"title": "x" * 201}, {"title"}),
        ({"quantity": "quaranta"}, {"quantity"}),
        ({"quantity": 0}, {"quantity"}),
        ({"quantity": [1]}, {"quantity"}),
        ({"resource_kind": "gold"}, {"resource_kind"}),
        ({"area": "nope", "neighbourhood": 999}, {"area", "neighbourhood"}),
        ({"wanted_by": "domani"}, {"wanted_by"}),
        ({"publish": True, "wanted_by": "2001-01-01"}, {"wanted_by"}),
    ],
)
def test_api_bad_input_is_a_400_naming_the_fields(
    client, member_x, department_x, area, nil, overrides, fields
):
    client.force_login(member_x)
    data = need_api_body(department_x, area, **{"neighbourhood": 33, **overrides})
    data = {key: value for key, value in data.items() if value is not None}

    response = client.post("/api/v1/needs/", json.dumps(data), content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not Need.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="needs.need").exists()


def test_api_malformed_json_is_a_400(client, member_x):
    client.force_login(member_x)
    response = client.post("/api/v1/needs/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_api_update_below_covered_quantity_is_a_400_on_quantity(client, member_x, department_x):
    need = NeedFactory(
        department=department_x, quantity=40, quantity_open=25, status="partially_covered"
    )
    client.force_login(member_x)

    response = client.patch(
        f"/api/v1/needs/{need.pk}/", json.dumps({"quantity": 10}), content_type="application/json"
    )

    assert response.status_code == 400
    assert "quantity" in response.json()
    need.refresh_from_db()
    assert need.quantity == 40


def test_api_publishing_twice_is_a_400_with_a_message(client, member_x, need_x):
    client.force_login(member_x)
    response = client.post(f"/api/v1/needs/{need_x.pk}/publish/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_api_filters_with_bad_values_are_a_400(client):
    response = client.get("/api/v1/needs/", {"area": "nope", "municipio": "abc"})
    assert response.status_code == 400
    assert {"area", "municipio"} <= set(response.json())
