"""What the choice types (single, multiple, true/false) share: choices with `is_correct` keys,
an answer that is a list of choice ids, and review that shows the correct choices. Each type
says how many choices and keys it needs, whether its choices are shuffled, how many a learner
may pick, and how a pick scores."""

import random
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from core.errors import ServiceError
from quizzes.question_types.base import LayoutItem, QuestionSpec, QuestionType, Spec


@dataclass(frozen=True)
class ChoiceSpec(QuestionSpec):
    choice_ids: frozenset[int]
    correct_ids: frozenset[int]


class ChoiceType(QuestionType[ChoiceSpec]):
    answer_key = "choices"
    stored_in = "choices"
    shuffle: ClassVar[bool] = True
    """Shuffle the choices for each attempt (not where their order is part of the question)."""
    takes_many: ClassVar[bool] = False
    """May a learner pick more than one choice?"""
    bad_key_message: ClassVar[str]

    @abstractmethod
    def keys_fit(self, *, choices: int, correct: int) -> bool:
        """Can a question with this many choices, this many of them correct, be answered?"""

    @abstractmethod
    def picked_fraction(self, spec: ChoiceSpec, picked: frozenset[int]) -> Decimal:
        """The share earned by a non-empty set of the question's own choice ids."""

    def check_keys(self, content: Mapping[str, Any]) -> None:
        keys = [bool(c.get("is_correct")) for c in content.get("choices") or ()]
        if not self.keys_fit(choices=len(keys), correct=sum(keys)):
            raise ServiceError(self.bad_key_message, code="bad_key")

    def freeze(self, question: Any) -> dict[str, Any]:
        return {
            "choices": [
                {"id": c.pk, "text": c.text, "text_en": c.text_en, "is_correct": c.is_correct}
                for c in question.choices.all()
            ]
        }

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
        )

    def fraction(self, spec: ChoiceSpec, response: Any) -> Decimal:
        # Ids not among the question's choices are ignored; no pick earns nothing.
        picked = frozenset(response) & spec.choice_ids
        return self.picked_fraction(spec, picked) if picked else Decimal(0)

    def review(self, spec: Spec) -> dict[str, Any]:
        return {"correct_choices": [c["id"] for c in spec["choices"] if c["is_correct"]]}
