"""Small helpers every app's services use to write a model: one piece of code, not a copy per app."""

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def model_assign(instance: models.Model, *, data: Mapping[str, Any], fields: Collection[str]) -> None:
    """Set the fields given in `data` on `instance` (not saved). A field outside `fields` is a
    caller's mistake, not the user's, so it is a ValueError (the API's input serializers never
    pass one)."""
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{type(instance).__name__}: {unknown} cannot be set here.")
    for field, value in data.items():
        setattr(instance, field, value)


def field_error(field: str, message: str, *, code: str) -> ValidationError:
    """An error about one field's value, with a stable code; config.exceptions answers 400 with
    `{field: [message]}`, the shape DRF clients expect for a field."""
    return ValidationError({field: ValidationError(message, code=code)})


def save_unique(instance: M, *, among: "models.QuerySet[M]", field: str, message: str, code: str) -> M:
    """Save `instance` unless another row of `among` has the same value of `field`: that is
    `field_error(field, message, code=code)`, also when the other row was saved concurrently and
    only the database's unique constraint noticed."""

    def taken() -> bool:
        others = among.filter(**{field: getattr(instance, field)})
        if instance.pk is not None:
            others = others.exclude(pk=instance.pk)
        return others.exists()

    if taken():
        raise field_error(field, message, code=code)
    try:
        with transaction.atomic():  # a savepoint, so the check below can still query
            instance.save()
    except IntegrityError:
        if taken():
            raise field_error(field, message, code=code) from None
        raise
    return instance


def save_slugged(instance: M, *, among: "models.QuerySet[M]", message: str, parent: str | None = None) -> M:
    """Validate the fields (not `parent`, set by the caller) and save, the slug unique among
    `among`: a duplicate is a field error with code `slug_taken`."""
    instance.full_clean(
        exclude=[parent] if parent else None, validate_unique=False, validate_constraints=False
    )
    return save_unique(instance, among=among, field="slug", message=message, code="slug_taken")
