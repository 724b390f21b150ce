"""Query counts on the catalogue and the API are pinned and do not grow with the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contactpoint.pagecache import clear_local
from tests.factories import (
    DepartmentFactory,
    InterventionAreaFactory,
    NeedFactory,
    NeighbourhoodFactory,
)

pytestmark = pytest.mark.django_db


def make_needs(count):
    """Needs spread over several departments, areas and NIL, as in real life."""
    departments = [DepartmentFactory() for _ in range(3)]
    areas = [InterventionAreaFactory() for _ in range(3)]
    nils = [NeighbourhoodFactory() for _ in range(4)]
    for i in range(count):
        NeedFactory(
            department=departments[i % 3],
            area=areas[i % 3],
            neighbourhood=nils[i % 4] if i % 5 else None,
            title=f"Computer numero {i}",
        )
    return areas[0], nils[1]


def count_queries(client, url, **headers):
    """Queries of a page rendered afresh (not one kept for anonymous visitors), with the
    catalogue version read first."""
    client.get(url, **headers)  # warm caches (content types, translations)
    clear_local()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# (url, headers, queries): every query is listed in the comment.
CASES = [
    # catalogue version, count, area options, municipio options, NIL options, the NIL's
    # Municipi (to narrow the NIL picker by Municipio), page of needs (select_related)
    ("/needs/", {}, 7),
    # catalogue version, count, page of needs: the fragment has no filter form
    ("/needs/", {"HTTP_HX_REQUEST": "true"}, 3),
    # + one look-up per filter value checked (area, NIL), the form's options again (with the
    # NIL's Municipi) and the thesaurus groups of the words searched for
    ("/needs/?q=computer&area={area}&neighbourhood={nil}", {}, 10),
    ("/needs/?q=computer&area={area}&neighbourhood={nil}", {"HTTP_HX_REQUEST": "true"}, 6),
    ("/needs/?page=2", {}, 7),
    # count, page of needs
    ("/api/v1/needs/", {}, 2),
    # area and NIL look-ups, thesaurus groups of the words, count, page
    ("/api/v1/needs/?q=computer&area={area}&neighbourhood={nil}", {}, 5),
]


@pytest.mark.parametrize(("url", "headers", "expected"), CASES)
def test_catalogue_and_api_query_counts_do_not_grow_with_rows(client, url, headers, expected):
    area, nil = make_needs(5 * 5)  # 25: page 2 exists
    url = url.format(area=area.slug, nil=nil.nil_id)
    few = count_queries(client, url, **headers)

    make_needs(50)
    many = count_queries(client, url, **headers)

    assert few == many == expected


def test_detail_page_is_three_queries(client, django_assert_num_queries):
    need = NeedFactory()
    client.get(f"/needs/{need.pk}/")
    clear_local()
    # catalogue version; the need with its department, area and NIL; the NIL's Municipi (it
    # may straddle two)
    with django_assert_num_queries(3):
        assert client.get(f"/needs/{need.pk}/").status_code == 200


def test_workspace_query_count_does_not_grow_with_rows(client, member_x, department_x):
    client.force_login(member_x)
    NeedFactory.create_batch(5, department=department_x)
    few = count_queries(client, "/workspace/")
    NeedFactory.create_batch(45, department=department_x)
    many = count_queries(client, "/workspace/")
    # session, user, MFA device, roles, count, departments (exists), stale count,
    # departments, needs
    assert few == many == 9
