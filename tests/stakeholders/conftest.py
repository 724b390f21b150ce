import pytest


@pytest.fixture(autouse=True)
def _english_client(request):
    """These tests read the English wording; the Italian default is tested in tests/shell."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
