"""Single choice: one correct choice of two or more; exactly the key earns the points."""

from decimal import Decimal

from django.utils.translation import gettext_lazy

from quizzes.question_types.choice import ChoiceSpec, ChoiceType

SINGLE = "single"


class SingleChoice(ChoiceType):
    name = SINGLE
    label = "Single choice"
    bad_key_message = gettext_lazy("A single-choice question has one correct choice of two or more.")

    def keys_fit(self, *, choices: int, correct: int) -> bool:
        return choices >= 2 and correct == 1

    def picked_fraction(self, spec: ChoiceSpec, picked: frozenset[int]) -> Decimal:
        # Exactly the one key, nothing else: picking several choices earns nothing.
        return Decimal(1) if picked == spec.correct_ids else Decimal(0)
