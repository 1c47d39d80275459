"""Multiple choice with partial credit: at least one correct and one wrong choice. Per question,
`scoring` is `partial` (each right pick earns a share, each wrong one takes one away, never
below zero; or the weights, when the choices have them) or `all_or_nothing` (exactly the correct
choices earn the points, anything else nothing)."""

from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy

from core.errors import ServiceError
from quizzes.question_types.choice import ALL_OR_NOTHING, PARTIAL, ChoiceSpec, ChoiceType

MULTIPLE = "multiple"


class MultipleChoice(ChoiceType):
    name = MULTIPLE
    label = "Multiple choice (partial credit)"
    takes_many = True
    bad_key_message = gettext_lazy(
        "A multiple-choice question needs at least one correct and one wrong choice."
    )

    scorings = (PARTIAL, ALL_OR_NOTHING)

    def weighted_correct(self, weight: int) -> bool:
        return weight > 0

    def check_weights_fit(self, weights: list[Decimal]) -> None:
        # Within a percent: thirds are written 33.33333 in GIFT and kept as whole percents.
        if not 99 <= sum(w for w in weights if w > 0) <= 101:
            raise ServiceError(gettext("The positive weights of the choices add up to 100%."), code="bad_key")

    def keys_fit(self, *, choices: int, correct: int) -> bool:
        return 1 <= correct < choices

    def picked_fraction(self, spec: ChoiceSpec, picked: frozenset[int]) -> Decimal:
        # Each right pick earns a share, each wrong pick takes one away, never below zero, so
        # ticking every box earns nothing.
        right = len(picked & spec.correct_ids)
        wrong = len(picked - spec.correct_ids)
        return max(Decimal(0), Decimal(right - wrong) / Decimal(len(spec.correct_ids)))
