"""Who may open a page: the same roles as the API (people.selectors.user_roles)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.errors import ServiceError
from people.models import Role
from people.selectors import user_roles

View = Callable[..., HttpResponse]


def role_required(role: Role) -> Callable[[View], View]:
    """Signed in (else to the sign-in page) and holding `role` or staff (else 403)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            roles = user_roles(request.user)
            if role.value not in roles and Role.STAFF.value not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def error_message(exc: ServiceError) -> str:
    """A domain error in the page's language: known codes have their own words, the others
    keep the service's message."""
    messages = {
        "attempt_closed": _("This attempt is already submitted; answers can no longer change."),
        "deadline_passed": _("The time for this attempt is over; answers can no longer change."),
        "attempt_in_progress": _("You have an attempt of this quiz in progress; finish it first."),
        "already_passed": _("You have already passed this quiz."),
        "no_attempts_left": _("All attempts allowed for this quiz are used."),
        "quiz_not_published": _("This quiz is not open for attempts."),
        "quiz_empty": _("A quiz needs at least one question to be published."),
        "no_person": _("Only personnel with an NRP can take quizzes."),
        "quiz_not_open": _("This quiz is not open yet."),
        "quiz_closed": _("This quiz is closed."),
        "cooldown": _("Wait a little before the next attempt: see the course page for when."),
        "review_closed": _("This attempt's grade is already released."),
        "regrade_running": _("A regrade of this version is still running; wait until it is done."),
        "choices_changed": _(
            "A question has a different number of choices now: a regrade can fix keys, not change "
            "what learners were shown."
        ),
        "unknown_question": _("A question to drop is not in this version."),
    }
    return messages.get(exc.code, exc.message)
