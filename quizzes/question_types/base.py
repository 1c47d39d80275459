"""What every question type provides, and the registry that finds a type by its name.

The type modules import neither Django nor the models and read no clock: only `freeze` sees a
draft `Question` (through its attributes); everything else gets plain data, in three forms:
- authoring content: the type's part of an authoring payload (e.g. `{"choices": [...]}`), keys
  included; the type's part of a frozen spec has the same shape;
- the frozen spec: one question of a QuizVersion's JSON spec, common fields (`id`, `type`, `text`,
  `points` ...) plus what the type's `freeze` added;
- the layout item: `{"question": id}` plus what the type's `layout` fixed for one attempt.
"""

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

Spec = Mapping[str, Any]
"""One question of a QuizVersion's frozen spec (JSON), keys included."""

LayoutItem = Mapping[str, Any]
"""One question of an attempt's layout: `{"question": id, ...}`."""


class UnknownQuestionType(ValueError):
    def __init__(self, name: object):
        super().__init__(f"unknown question type {name!r}")
        self.name = name


@dataclass(frozen=True)
class QuestionSpec:
    """What grading needs of one question; each type extends it with its key."""

    id: int
    type: str
    points: Decimal

    @classmethod
    def from_spec(cls, spec: Spec) -> "QuestionSpec":
        """Build from one question of a QuizVersion's JSON spec, as its type reads it."""
        return get(spec["type"]).grading_spec(spec)


S = TypeVar("S", bound=QuestionSpec)


class QuestionType(ABC, Generic[S]):
    """All a question type means. One instance per type, registered in the package's
    `__init__`."""

    name: ClassVar[str]
    """The value of `type` in payloads and in the database (at most 12 characters)."""
    label: ClassVar[str]
    answer_key: ClassVar[str]
    """Which key of a learner's answer this type reads: `choices`, `text`, `value`, `pairs` or
    `order` (API.md); an answer without it is refused with the code `<answer_key>_required`."""
    stored_in: ClassVar[str]
    """The Response column that keeps the normalised answer `clean_answer` returns."""
    graded_by_hand: ClassVar[bool] = False
    """An instructor grades it (essay): automatic grading gives nothing and leaves the attempt
    `needs_review`."""
    content_keys: ClassVar[tuple[str, ...]] = ()
    """The keys of authoring content the type keeps in `Question.content` (the choice types
    keep their choices as rows, and only their options there)."""

    # --- Authoring ---

    @abstractmethod
    def check_keys(self, content: Mapping[str, Any]) -> None:
        """Refuse authoring content whose key cannot work (ServiceError, code `bad_key`)."""

    def prepare(self, content: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
        """What `Question.content` keeps of checked authoring content: only the type's
        `content_keys`, with ids given to parts that need one (kept across edits when given)."""
        return {k: content[k] for k in self.content_keys if k in content}

    def freeze(self, question: Any) -> dict[str, Any]:
        """The type's part of the published spec of a draft `Question` (keys included); the
        common fields are added by the caller."""
        return {k: question.content[k] for k in self.content_keys if k in question.content}

    def publish_ids(self, frozen: Spec, rng: random.Random, previous: Spec | None) -> dict[str, Any]:
        """`frozen` (what `freeze` gave, common fields included) with the ids a learner names
        made opaque for the version, where `freeze` took them from the authoring rows (whose
        order is the authoring order, and authors often write the key first). `previous` is the
        same question in the version before, when that version was published this way: its
        ids are kept where the parts match, so an unchanged quiz publishes no new version."""
        return dict(frozen)

    def authoring(self, question: Any) -> dict[str, Any]:
        """The type's part of what instructors read of a draft question (keys included)."""
        return self.freeze(question)

    # --- An attempt ---

    def layout(self, spec: Spec, rng: random.Random) -> dict[str, Any]:
        """What one attempt fixes for the question at its start (e.g. the shown choice order),
        besides the question's id."""
        return {}

    @abstractmethod
    def public(self, spec: Spec, item: LayoutItem) -> dict[str, Any]:
        """The type's part of the learner's view in the attempt's layout: never any key."""

    @abstractmethod
    def clean_answer(self, spec: Spec, item: LayoutItem, given: Any) -> Any:
        """Check a learner's answer (the value under `answer_key`) against the question and the
        attempt's layout; return the normalised form stored in `stored_in` (ServiceError if bad)."""

    # --- Grading (pure) ---

    @abstractmethod
    def grading_spec(self, spec: Spec) -> S:
        """What grading needs of a frozen question."""

    @abstractmethod
    def fraction(self, spec: S, response: Any) -> Decimal:
        """The share of the points a stored answer (what `clean_answer` returned) earns, in
        [0, 1]. Never called for an unanswered question: that earns nothing."""

    # --- Review ---

    @abstractmethod
    def review(self, spec: Spec) -> dict[str, Any]:
        """What review shows of the key once it may be revealed."""


_REGISTRY: dict[str, QuestionType[Any]] = {}


def register(cls: type[QuestionType[Any]]) -> None:
    """Make the type known under its `name`."""
    if cls.name in _REGISTRY:
        raise ValueError(f"question type {cls.name!r} is registered twice")
    _REGISTRY[cls.name] = cls()


def get(name: str) -> QuestionType[Any]:
    """The type called `name`; UnknownQuestionType (a ValueError) when there is none."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownQuestionType(name) from None


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def choices() -> list[tuple[str, str]]:
    """`(name, label)` of every type, in registration order: the choices of `Question.type`."""
    return [(t.name, t.label) for t in _REGISTRY.values()]
