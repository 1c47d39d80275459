"""Small pieces several question types share: weights, ids for parts of a question, and the
errors authoring and answering raise."""

import random
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext

from core.errors import ServiceError

WEIGHT_MIN, WEIGHT_MAX = -100, 100
"""A weight is a percent of the question's points (API.md)."""

ID_MAX = 2**31 - 1


def bad_key(message: str) -> ServiceError:
    """An author's key that cannot work; `message` in the request's language (gettext)."""
    return ServiceError(message, code="bad_key")


def bad_answer(question_id: Any, message: str, code: str = "bad_answer") -> ServiceError:
    return ServiceError(f"Question {question_id}: {message}", code=code)


def weight(part: Mapping[str, Any], default: int = 100) -> Decimal:
    """A part's weight as a Decimal percent; `default` when it has none."""
    value = part.get("weight")
    return Decimal(default) if value is None else Decimal(str(value))


def check_weights(parts: Iterable[Mapping[str, Any]], *, what: str | Promise) -> None:
    """`what` names a part in the reader's language (gettext_lazy): "a choice"."""
    for part in parts:
        try:
            w = weight(part)
        except (InvalidOperation, ValueError):
            raise bad_key(gettext("The weight of %(what)s is not a number.") % {"what": what}) from None
        if not WEIGHT_MIN <= w <= WEIGHT_MAX:
            raise bad_key(
                gettext("The weight of %(what)s is a percent, %(min)s to %(max)s.")
                % {"what": what, "min": WEIGHT_MIN, "max": WEIGHT_MAX}
            )


def fraction_of(percent: Decimal) -> Decimal:
    """A percent as a share in [0, 1]."""
    return min(Decimal(1), max(Decimal(0), percent / 100))


def new_ids(rng: random.Random, taken: set[int], n: int) -> list[int]:
    """n ids unused in `taken` (which they join). Random, so that no id tells a learner where a
    part belongs (a matching answer's pair, an item's place)."""
    ids: list[int] = []
    while len(ids) < n:
        candidate = rng.randint(1, ID_MAX)
        if candidate not in taken:
            taken.add(candidate)
            ids.append(candidate)
    return ids


def keep_or_give_ids(parts: list[dict[str, Any]], fields: tuple[str, ...], rng: random.Random) -> None:
    """Give every part an id in each of `fields` (in place), keeping valid ids it already has
    unless two parts share one."""
    taken: set[int] = set()
    for part in parts:
        for field in fields:
            value = part.get(field)
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and 1 <= value <= ID_MAX
                and value not in taken
            ):
                taken.add(value)
            else:
                part[field] = None
    for part in parts:
        for field in fields:
            if part[field] is None:
                part[field] = new_ids(rng, taken, 1)[0]


def text_of(part: Mapping[str, Any], field: str) -> str:
    value = part.get(field)
    return value.strip() if isinstance(value, str) else ""
