from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, Q, QuerySet, Subquery, Value, When

from people.models import Person, Role, Unit


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """The roles a user holds, read once per request and cached on the user object."""
    if not user.is_authenticated:
        return set()
    cached: set[str] | None = getattr(user, "_lencana_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        cached.add(Role.LEARNER.value)
        if user.is_staff:  # type: ignore[attr-defined]
            cached.add(Role.STAFF.value)
        user._lencana_roles = cached  # type: ignore[union-attr,attr-defined]
    return cached


def user_may_sign_in(user: AbstractBaseUser | None) -> bool:
    """An active user whose person, if they have one, the registry has not deactivated (a
    leaver keeps their records, not their access): sign-in, refresh, tokens and sessions."""
    if user is None or not user.is_active:
        return False
    return not Person.objects.filter(user_id=user.pk, active=False).exists()


def users_who_may_sign_in() -> QuerySet[Any]:
    """`user_may_sign_in` as a queryset: one query for a session's user, as Django's own."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(person__isnull=True) | Q(person__active=True))
    )


def person_for_user(user: AbstractBaseUser | AnonymousUser) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.select_related("unit").filter(user_id=user.pk).first()


def person_get_by_nrp(*, nrp: str) -> Person | None:
    return Person.objects.select_related("unit", "user").filter(nrp=nrp).first()


def units_subtree(*, unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


def unit_by_key(*, key: str) -> QuerySet[Unit]:
    """The unit named by id or by code, the one of that id first (first() is one query)."""
    if key.isdigit():
        first = Case(When(pk=int(key), then=Value(0)), default=Value(1))
        return Unit.objects.filter(Q(pk=int(key)) | Q(code=key)).order_by(first)
    return Unit.objects.filter(code=key)


def unit_subtree_ids(*, key: str) -> list[int]:
    """The ids of a unit's subtree (the unit included), the unit named by id or by code (an id
    first), in one query that reads the path index; empty when no unit has that id or code."""
    top = unit_by_key(key=key).values("path")[:1]
    return list(Unit.objects.filter(path__within=Subquery(top)).values_list("pk", flat=True))


def units_all() -> QuerySet[Unit]:
    """Every unit in tree order (the materialised path), for filters."""
    return Unit.objects.order_by("path")
