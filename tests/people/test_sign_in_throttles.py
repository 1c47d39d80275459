"""Every sign-in is throttled the same way, per client address and per username: the API's
token, the admin's form and the pages' form (a guesser gets 429 with Retry-After there too)."""

from unittest import mock

import pytest
from django.test import Client
from rest_framework.test import APIClient

from people.throttling import ScopedThrottle
from tests import factories

pytestmark = pytest.mark.django_db

FORMS = ["/admin/login/?next=/admin/", "/accounts/login/"]


@pytest.fixture(autouse=True)
def low_sign_in_rate():
    with mock.patch.dict(ScopedThrottle.THROTTLE_RATES, {"auth": "2/min"}):
        yield


def form_post(url: str, username: str, password: str, address: str = "203.0.113.1"):
    client = Client()
    return client, client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url", FORMS)
def test_a_sign_in_form_answers_429_past_the_rate_per_address(url, staff):
    statuses = [form_post(url, f"guess-{n}", "x")[1].status_code for n in range(2)]
    assert statuses == [200, 200]  # the form again, with its error
    client, refused = form_post(url, staff.user.username, factories.PASSWORD)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"Too many sign-in attempts" in refused.content or b"Terlalu banyak" in refused.content
    assert "_auth_user_id" not in client.session  # even the right password is not tried
    assert form_post(url, staff.user.username, factories.PASSWORD, "203.0.113.2")[1].status_code == 302


@pytest.mark.parametrize("url", FORMS)
def test_a_sign_in_form_answers_429_past_the_rate_per_username(url, staff):
    for n in range(2):
        assert form_post(url, staff.user.username, "x", f"198.51.100.{n}")[1].status_code == 200
    refused = form_post(url, staff.user.username.upper(), factories.PASSWORD, "198.51.100.9")[1]
    assert refused.status_code == 429
    assert form_post(url, "someone-else", "x", "198.51.100.10")[1].status_code == 200


def test_the_api_sign_in_counts_per_username_too(learner):
    def attempt(address: str):
        return APIClient().post(
            "/api/v1/auth/token/",
            {"username": learner.user.username, "password": "x"},
            format="json",
            REMOTE_ADDR=address,
        )

    assert [attempt(f"192.0.2.{n}").status_code for n in range(3)] == [401, 401, 429]
