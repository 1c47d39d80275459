"""True/false: a single choice of exactly two ("Benar", "Salah"), always shown in the order
written, scored like a single choice."""

from django.utils.translation import gettext_lazy

from quizzes.question_types.single import SingleChoice

TRUE_FALSE = "true_false"


class TrueFalse(SingleChoice):
    name = TRUE_FALSE
    label = "True / false"
    shuffle = False
    bad_key_message = gettext_lazy("A true/false question has two choices, one correct.")

    def keys_fit(self, *, choices: int, correct: int) -> bool:
        return choices == 2 and correct == 1
