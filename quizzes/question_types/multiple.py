"""Multiple choice with partial credit: at least one correct and one wrong choice."""

from decimal import Decimal

from quizzes.question_types.choice import ChoiceSpec, ChoiceType

MULTIPLE = "multiple"


class MultipleChoice(ChoiceType):
    name = MULTIPLE
    label = "Multiple choice (partial credit)"
    takes_many = True
    bad_key_message = "A multiple-choice question needs at least one correct and one wrong choice."

    def keys_fit(self, *, choices: int, correct: int) -> bool:
        return 1 <= correct < choices

    def picked_fraction(self, spec: ChoiceSpec, picked: frozenset[int]) -> Decimal:
        # Each right pick earns a share, each wrong pick takes one away, never below zero, so
        # ticking every box earns nothing.
        right = len(picked & spec.correct_ids)
        wrong = len(picked - spec.correct_ids)
        return max(Decimal(0), Decimal(right - wrong) / Decimal(len(spec.correct_ids)))
