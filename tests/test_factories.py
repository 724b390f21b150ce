import pytest

from contactpoint import roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_factories_build_a_consistent_market():
    match = factories.MatchFactory()
    assert match.offer.contact.organisation == match.offer.organisation
    assert match.need.neighbourhood.municipio in match.need.neighbourhood.municipi.all()
    manager = factories.UserFactory(role=roles.ACCOUNT_MANAGER)
    assert manager.is_staff and roles.has_role(manager, roles.ACCOUNT_MANAGER)
