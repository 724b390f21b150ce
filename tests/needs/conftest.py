"""Users per role and departments for the needs tests."""

from __future__ import annotations

import pytest

from contactpoint import roles
from tests.factories import DepartmentFactory, NeedFactory, UserFactory


def one_side(side: str):
    """Department ``side`` (X or Y): the department, a member, a published need and a draft,
    as the fixtures ``department_x``, ``member_x``, ``need_x`` and ``draft_x``."""
    letter = side.upper()

    @pytest.fixture(name=f"department_{side}")
    def the_department(db):
        return DepartmentFactory(
            slug=f"dept-{side}", name=f"Direzione {letter}", name_en=f"Department {letter}"
        )

    @pytest.fixture(name=f"member_{side}")
    def the_member(request):
        department = request.getfixturevalue(f"department_{side}")
        return UserFactory(role=roles.DEPARTMENT, departments=[department], totp=True)

    @pytest.fixture(name=f"need_{side}")
    def the_need(request):
        department = request.getfixturevalue(f"department_{side}")
        return NeedFactory(department=department, title=f"Computer per la scuola {letter}")

    @pytest.fixture(name=f"draft_{side}")
    def the_draft(request):
        department = request.getfixturevalue(f"department_{side}")
        return NeedFactory(
            department=department, title=f"Bozza {letter}", status="draft", published_at=None
        )

    return the_department, the_member, the_need, the_draft


department_x, member_x, need_x, draft_x = one_side("x")
department_y, member_y, need_y, draft_y = one_side("y")


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Chromium sends Accept-Language: en-US by default; an Italian visitor's sends it-IT.
    return {**browser_context_args, "locale": "it-IT"}
