"""The API keeps its contract: Schemathesis fuzzes every operation of /api/schema/ with
every check, anonymously and as each role, and counts the requests it sent.

The requests go straight into the WSGI application, inside the test's transaction, against a
small world of records; staff authenticate with their personal tokens, the stakeholder with a
session (stakeholders hold no tokens) and its CSRF token. The last test checks that the run
sent at least MIN_REQUESTS requests.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from contactpoint import api_tokens, roles
from contactpoint.wsgi import application
from tests.factories import (
    DepartmentFactory,
    InterventionAreaFactory,
    MatchFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
)

MIN_REQUESTS = 5000
# Examples per operation and identity: 30 operations x 8 identities x at most this.
MAX_EXAMPLES = 25

IDENTITIES = [
    "anonymous",
    roles.STAKEHOLDER,
    roles.DEPARTMENT,
    roles.ACCOUNT_MANAGER,
    roles.TEAM_LEAD,
    roles.CABINET,
    roles.LEGAL,
    "admin",
]

sent: dict[str, int] = {}

# Every check, as configured by default, but one: a request the schema allows may still be
# refused with a documented 400 when it breaks a rule the schema cannot state (an area slug
# that does not exist, a move the match lifecycle forbids, a tax code's checksum).
CONFIG = SchemathesisConfig.from_dict(
    {
        # Examples and fuzzing; the coverage phase's boundary cases would multiply the run
        # several times over for the same operations.
        "phases": {"coverage": {"enabled": False}},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
            }
        },
    }
)


def _world() -> dict[str, Any]:
    """A few records of every kind, so some generated ids and slugs hit real rows."""
    area = InterventionAreaFactory(slug="stem")
    department = DepartmentFactory(slug="education")
    organisation = OrganisationFactory()
    # The offer's contact belongs to its organisation (OfferFactory's default).
    MatchFactory(offer__organisation=organisation, need__area=area, need__department=department)
    return {"organisation": organisation, "department": department}


def _user(identity: str, world: dict[str, Any]) -> Any:
    if identity == "admin":
        return UserFactory(superuser=True)
    if identity == roles.STAKEHOLDER:
        return OrganisationMembershipFactory(organisation=world["organisation"]).user
    user = UserFactory(role=identity)
    if identity == roles.DEPARTMENT:
        world["department"].members.add(user)
    return user


def _headers(identity: str, world: dict[str, Any]) -> dict[str, str]:
    if identity == "anonymous":
        return {}
    user = _user(identity, world)
    if identity == roles.STAKEHOLDER:
        client = Client()
        client.force_login(user)
        secret = _get_new_csrf_string()
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        return {
            "Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session}; "
            f"{django_settings.CSRF_COOKIE_NAME}={secret}",
            "X-CSRFToken": _mask_cipher_secret(secret),
        }
    _token, secret = api_tokens.create_token(
        user=user, name="contract", scope="write", lifetime_days=30
    )
    return {"Authorization": f"Bearer {secret}"}


def _load_schema() -> Any:
    """The schema /api/schema/ serves, generated in-process (no database at collection)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(json.dumps(document, cls=DjangoJSONEncoder)), config=CONFIG
    )
    loaded.app = application
    return loaded


schema = _load_schema()
load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture
def wsgi_in_test_transaction(db):
    """As Django's test client does: the test's transaction outlives each request."""
    cache.clear()  # rate-limit counters of earlier tests
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(wsgi_in_test_transaction) -> dict[str, dict[str, str]]:
    """Headers per identity, made on first use within the test."""
    world = _world()

    class Credentials(dict):
        def __missing__(self, identity: str) -> dict[str, str]:
            self[identity] = _headers(identity, world)
            return self[identity]

    return Credentials()


@pytest.mark.parametrize("identity", IDENTITIES)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_contract(case, identity, credentials):
    case.call_and_validate(headers=credentials[identity], checks=ALL_CHECKS)
    sent[identity] = sent.get(identity, 0) + 1


def test_the_run_sent_enough_requests(capsys):
    with capsys.disabled():
        print(f"\nAPI contract: {sum(sent.values())} requests {sent}")
    assert set(sent) == set(IDENTITIES)
    assert sum(sent.values()) >= MIN_REQUESTS, sent
