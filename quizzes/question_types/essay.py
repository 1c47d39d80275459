"""Essay / scenario: free text an instructor grades against a rubric (criteria with points).
Automatic grading gives it nothing and leaves the attempt `needs_review`; the rubric is frozen
with the version, so it is the rubric the instructor grades by."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from quizzes.question_types.base import LayoutItem, QuestionSpec, QuestionType, Spec
from quizzes.question_types.common import bad_answer, bad_key, text_of

ESSAY = "essay"
TEXT_MAX = 20_000


def criteria(spec: Spec) -> list[tuple[str, int]]:
    """What an instructor grades an answer by: the frozen rubric's criteria and their points,
    or, for a question without a rubric, one unnamed criterion worth the question's points."""
    rubric = [(str(c["criterion"]), int(c["points"])) for c in spec.get("rubric") or ()]
    return rubric or [("", int(spec["points"]))]


@dataclass(frozen=True)
class EssaySpec(QuestionSpec):
    rubric: tuple[tuple[str, int], ...]


class Essay(QuestionType[EssaySpec]):
    name = ESSAY
    label = "Essay / scenario"
    answer_key = "text"
    stored_in = "text"
    graded_by_hand = True
    content_keys = ("rubric",)

    def check_keys(self, content: Mapping[str, Any]) -> None:
        rubric = content.get("rubric") or []
        if any(not text_of(c, "criterion") for c in rubric):
            raise bad_key(gettext("Every rubric criterion is named."))
        if any(not isinstance(c.get("points"), int) or c["points"] < 1 for c in rubric):
            raise bad_key(gettext("Every rubric criterion is worth a whole number of points, at least 1."))
        names = [text_of(c, "criterion") for c in rubric]
        if len(set(names)) != len(names):
            raise bad_key(gettext("Two rubric criteria have the same name."))

    def public(self, spec: Spec, item: LayoutItem) -> dict[str, Any]:
        return {}

    def clean_answer(self, spec: Spec, item: LayoutItem, given: Any) -> str:
        if not isinstance(given, str):
            raise bad_answer(spec["id"], "the answer is text.", "text_required")
        if len(given) > TEXT_MAX:
            raise bad_answer(spec["id"], f"the answer is at most {TEXT_MAX} characters.")
        return given

    def grading_spec(self, spec: Spec) -> EssaySpec:
        return EssaySpec(
            id=int(spec["id"]),
            type=spec["type"],
            points=Decimal(spec["points"]),
            rubric=tuple((c["criterion"], c["points"]) for c in spec.get("rubric") or ()),
        )

    def fraction(self, spec: EssaySpec, response: Any) -> Decimal:
        return Decimal(0)  # an instructor's to grade

    def review(self, spec: Spec) -> dict[str, Any]:
        return {"rubric": list(spec.get("rubric") or [])}
