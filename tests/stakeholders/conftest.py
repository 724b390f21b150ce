from typing import Any

import pytest
from django.core.cache import cache

from tests.factories import InterventionAreaFactory, NeighbourhoodFactory


@pytest.fixture(autouse=True)
def _english_client(request):
    """These tests read the English wording; the Italian default is tested in tests/shell."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(name="places")
def places_fixture() -> dict[str, Any]:
    """An intervention area, a NIL and its Municipio."""
    area = InterventionAreaFactory(slug="digital-poverty", name="Povertà digitale")
    other_area = InterventionAreaFactory(slug="stem", name="STEM")
    nil = NeighbourhoodFactory(nil_id=5001, official_name="ROGOREDO", name="Rogoredo")
    return {"area": area, "other_area": other_area, "nil": nil, "municipio": nil.municipio}
