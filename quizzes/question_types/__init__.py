"""The registry of question types: one module per type holds all the type means (authoring
checks, what is frozen at publish, an attempt's layout, the learner's view, answer validation,
grading and review). Adding a type is one new module, registered below, plus the migration
Django then makes for the choices of `Question.type` (no SQL), and its test case in
tests/quizzes/question_types/cases.py."""

from quizzes.question_types.base import (
    LayoutItem,
    QuestionSpec,
    QuestionType,
    Spec,
    UnknownQuestionType,
    choices,
    get,
    names,
    register,
)
from quizzes.question_types.essay import ESSAY, Essay
from quizzes.question_types.matching import MATCHING, Matching
from quizzes.question_types.multiple import MULTIPLE, MultipleChoice
from quizzes.question_types.numeric import NUMERIC, Numeric
from quizzes.question_types.ordering import ORDERING, Ordering
from quizzes.question_types.short_answer import SHORT_ANSWER, ShortAnswer
from quizzes.question_types.single import SINGLE, SingleChoice
from quizzes.question_types.true_false import TRUE_FALSE, TrueFalse

# In the order authors are offered them.
for _type in (SingleChoice, MultipleChoice, TrueFalse, ShortAnswer, Numeric, Matching, Ordering, Essay):
    register(_type)

__all__ = [
    "ESSAY",
    "MATCHING",
    "MULTIPLE",
    "NUMERIC",
    "ORDERING",
    "SHORT_ANSWER",
    "SINGLE",
    "TRUE_FALSE",
    "LayoutItem",
    "QuestionSpec",
    "QuestionType",
    "Spec",
    "UnknownQuestionType",
    "choices",
    "get",
    "names",
    "register",
]
