"""Short answer: the learner types a few words; each accepted answer has a weight (a percent of
the points) and the best matching one counts. Matching ignores case (unless the question says
`case_sensitive`), accents, punctuation and runs of spaces; `*` in an accepted answer stands for
any text (Moodle's wildcard)."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from quizzes.question_types.base import LayoutItem, QuestionSpec, QuestionType, Spec
from quizzes.question_types.common import bad_answer, bad_key, check_weights, fraction_of, weight

SHORT_ANSWER = "short_answer"
TEXT_MAX = 500


def normalise(text: str, *, case_sensitive: bool = False) -> str:
    """The form answers are compared in: no accents, punctuation as space, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        category = unicodedata.category(char)
        kept.append(" " if category[0] in "PZC" else char)
    collapsed = " ".join("".join(kept).split())
    return collapsed if case_sensitive else collapsed.casefold()


@lru_cache(maxsize=1024)
def _pattern(accepted: str, case_sensitive: bool) -> re.Pattern[str]:
    parts = [normalise(part, case_sensitive=case_sensitive) for part in accepted.split("*")]
    return re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL)


def matches(accepted: str, given: str, *, case_sensitive: bool = False) -> bool:
    """Does `given` match the accepted answer (with `*` as a wildcard)?"""
    if "*" not in accepted:
        return normalise(accepted, case_sensitive=case_sensitive) == normalise(
            given, case_sensitive=case_sensitive
        )
    return (
        _pattern(accepted, case_sensitive).fullmatch(normalise(given, case_sensitive=case_sensitive))
        is not None
    )


@dataclass(frozen=True)
class ShortAnswerSpec(QuestionSpec):
    answers: tuple[tuple[str, Decimal], ...]
    case_sensitive: bool


class ShortAnswer(QuestionType[ShortAnswerSpec]):
    name = SHORT_ANSWER
    label = "Short answer"
    answer_key = "text"
    stored_in = "text"
    content_keys = ("answers", "case_sensitive")

    def check_keys(self, content: Mapping[str, Any]) -> None:
        answers = content.get("answers") or []
        if any(not (a.get("text") or "").strip() for a in answers):
            raise bad_key(gettext("An accepted answer has no text."))
        check_weights(answers, what=gettext_lazy("an accepted answer"))
        if not any(weight(a) == 100 for a in answers):
            raise bad_key(gettext("A short-answer question needs an accepted answer worth 100%."))

    def public(self, spec: Spec, item: LayoutItem) -> dict[str, Any]:
        return {}

    def clean_answer(self, spec: Spec, item: LayoutItem, given: Any) -> str:
        if not isinstance(given, str):
            raise bad_answer(spec["id"], "the answer is text.", "text_required")
        if len(given) > TEXT_MAX:
            raise bad_answer(spec["id"], f"the answer is at most {TEXT_MAX} characters.")
        return given.strip()

    def grading_spec(self, spec: Spec) -> ShortAnswerSpec:
        return ShortAnswerSpec(
            id=int(spec["id"]),
            type=spec["type"],
            points=Decimal(spec["points"]),
            answers=tuple((a["text"], weight(a)) for a in spec["answers"]),
            case_sensitive=bool(spec.get("case_sensitive")),
        )

    def fraction(self, spec: ShortAnswerSpec, response: Any) -> Decimal:
        if not isinstance(response, str) or not response.strip():
            return Decimal(0)
        earned = [
            w for text, w in spec.answers if matches(text, response, case_sensitive=spec.case_sensitive)
        ]
        return fraction_of(max(earned)) if earned else Decimal(0)

    def review(self, spec: Spec) -> dict[str, Any]:
        return {"answers": [{"text": a["text"], "weight": a.get("weight", 100)} for a in spec["answers"]]}
