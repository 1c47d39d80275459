"""Sign-in tokens (issue 11): short-lived, rotated, ended by a password change, a sign-out or
deactivation; passwords checked by Django's validators."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from people import services
from tests import factories

pytestmark = pytest.mark.django_db


def sign_in(api: APIClient, username: str, password: str = factories.PASSWORD) -> dict:
    response = api.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def get_courses(access: str):
    return APIClient().get("/api/v1/courses/", HTTP_AUTHORIZATION=f"Bearer {access}")


def refresh(api: APIClient, token: str):
    return api.post("/api/v1/auth/token/refresh/", {"refresh": token}, format="json")


@pytest.mark.parametrize("password", ["1", "password", "12345678", "user-name"])
def test_user_create_refuses_a_password_the_validators_refuse(password):
    with pytest.raises(ValidationError) as error:
        services.user_create(username="user-name", password=password, roles=["learner"])
    assert "password" in error.value.message_dict


def test_user_create_accepts_a_good_password():
    assert services.user_create(username="someone", password="Kuat-dan-Panjang-2026", roles=[]).pk


def test_access_tokens_are_short_lived_and_refresh_tokens_rotate():
    jwt = settings.SIMPLE_JWT
    assert jwt["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)
    assert jwt["ROTATE_REFRESH_TOKENS"] and jwt["BLACKLIST_AFTER_ROTATION"]


def test_a_refresh_token_works_once_and_gives_a_new_one(api, learner):
    pair = sign_in(api, learner.user.username)
    first = refresh(api, pair["refresh"])
    assert first.status_code == 200 and set(first.json()) == {"access", "refresh"}
    assert get_courses(first.json()["access"]).status_code == 200
    again = refresh(api, pair["refresh"])
    assert again.status_code == 401
    assert refresh(api, first.json()["refresh"]).status_code == 200


def test_a_password_change_ends_every_token_issued_before(api, learner):
    old = sign_in(api, learner.user.username)
    other_device = sign_in(api, learner.user.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
    response = client.post(
        "/api/v1/auth/password/",
        {"old_password": factories.PASSWORD, "new_password": "Sandi-Baru-yang-Panjang-2026"},
        format="json",
    )
    assert response.status_code == 200
    new = response.json()
    for pair in (old, other_device):
        assert get_courses(pair["access"]).status_code == 401
        assert refresh(api, pair["refresh"]).status_code == 401
    assert get_courses(new["access"]).status_code == 200
    assert refresh(api, new["refresh"]).status_code == 200
    assert sign_in(api, learner.user.username, "Sandi-Baru-yang-Panjang-2026")["access"]


def test_a_password_change_needs_the_old_password_and_a_strong_new_one(learner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(APIClient(), learner.user.username)['access']}")
    wrong = client.post(
        "/api/v1/auth/password/", {"old_password": "nope", "new_password": "Sandi-Baru-2026!"}, format="json"
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()
    weak = client.post(
        "/api/v1/auth/password/", {"old_password": factories.PASSWORD, "new_password": "1"}, format="json"
    )
    assert weak.status_code == 400 and "new_password" in weak.json()


def test_a_password_changed_elsewhere_ends_the_tokens_too(api, learner):
    pair = sign_in(api, learner.user.username)
    learner.user.set_password("Diganti-di-Admin-2026")
    learner.user.save()
    assert get_courses(pair["access"]).status_code == 401
    assert refresh(api, pair["refresh"]).status_code == 401


def test_sign_out_ends_the_refresh_token(api, learner):
    pair = sign_in(api, learner.user.username)
    assert api.post("/api/v1/auth/sign-out/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert refresh(api, pair["refresh"]).status_code == 401


def test_a_deactivated_users_tokens_are_refused(api, learner):
    pair = sign_in(api, learner.user.username)
    learner.user.is_active = False
    learner.user.save()
    assert get_courses(pair["access"]).status_code == 401
    assert refresh(api, pair["refresh"]).status_code == 401


def test_a_deleted_users_refresh_token_is_401_not_500(api, learner):
    pair = sign_in(api, learner.user.username)
    user = learner.user
    learner.delete()
    user.delete()
    assert refresh(api, pair["refresh"]).status_code == 401


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_the_token_user_comes_from_the_cache_and_a_change_drops_it(api, learner, change):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pair = sign_in(api, learner.user.username)
    assert get_courses(pair["access"]).status_code == 200  # reads the user, keeps it
    with CaptureQueriesContext(connection) as queries:
        assert get_courses(pair["access"]).status_code == 200
    assert not [q for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    if change == "password":
        learner.user.set_password("Diganti-di-Admin-2026")
    else:
        learner.user.is_active = False
    learner.user.save()
    assert get_courses(pair["access"]).status_code == 401


def _hr_get(access: str):
    return APIClient().get("/api/v1/hr/compliance/", HTTP_AUTHORIZATION=f"Bearer {access}")


@pytest.mark.parametrize("change", ["user_side", "group_side", "clear", "group_deleted"])
def test_the_token_users_roles_come_from_the_cache_and_a_change_of_groups_drops_them(api, hr, change):
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pair = sign_in(api, hr.user.username)
    assert _hr_get(pair["access"]).status_code == 200  # reads the user and their roles, keeps both
    with CaptureQueriesContext(connection) as queries:
        assert _hr_get(pair["access"]).status_code == 200
    assert not [q for q in queries.captured_queries if "auth_user" in q["sql"]]  # nor auth_user_groups
    group = Group.objects.get(name="hr")
    if change == "user_side":
        hr.user.groups.remove(group)
    elif change == "group_side":
        group.user_set.remove(hr.user)
    elif change == "clear":
        group.user_set.clear()
    else:
        group.delete()
    assert _hr_get(pair["access"]).status_code == 403
