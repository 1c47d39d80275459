import uuid
from unittest import mock

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient

from people.throttling import ScopedThrottle
from tests import factories


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def learner(db):
    return factories.person(roles=("learner",))


@pytest.fixture
def instructor(db):
    return factories.person(roles=("instructor",), function="binmas")


@pytest.fixture
def hr(db):
    return factories.person(roles=("hr",), function="other")


@pytest.fixture
def staff(db):
    return factories.person(roles=(), is_staff=True, function="other")


@pytest.fixture
def course(db):
    return factories.course()


def client_for(person) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=person.user)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def own_throttle_counts():
    """Each test counts its own requests: the throttles count in a new local cache per test,
    whatever cache the settings name, so no test is throttled by another's requests and none
    has to empty a shared Redis (which also holds the broker's queues in CI)."""
    with mock.patch.object(ScopedThrottle, "cache", LocMemCache(f"throttles-{uuid.uuid4().hex}", {})):
        yield


@pytest.fixture(autouse=True)
def webhooks_to_this_host(settings):
    # The tests' webhook receiver listens on 127.0.0.1 over http: allowed here, explicitly
    # (production refuses it; tests/webhooks proves the refusal with this off).
    settings.WEBHOOKS_ALLOW_PRIVATE = True
