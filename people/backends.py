"""Django's sign-in backend (pages, admin, the API's token), refusing a user whose person the
registry deactivated: they cannot sign in, and a session they hold ends at its next request."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse

from people.selectors import user_may_sign_in, users_who_may_sign_in


class PersonnelBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return user_may_sign_in(user)

    def get_user(self, user_id: Any) -> Any:
        return users_who_may_sign_in().filter(pk=user_id).first()


class EndRefusedSessionsMiddleware:
    """After Django's AuthenticationMiddleware: a session signed in for a user the backend now
    refuses (a leaver, a deactivated or deleted account) is ended, not just read as anonymous,
    so nothing of it outlives the refusal."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session and not request.user.is_authenticated:
            logout(request)
        return self.get_response(request)
