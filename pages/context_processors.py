from typing import Any

from django.http import HttpRequest

from people.models import Role
from people.selectors import user_roles


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the navigation shows: the signed-in user's roles (staff pass every role)."""
    held = user_roles(request.user)
    staff = Role.STAFF.value in held
    return {
        "is_instructor": staff or Role.INSTRUCTOR.value in held,
        "is_hr": staff or Role.HR.value in held,
    }
