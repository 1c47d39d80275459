"""A person the registry sync deactivates (a leaver) who has an account: no sign-in (token or
pages), no refresh, no use of a token issued before (the cached token user included), and a
page session they hold ends. Their records stay; reactivated, they sign in again."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from people import sync
from tests import factories
from tests.people.test_auth import get_courses, refresh, sign_in

pytestmark = pytest.mark.django_db


def registry_sets(person, *, active: bool) -> None:
    row = {
        "nrp": person.nrp,
        "name": person.name,
        "rank": person.rank,
        "unit_code": person.unit.code,
        "function": person.function,
        "active": active,
    }
    assert sync.personnel_sync(rows=[row]).updated == 1


def token_status(username: str) -> int:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": factories.PASSWORD}, format="json"
    )
    return response.status_code


def test_a_leaver_gets_no_token_and_their_tokens_end_at_once(api, learner):
    pair = sign_in(api, learner.user.username)
    assert get_courses(pair["access"]).status_code == 200  # the token's user is cached now
    registry_sets(learner, active=False)
    assert get_courses(pair["access"]).status_code == 401
    assert refresh(api, pair["refresh"]).status_code == 401
    assert token_status(learner.user.username) == 401


def test_a_leaver_reactivated_by_the_registry_signs_in_again(learner):
    registry_sets(learner, active=False)
    assert token_status(learner.user.username) == 401
    registry_sets(learner, active=True)
    assert token_status(learner.user.username) == 200


def test_a_leaver_cannot_sign_in_to_the_pages(learner, course):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": learner.user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302  # signed in while active
    registry_sets(learner, active=False)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/login/")  # signed out
    again = client.post(
        "/accounts/login/", {"username": learner.user.username, "password": factories.PASSWORD}
    )
    assert again.status_code == 200 and "_auth_user_id" not in client.session  # the form again
    assert client.get("/").status_code == 302


def test_a_leaving_staff_member_cannot_sign_in_to_the_admin(staff):
    registry_sets(staff, active=False)
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_other_people_of_the_same_sync_keep_signing_in(learner, hr):
    registry_sets(learner, active=False)
    assert token_status(hr.user.username) == 200
