"""Ordering: items to put in order, shown shuffled. The question says how a partial order
scores (`scoring`): `subsequence` (the default, Moodle's "longest ordered subset") earns the
share of items in the longest run, not necessarily adjacent, that is in the right order, when it
has two items or more; `position` earns the share of items in their right place."""

import bisect
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from quizzes.question_types.base import LayoutItem, QuestionSpec, QuestionType, Spec
from quizzes.question_types.common import bad_answer, bad_key, keep_or_give_ids, text_of

ORDERING = "ordering"
SUBSEQUENCE, POSITION = "subsequence", "position"
SCORINGS = (SUBSEQUENCE, POSITION)


def longest_ordered(positions: Sequence[int]) -> int:
    """The length of the longest increasing subsequence (patience sorting)."""
    tails: list[int] = []
    for p in positions:
        i = bisect.bisect_left(tails, p)
        if i == len(tails):
            tails.append(p)
        else:
            tails[i] = p
    return len(tails)


@dataclass(frozen=True)
class OrderingSpec(QuestionSpec):
    order: tuple[int, ...]
    scoring: str


class Ordering(QuestionType[OrderingSpec]):
    name = ORDERING
    label = "Ordering"
    answer_key = "order"
    stored_in = "data"
    content_keys = ("items", "scoring")

    def check_keys(self, content: Mapping[str, Any]) -> None:
        items = content.get("items") or []
        if len(items) < 2:
            raise bad_key(gettext("An ordering question has at least two items."))
        if any(not text_of(i, "text") for i in items):
            raise bad_key(gettext("Every item of an ordering question has a text."))
        if content.get("scoring", SUBSEQUENCE) not in SCORINGS:
            raise bad_key(
                gettext("An ordering question scores by %(scorings)s.") % {"scorings": ", ".join(SCORINGS)}
            )

    def prepare(self, content: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
        items = [{"id": i.get("id"), "text": text_of(i, "text")} for i in content.get("items") or []]
        keep_or_give_ids(items, ("id",), rng)
        return {"items": items, "scoring": content.get("scoring") or SUBSEQUENCE}

    def layout(self, spec: Spec, rng: random.Random) -> dict[str, Any]:
        ids = sorted(i["id"] for i in spec["items"])  # from the ids alone: nothing of the key
        rng.shuffle(ids)
        return {"items": ids}

    def public(self, spec: Spec, item: LayoutItem) -> dict[str, Any]:
        texts = {i["id"]: i["text"] for i in spec["items"]}
        return {"items": [{"id": iid, "text": texts[iid]} for iid in item["items"]]}

    def clean_answer(self, spec: Spec, item: LayoutItem, given: Any) -> list[int]:
        if not isinstance(given, list | tuple) or not all(isinstance(i, int) for i in given):
            raise bad_answer(spec["id"], "`order` is a list of item ids.", "order_required")
        if sorted(given) != sorted(item["items"]):
            raise bad_answer(spec["id"], "`order` lists each of the question's items once.", "unknown_item")
        return list(given)

    def grading_spec(self, spec: Spec) -> OrderingSpec:
        return OrderingSpec(
            id=int(spec["id"]),
            type=spec["type"],
            points=Decimal(spec["points"]),
            order=tuple(i["id"] for i in spec["items"]),
            scoring=spec.get("scoring") or SUBSEQUENCE,
        )

    def fraction(self, spec: OrderingSpec, response: Any) -> Decimal:
        place = {iid: n for n, iid in enumerate(spec.order)}
        given = [place[i] for i in dict.fromkeys(response or ()) if i in place]
        n = len(spec.order)
        if spec.scoring == POSITION:
            right = sum(1 for at, p in enumerate(given) if at == p)
        else:
            right = longest_ordered(given)
            right = right if right >= 2 else 0
        return Decimal(right) / Decimal(n) if n else Decimal(0)

    def review(self, spec: Spec) -> dict[str, Any]:
        return {"correct_order": [i["id"] for i in spec["items"]]}
