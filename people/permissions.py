"""Role checks for DRF views. Staff pass every role check."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from people.models import Role
from people.selectors import user_roles


class _HasRole(BasePermission):
    role: Role

    def has_permission(self, request: Request, view: Any) -> bool:
        roles = user_roles(request.user)
        return self.role.value in roles or Role.STAFF.value in roles


class IsInstructor(_HasRole):
    role = Role.INSTRUCTOR


class IsHR(_HasRole):
    role = Role.HR


class IsStaff(_HasRole):
    role = Role.STAFF


def is_hr_or_staff(user: Any) -> bool:
    return bool(user_roles(user) & {Role.HR.value, Role.STAFF.value})
