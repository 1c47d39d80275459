import uuid

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from core.errors import Conflict
from events import outbox, types
from people.models import Person, Role, Transfer, Unit


def _path(*, parent: Unit | None, unit_id: int) -> str:
    return f"{parent.path if parent else ''}{unit_id}/"


@transaction.atomic
def unit_create(*, name: str, level: str, parent: Unit | None = None, code: str | None = None) -> Unit:
    """A unit with its materialised path (and, without a `code`, the code U<id>). The path holds
    the row's own id, known only after the insert: a unique placeholder keeps its place until the
    update in the same transaction, so no committed row ever has a path that is empty or another
    unit's."""
    placeholder = f"new:{uuid.uuid4().hex[:27]}"
    unit = Unit(name=name, level=level, parent=parent, path=placeholder, code=code or placeholder)
    unit.full_clean()
    unit.save()
    unit.path = _path(parent=parent, unit_id=unit.pk)
    unit.code = code or f"U{unit.pk}"
    unit.save(update_fields=["path", "code"])
    return unit


@transaction.atomic
def unit_update(*, unit_id: int, name: str, level: str, parent: Unit | None, code: str | None = None) -> Unit:
    """Rename a unit or move it under another parent (or none); a move rewrites the path of its
    whole subtree. A unit cannot move under itself or one of its own units."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    if parent is not None:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)  # its path as committed now
    unit.name, unit.level, unit.parent = name, level, parent
    if code:
        unit.code = code
    unit.full_clean()
    old_path, new_path = unit.path, _path(parent=parent, unit_id=unit.pk)
    unit.path = new_path
    unit.save()
    if new_path != old_path:
        Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField())
        )
        # Assignments by subtree and the reports' subtree totals follow the move.
        moved = list(Unit.objects.filter(path__startswith=new_path).values_list("pk", flat=True))
        outbox.record(types.REGISTRY_CHANGED, unit_ids=moved, moved=True)
    return unit


def unit_get_or_create(*, name: str, level: str, parent: Unit | None = None) -> Unit:
    """The unit of this name under `parent` (names are unique among siblings only)."""
    existing = Unit.objects.filter(name=name, parent=parent).first()
    return existing or unit_create(name=name, level=level, parent=parent)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    roles: list[str],
    is_staff: bool = False,
    first_name: str = "",
) -> User:
    """A user with Django's password validators applied (settings' AUTH_PASSWORD_VALIDATORS):
    a weak password is a field error on `password`."""
    _password_validate(password, user=User(username=username, first_name=first_name))
    user = User.objects.create_user(
        username=username, password=password, is_staff=is_staff, first_name=first_name
    )
    for role in roles:
        group, _ = Group.objects.get_or_create(name=Role(role).value)
        user.groups.add(group)
    return user


def _password_validate(password: str, *, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from None


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Set a new password when the old one is given. Every token issued under the old password
    is refused from then on (people.tokens), as are other sessions."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ValidationError(
            {"old_password": ValidationError("The current password is not right.", code="wrong_password")}
        )
    _password_validate(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def person_create(*, user: User | None, nrp: str, name: str, rank: str, unit: Unit, function: str) -> Person:
    person = Person(user=user, nrp=nrp, name=name, rank=rank, unit=unit, function=function)
    person.full_clean(exclude=["user"])
    person.save()
    Transfer.objects.create(person=person, from_unit=None, to_unit=unit, at=timezone.now())
    return person


@transaction.atomic
def person_account_attach(*, person: Person, user: User) -> Person:
    """Give a registry person their sign-in account (on first use of the service)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id is not None and person.user_id != user.pk:
        raise Conflict("This person already has an account.", code="account_exists")
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise Conflict("This account already belongs to another person.", code="account_taken")
    person.user = user
    person.save(update_fields=["user"])
    return person


DEMO_UNITS = [
    ("Mabes Polri", Unit.Level.MABES),
    ("Polda Metro Jaya", Unit.Level.POLDA),
    ("Polres Metro Jakarta Selatan", Unit.Level.POLRES),
    ("Polsek Kebayoran Baru", Unit.Level.POLSEK),
]


@transaction.atomic
def demo_accounts_ensure(*, password: str) -> list[User]:
    """The demo unit chain and the demo learner, instructor and HR accounts; idempotent."""
    parent = None
    for name, level in DEMO_UNITS:
        parent = unit_get_or_create(name=name, level=level, parent=parent)
    assert parent is not None
    specs = [
        ("demo-learner", [Role.LEARNER], ("87050123", "Rina Wulandari", "Briptu", "lantas")),
        ("demo-instructor", [Role.INSTRUCTOR], ("79031145", "Agus Santoso", "AKP", "binmas")),
        ("demo-hr", [Role.HR], ("81120987", "Dewi Lestari", "Ipda", "other")),
    ]
    users = []
    for username, roles, (nrp, name, rank, function) in specs:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=password, roles=list(roles), first_name=name)
            person_create(user=user, nrp=nrp, name=name, rank=rank, unit=parent, function=function)
        users.append(user)
    return users
