import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english():
    """The types' messages are read here in English (their message ids); requests get them in
    their own language (tests/api, tests/pages)."""
    with translation.override("en"):
        yield
