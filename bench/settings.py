"""The service's settings with the bench's URLs: a bare DRF view beside the real API."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
