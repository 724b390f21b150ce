"""Settings for the offer load benchmark: the portal's, plus a bare form to compare with."""

from contactpoint.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
