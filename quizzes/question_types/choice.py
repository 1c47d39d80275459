"""What the choice types (single, multiple, true/false) share: choices with `is_correct` keys,
an answer that is a list of choice ids, and review that shows the correct choices. Each type
says how many choices and keys it needs, whether its choices are shuffled, how many a learner
may pick, and how a pick scores.

A choice may also carry a `weight`, a percent of the points (-100..100, as Moodle's GIFT
`~%50%`): when any choice of a question has one, a pick earns the sum of the weights picked
(never below zero), so negative weights are negative marking. A choice without a weight then
weighs nothing. Each choice may carry `feedback`, shown in review."""

import random
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from core.errors import ServiceError
from quizzes.question_types.base import LayoutItem, QuestionSpec, QuestionType, Spec
from quizzes.question_types.common import check_weights, fraction_of, new_ids

PARTIAL, ALL_OR_NOTHING = "partial", "all_or_nothing"


@dataclass(frozen=True)
class ChoiceSpec(QuestionSpec):
    choice_ids: frozenset[int]
    correct_ids: frozenset[int]
    weights: tuple[tuple[int, Decimal], ...] | None = None
    """(choice id, weight) of every choice, when the question is weighted."""
    scoring: str = PARTIAL


class ChoiceType(QuestionType[ChoiceSpec]):
    answer_key = "choices"
    stored_in = "choices"
    shuffle: ClassVar[bool] = True
    """Shuffle the choices for each attempt (not where their order is part of the question)."""
    takes_many: ClassVar[bool] = False
    """May a learner pick more than one choice?"""
    bad_key_message: ClassVar[str | Promise]
    """What a key that does not fit says (gettext_lazy: read in the request's language)."""

    @abstractmethod
    def keys_fit(self, *, choices: int, correct: int) -> bool:
        """Can a question with this many choices, this many of them correct, be answered?"""

    @abstractmethod
    def picked_fraction(self, spec: ChoiceSpec, picked: frozenset[int]) -> Decimal:
        """The share earned by a non-empty set of the question's own choice ids."""

    content_keys = ("scoring",)
    scorings: ClassVar[tuple[str, ...]] = (PARTIAL,)

    def weighted_correct(self, weight: int) -> bool:
        """Is a choice of this weight a correct one (what `is_correct` says of it)?"""
        return weight == 100

    def with_weights(self, choices: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Authoring choices with `is_correct` set from the weight where one is given."""
        return [
            {**c, "is_correct": self.weighted_correct(c["weight"])}
            if c.get("weight") is not None
            else dict(c)
            for c in choices
        ]

    def check_keys(self, content: Mapping[str, Any]) -> None:
        choices = content.get("choices") or ()
        keys = [bool(c.get("is_correct")) for c in choices]
        if not self.keys_fit(choices=len(keys), correct=sum(keys)):
            raise ServiceError(str(self.bad_key_message), code="bad_key")
        if content.get("scoring", PARTIAL) not in self.scorings:
            raise ServiceError(
                gettext("This question type scores by %(scorings)s.")
                % {"scorings": ", ".join(self.scorings)},
                code="bad_key",
            )
        if any(c.get("weight") is not None for c in choices):
            check_weights(choices, what=gettext_lazy("a choice"))
            self.check_weights_fit([Decimal(c.get("weight") or 0) for c in choices])

    def check_weights_fit(self, weights: list[Decimal]) -> None:
        if max(weights) != 100:
            raise ServiceError(gettext("The best choice weighs 100%."), code="bad_key")

    def freeze(self, question: Any) -> dict[str, Any]:
        return {
            "choices": [
                {
                    "id": c.pk,
                    "text": c.text,
                    "text_en": c.text_en,
                    "is_correct": c.is_correct,
                    "weight": c.weight,
                    "feedback": c.feedback,
                }
                for c in question.choices.all()
            ],
            "scoring": question.content.get("scoring", PARTIAL),
        }

    def publish_ids(self, frozen: Spec, rng: random.Random, previous: Spec | None) -> dict[str, Any]:
        # The rows' primary keys grow in the order the choices were written: random ids per
        # question instead, the previous version's kept, position by position, while the
        # question has as many choices.
        choices = frozen["choices"]
        before = (previous or {}).get("choices") or ()
        kept = len(before) == len(choices)
        ids = [c["id"] for c in before] if kept else new_ids(rng, set(), len(choices))
        return {**frozen, "choices": [{**c, "id": i} for c, i in zip(choices, ids, strict=True)]}

    def layout(self, spec: Spec, rng: random.Random) -> dict[str, Any]:
        choice_ids = [c["id"] for c in spec["choices"]]
        if self.shuffle:
            rng.shuffle(choice_ids)
        return {"choices": choice_ids}

    def public(self, spec: Spec, item: LayoutItem) -> dict[str, Any]:
        choices = {c["id"]: c for c in spec["choices"]}
        return {
            "choices": [
                {"id": cid, "text": choices[cid]["text"], "text_en": choices[cid]["text_en"]}
                for cid in item["choices"]
            ]
        }

    def clean_answer(self, spec: Spec, item: LayoutItem, given: Any) -> list[int]:
        chosen = list(dict.fromkeys(given))
        shown = set(item["choices"])
        foreign = [c for c in chosen if c not in shown]
        if foreign:
            raise ServiceError(
                f"Choices {foreign} do not belong to question {spec['id']}.", code="unknown_choice"
            )
        if not self.takes_many and len(chosen) > 1:
            raise ServiceError(f"Question {spec['id']} takes one choice.", code="too_many_choices")
        return chosen

    def grading_spec(self, spec: Spec) -> ChoiceSpec:
        return ChoiceSpec(
            id=int(spec["id"]),
            type=spec["type"],
            points=Decimal(spec["points"]),
            choice_ids=frozenset(int(c["id"]) for c in spec["choices"]),
            correct_ids=frozenset(int(c["id"]) for c in spec["choices"] if c["is_correct"]),
            weights=(
                tuple((int(c["id"]), Decimal(c.get("weight") or 0)) for c in spec["choices"])
                if any(c.get("weight") is not None for c in spec["choices"])
                else None
            ),
            scoring=spec.get("scoring") or PARTIAL,
        )

    def fraction(self, spec: ChoiceSpec, response: Any) -> Decimal:
        # Ids not among the question's choices are ignored; no pick earns nothing.
        picked = frozenset(response) & spec.choice_ids
        if not picked:
            return Decimal(0)
        if spec.scoring == ALL_OR_NOTHING:
            return Decimal(1) if picked == spec.correct_ids else Decimal(0)
        if spec.weights is not None:
            if not self.takes_many and len(picked) > 1:
                return Decimal(0)
            if picked == spec.correct_ids:
                return Decimal(1)  # whole-percent weights of thirds add up to 99
            weights = dict(spec.weights)
            return fraction_of(sum((weights[c] for c in picked), Decimal(0)))
        return self.picked_fraction(spec, picked)

    def review(self, spec: Spec) -> dict[str, Any]:
        feedback = {c["id"]: c["feedback"] for c in spec["choices"] if c.get("feedback")}
        return {
            "correct_choices": [c["id"] for c in spec["choices"] if c["is_correct"]],
            **({"choice_feedback": feedback} if feedback else {}),
        }
