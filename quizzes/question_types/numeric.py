"""Numeric: the learner types a number; each accepted answer is a value with a tolerance (a
range min..max is its midpoint and half-width) and a weight, and the best one that holds counts.
Indonesian writers type a decimal comma ("2,5") and dots between thousands ("1.250,5"): both are
read."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from quizzes.question_types.base import LayoutItem, QuestionSpec, QuestionType, Spec
from quizzes.question_types.common import bad_answer, bad_key, check_weights, fraction_of, weight

NUMERIC = "numeric"
# What Response.value keeps: 12 digits, 4 of them after the point.
VALUE_LIMIT = Decimal("1e8")
PLACES = Decimal("0.0001")

_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def _ungrouped(whole: str, group_sep: str) -> str:
    """Digits grouped by threes ("1.250.000"), without the separators."""
    if not re.fullmatch(rf"[+-]?\d{{1,3}}(\{group_sep}\d{{3}})+", whole):
        raise ValueError("not a number")
    return whole.replace(group_sep, "")


def parse_number(given: Any) -> Decimal:
    """A learner's number, from JSON (2.5) or text ("2,5", "1.250,5", "1,250.5", "-3"); a
    ValueError when it is not one."""
    if isinstance(given, bool):
        raise ValueError("not a number")
    if isinstance(given, int | float | Decimal):
        text = str(given)
    elif isinstance(given, str):
        text = "".join(given.split())
    else:
        raise ValueError("not a number")
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        # The separator written last is the decimal one; the other groups thousands.
        decimal_sep, group_sep = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
        if text.count(decimal_sep) > 1:
            raise ValueError("not a number")
        whole, fraction = text.split(decimal_sep)
        text = _ungrouped(whole, group_sep) + "." + fraction
    elif commas > 1 or dots > 1:
        # "1.000.000" or "1,000,000": only thousands.
        text = _ungrouped(text, "," if commas else ".")
    else:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise ValueError("not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number


@dataclass(frozen=True)
class NumericSpec(QuestionSpec):
    answers: tuple[tuple[Decimal, Decimal, Decimal], ...]
    """(value, tolerance, weight) of each accepted answer."""


def _decimal(value: Any) -> Decimal:
    return parse_number(value)


class Numeric(QuestionType[NumericSpec]):
    name = NUMERIC
    label = "Numeric"
    answer_key = "value"
    stored_in = "value"
    content_keys = ("answers",)

    def check_keys(self, content: Mapping[str, Any]) -> None:
        answers = content.get("answers") or []
        for a in answers:
            try:
                value, tolerance = _decimal(a.get("value")), _decimal(a.get("tolerance") or 0)
            except ValueError:
                raise bad_key(gettext("An accepted answer's value and tolerance are numbers.")) from None
            if abs(value) >= VALUE_LIMIT or tolerance < 0 or tolerance >= VALUE_LIMIT:
                raise bad_key(
                    gettext(
                        "An accepted value is under 100,000,000 in size and its tolerance is not negative."
                    )
                )
        check_weights(answers, what=gettext_lazy("an accepted answer"))
        if not any(weight(a) == 100 for a in answers):
            raise bad_key(gettext("A numeric question needs an accepted answer worth 100%."))

    def prepare(self, content: Mapping[str, Any], rng: Any) -> dict[str, Any]:
        # Kept as strings: exact in JSON, whatever the author sent (2.5, "2,5").
        return {
            "answers": [
                {
                    **a,
                    "value": str(_decimal(a["value"])),
                    "tolerance": str(_decimal(a.get("tolerance") or 0)),
                }
                for a in content.get("answers") or []
            ]
        }

    def public(self, spec: Spec, item: LayoutItem) -> dict[str, Any]:
        return {}

    def clean_answer(self, spec: Spec, item: LayoutItem, given: Any) -> Decimal:
        try:
            number = parse_number(given)
        except ValueError:
            raise bad_answer(spec["id"], f"{given!r} is not a number.", "not_a_number") from None
        if abs(number) >= VALUE_LIMIT:
            raise bad_answer(spec["id"], "the number is too large.", "not_a_number")
        return number.quantize(PLACES)

    def grading_spec(self, spec: Spec) -> NumericSpec:
        return NumericSpec(
            id=int(spec["id"]),
            type=spec["type"],
            points=Decimal(spec["points"]),
            answers=tuple(
                (_decimal(a["value"]), _decimal(a.get("tolerance") or 0), weight(a)) for a in spec["answers"]
            ),
        )

    def fraction(self, spec: NumericSpec, response: Any) -> Decimal:
        try:
            number = parse_number(response)
        except ValueError:
            return Decimal(0)
        earned = [w for value, tolerance, w in spec.answers if abs(number - value) <= tolerance]
        return fraction_of(max(earned)) if earned else Decimal(0)

    def review(self, spec: Spec) -> dict[str, Any]:
        return {
            "answers": [
                {"value": a["value"], "tolerance": a.get("tolerance", "0"), "weight": a.get("weight", 100)}
                for a in spec["answers"]
            ]
        }
