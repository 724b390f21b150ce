from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Chromium sends Accept-Language: en-US by default; an Italian visitor's browser sends it-IT.
    return {**browser_context_args, "locale": "it-IT"}
