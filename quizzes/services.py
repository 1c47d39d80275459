"""Writes of the quiz flow: publish, start, save answers, submit, grade, sweep.

News leaves as events in the transaction of the change (`attempt.submitted`, `attempt.graded`);
this module never queues work itself."""

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NotRequired, TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from core import bulk
from core.errors import Conflict, NotFoundError, ServiceError
from core.services import field_error, model_assign, save_slugged, save_unique
from courses import services as course_services
from courses.models import Course, Module
from events import outbox, types
from people.models import Person
from quizzes import gift, grading, question_types, selectors
from quizzes.models import (
    Attempt,
    Category,
    Choice,
    Question,
    Quiz,
    QuizOverride,
    QuizSlot,
    QuizVersion,
    Response,
    Tag,
)
from quizzes.question_types import essay

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@dataclass(frozen=True)
class Answer:
    """One answer as the API receives it, under the key its question's type reads
    (`QuestionType.answer_key`): `choices` (choice types), `text` (short answer, essay), `value`
    (numeric: a number or text such as "2,5"), `pairs` (matching), `order` (ordering)."""

    question: int
    choices: tuple[int, ...] | None = None
    text: str | None = None
    value: Any = None
    pairs: tuple[tuple[int, int], ...] | None = None
    order: tuple[int, ...] | None = None


# --- Authoring ------------------------------------------------------------------------------


OPAQUE_IDS = "opaque_ids"
"""A version's spec marks that its choices have opaque ids (`QuestionType.publish_ids`); older
versions name choices by their rows' primary keys, and keep them."""


def quiz_publish(*, quiz: Quiz) -> QuizVersion:
    """Freeze the quiz's current questions and keys as the version new attempts use."""
    questions = list(quiz.questions.prefetch_related("choices"))
    if not questions and not quiz.slots.exists():
        raise ServiceError("A quiz needs at least one question to be published.", code="quiz_empty")
    last = quiz.versions.order_by("-number").first()
    # Ids of a version published before opaque ids (the choices' primary keys) are never kept.
    before = {q["id"]: q for q in last.spec["questions"]} if last and last.spec.get(OPAQUE_IDS) else {}
    rng = random.SystemRandom()
    frozen = [_frozen(q, rng, before.get(q.pk)) for q in questions]

    draws = []
    fixed_ids = {q.pk for q in questions}
    in_spec = set(fixed_ids)
    for slot in quiz.slots.select_related("category", "tag"):
        pool = [q for q in _slot_pool(slot) if q.pk not in fixed_ids]
        if len(pool) < slot.count:
            raise ServiceError(
                f"The slot draws {slot.count} questions from {slot}, which has only {len(pool)}.",
                code="pool_too_small",
            )
        draws.append({"count": slot.count, "pool": [q.pk for q in pool]})
        for q in pool:
            if q.pk not in in_spec:
                in_spec.add(q.pk)
                frozen.append(_frozen(q, rng, before.get(q.pk)))
    spec: dict[str, Any] = {
        "quiz": quiz.pk,
        "pass_mark": quiz.pass_mark,
        "time_limit_seconds": quiz.time_limit_seconds,
        "questions": frozen,
        OPAQUE_IDS: True,
    }
    if draws:
        # Questions of a pool are in `questions` too; those in no pool are in every attempt.
        spec["draws"] = draws
    with transaction.atomic():
        Quiz.objects.select_for_update().get(pk=quiz.pk)
        latest = quiz.versions.aggregate(n=Max("number"))["n"] or 0
        previous = quiz.versions.filter(number=latest).first()
        if previous and previous.spec == spec:
            return previous  # nothing changed since the last publish
        return QuizVersion.objects.create(quiz=quiz, number=latest + 1, spec=spec)


def _frozen(q: Question, rng: random.Random, previous: dict[str, Any] | None) -> dict[str, Any]:
    """One question as a version freezes it: common fields, then its type's own (keys included),
    with the opaque ids a learner names (`previous`: the question in the version before)."""
    question_type = _question_type(q.type)
    own = question_type.freeze(q)
    question_type.check_keys(own)
    frozen = {
        "id": q.pk,
        "key": q.key,
        "type": q.type,
        "text": q.text,
        "text_en": q.text_en,
        "name": q.name,
        "text_format": q.text_format,
        "general_feedback": q.general_feedback,
        "explanation": q.explanation,
        "explanation_en": q.explanation_en,
        "points": q.points,
        **own,
    }
    return question_type.publish_ids(frozen, rng, previous)


def _slot_pool(slot: QuizSlot) -> list[Question]:
    """The bank's questions a slot draws from, in a stable order."""
    questions = Question.objects.prefetch_related("choices").order_by("pk")
    if slot.category_id is not None:
        categories = [slot.category_id]
        if slot.include_subcategories:
            categories = selectors.category_subtree(category_id=slot.category_id)
        questions = questions.filter(category__in=categories)
    if slot.tag_id is not None:
        questions = questions.filter(tags=slot.tag_id)
    return list(questions.distinct())


def _question_type(name: str) -> question_types.QuestionType[Any]:
    """The registered type of a question being written or published (400 if there is none)."""
    try:
        return question_types.get(name)
    except question_types.UnknownQuestionType:
        raise ServiceError(f"There is no question type {name!r}.", code="unknown_type") from None


# Quiz limits the database also enforces (models.Quiz constraints); checked here so that a
# value out of range is a field error, never an IntegrityError.
PASS_MARK_MAX = 100  # a percent
TIME_LIMIT_MIN_SECONDS = 30


class QuizSettings(TypedDict, total=False):
    title_en: str
    pass_mark: int
    time_limit_seconds: int
    max_attempts: int
    opens_at: datetime | None
    closes_at: datetime | None
    cooldown_minutes: int
    grading_method: str
    review_score: str
    review_correctness: str
    review_feedback: str
    review_answers: str
    paging: str


class QuizData(QuizSettings, total=False):
    module: Module
    slug: str
    title: str


class QuestionData(TypedDict, total=False):
    quiz: Quiz | None
    category: Category | None
    key: str
    order: int
    type: str
    text: str
    text_en: str
    explanation: str
    explanation_en: str
    points: int
    name: str
    text_format: str
    general_feedback: str


class ChoiceData(TypedDict):
    text: str
    text_en: NotRequired[str]
    is_correct: NotRequired[bool]
    weight: NotRequired[int | None]
    feedback: NotRequired[str]


# What question_save sets from its `data`; the quiz is an argument of its own.
QUESTION_FIELDS = frozenset(QuestionData.__annotations__) - {"quiz"}


@transaction.atomic
def question_save(
    *,
    quiz: Quiz | None,
    data: Mapping[str, Any],
    choices: Sequence[Mapping[str, Any]] = (),
    content: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    question: Question | None = None,
) -> Question:
    """Create or replace a question of `quiz` (an existing question moves there): its choices
    (choice types; the whole set is replaced) and its type's `content` (accepted answers, pairs,
    items, rubric, scoring: API.md), checked by its type (code `bad_key`). A key another question
    of the quiz (or, for a question of no quiz, of the bank) has is a field error with code
    `key_taken`. `tags` (names), when given, replace the question's tags."""
    question_type = _question_type(data.get("type") or (question.type if question else ""))
    content = dict(content or {})
    takes_choices = question_type.answer_key == "choices"
    if takes_choices:
        choices = question_type.with_weights(choices)  # type: ignore[attr-defined]
    elif choices:
        raise ServiceError(f"A {question_type.name} question has no choices.", code="bad_key")
    question_type.check_keys({**content, "choices": choices} if takes_choices else content)
    if question is None:
        question = Question()
    question.quiz = quiz
    model_assign(question, data=data, fields=QUESTION_FIELDS)
    question.content = question_type.prepare(content, random.SystemRandom())
    question.full_clean(exclude=["quiz"])
    save_unique(
        question,
        among=Question.objects.filter(quiz=quiz),
        field="key",
        message=f"Another question of this quiz has the key '{question.key}'.",
        code="key_taken",
    )
    if tags is not None:
        question.tags.set([_tag(name) for name in dict.fromkeys(tags)])
    question.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(
            question=question,
            order=i,
            text=c["text"],
            text_en=c.get("text_en", ""),
            is_correct=bool(c.get("is_correct")),
            weight=c.get("weight"),
            feedback=c.get("feedback", ""),
        )
        for i, c in enumerate(choices)
    )
    return question


@transaction.atomic
def question_create(
    *,
    quiz: Quiz,
    key: str,
    type: str,
    text: str,
    choices: Sequence[ChoiceData] = (),
    content: Mapping[str, Any] | None = None,
    category: Category | None = None,
    tags: Sequence[str] = (),
    text_en: str = "",
    explanation: str = "",
    explanation_en: str = "",
    points: int = 1,
    order: int = 0,
    name: str = "",
    text_format: str = "plain",
    general_feedback: str = "",
) -> Question:
    data = QuestionData(
        key=key,
        type=type,
        text=text,
        text_en=text_en,
        explanation=explanation,
        explanation_en=explanation_en,
        points=points,
        order=order,
        name=name,
        text_format=text_format,
        general_feedback=general_feedback,
        category=category,
    )
    return question_save(quiz=quiz, data=data, choices=choices, content=content, tags=tags)


@transaction.atomic
def question_update(
    *,
    question: Question,
    data: QuestionData,
    choices: Sequence[ChoiceData] | None = None,
    content: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
) -> Question:
    """Change the fields given in `data` (a `quiz` moves the question there). Without `choices`
    the question keeps the choices it has; with them, they replace the old ones. `content` (the
    type's own keys) changes the keys it names and keeps the others."""
    takes_choices = _question_type(data.get("type") or question.type).answer_key == "choices"
    if choices is None:
        choices = (
            []
            if not takes_choices
            else [
                ChoiceData(
                    text=c.text,
                    text_en=c.text_en,
                    is_correct=c.is_correct,
                    weight=c.weight,
                    feedback=c.feedback,
                )
                for c in question.choices.all()
            ]
        )
    changes = {field: value for field, value in data.items() if field != "quiz"}
    return question_save(
        quiz=data.get("quiz", question.quiz),
        data=changes,
        choices=choices,
        content={**question.content, **(content or {})},
        tags=tags,
        question=question,
    )


TAG_NAME_MAX = 100  # models.Tag.name


def _tag(name: str) -> Tag:
    name = name.strip()
    if not name:
        raise ServiceError("A tag has a name.", code="bad_tag")
    if len(name) > TAG_NAME_MAX:
        raise ServiceError(f"A tag's name is at most {TAG_NAME_MAX} characters.", code="bad_tag")
    tag, _ = Tag.objects.get_or_create(name=name)
    return tag


@transaction.atomic
def tag_save(*, name: str, tag: Tag | None = None) -> Tag:
    """Create a tag, or rename one: its questions and the slots that draw from it keep it (a
    published version keeps the pool it froze). A name another tag has is a field error
    (`name_taken`); tags are not merged."""
    name = name.strip()
    if not name:
        raise field_error("name", "A tag has a name.", code="blank")
    if len(name) > TAG_NAME_MAX:
        raise field_error("name", f"A tag's name is at most {TAG_NAME_MAX} characters.", code="max_length")
    tag = tag or Tag()
    tag.name = name
    return save_unique(
        tag, among=Tag.objects.all(), field="name", message=f"There is a tag '{name}'.", code="name_taken"
    )


def tag_delete(*, tag: Tag) -> None:
    """Delete a tag and take it off its questions. A tag a random slot draws from raises
    ProtectedError (the API answers 409) and nothing is deleted."""
    tag.delete()


# --- The question bank: categories, random slots, GIFT -------------------------------------


@transaction.atomic
def category_save(*, name: str, parent: Category | None, category: Category | None = None) -> Category:
    """Create or change a category of the bank. A name its siblings have is a field error
    (`name_taken`); a category cannot move under itself (`category_cycle`)."""
    name = name.strip()
    if not name:
        raise field_error("name", "A category has a name.", code="blank")
    if (
        category is not None
        and parent is not None
        and parent.pk in selectors.category_subtree(category_id=category.pk)
    ):
        raise field_error("parent", "A category cannot move under itself.", code="category_cycle")
    category = category or Category()
    category.name, category.parent = name, parent
    return save_unique(
        category,
        among=Category.objects.filter(parent=parent),
        field="name",
        message=f"The category already has a subcategory '{name}'."
        if parent
        else f"There is a top category '{name}'.",
        code="name_taken",
    )


def category_delete(*, category: Category) -> None:
    """Delete an empty category; one with subcategories, questions or slots raises
    ProtectedError (the API answers 409) and nothing is deleted."""
    category.delete()


def category_at(*, path: Sequence[str], base: Category | None = None) -> Category | None:
    """The category at `path` under `base` (the top when None), made where missing."""
    category = base
    for name in path:
        found = Category.objects.filter(parent=category, name=name[:200]).first()
        category = found or category_save(name=name[:200], parent=category)
    return category


class SlotData(TypedDict, total=False):
    quiz: Quiz
    category: Category | None
    tag: str | None
    """A tag's name (made when new); "" or None: no tag."""
    count: int
    include_subcategories: bool
    order: int


@transaction.atomic
def slot_save(
    *,
    quiz: Quiz,
    count: int,
    category: Category | None = None,
    tag: str | None = None,
    include_subcategories: bool = True,
    order: int = 0,
) -> QuizSlot:
    """A slot of `count` questions drawn for each attempt from a category or a tag of the bank
    (both: the questions of the category that have the tag); it counts from the quiz's next
    publish."""
    return _slot_write(
        QuizSlot(),
        SlotData(
            quiz=quiz,
            count=count,
            category=category,
            tag=tag,
            include_subcategories=include_subcategories,
            order=order,
        ),
    )


@transaction.atomic
def slot_update(*, slot: QuizSlot, data: SlotData) -> QuizSlot:
    """Change the fields given in `data` under slot_save's rules (a `quiz` moves the slot
    there); a `category` of None or a `tag` of "" or None stops drawing from it, while the slot
    still draws from the other. Attempts started from a published version keep the draw it
    froze; the change counts from the quiz's next publish."""
    return _slot_write(slot, data)


def _slot_write(slot: QuizSlot, data: SlotData) -> QuizSlot:
    category = data.get("category", slot.category)
    tag = (data.get("tag", slot.tag.name if slot.tag else None) or "").strip()
    if category is None and not tag:
        raise ServiceError("A slot draws from a category or a tag.", code="slot_without_pool")
    model_assign(
        slot,
        data={k: v for k, v in data.items() if k not in ("category", "tag")},
        fields=("quiz", "count", "include_subcategories", "order"),
    )
    if slot.count < 1:
        raise field_error("count", "A slot draws at least one question.", code="min_value")
    slot.category = category
    slot.tag = _tag(tag) if tag else None
    slot.save()
    return slot


def slot_delete(*, slot: QuizSlot) -> None:
    slot.delete()


@dataclass(frozen=True)
class GiftImported:
    questions: list[Question]
    per_category: list[tuple[Category | None, int]]
    notes: list[gift.GiftError]


def _unique_key(base: str, taken: set[str]) -> str:
    base = (slugify(base)[:90] or "q").strip("-") or "q"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    taken.add(key)
    return key


@transaction.atomic
def gift_import(*, text: str, quiz: Quiz | None = None, category: Category | None = None) -> GiftImported:
    """Import the questions of a GIFT text into `quiz` (its fixed questions) or, without one,
    into the bank; `$CATEGORY:` paths are made under `category` (the top when None). All or
    nothing: gift.GiftErrors with every error and its line, and nothing saved."""
    read = gift.parse(text)  # GiftErrors for the text itself
    taken = set(Question.objects.filter(quiz=quiz).values_list("key", flat=True))
    order = (quiz.questions.aggregate(n=Max("order"))["n"] or 0) if quiz else 0
    created: list[Question] = []
    counts: dict[int | None, int] = {}
    where: dict[int | None, Category | None] = {}
    errors: list[gift.GiftError] = []
    for q in read.questions:
        try:
            with transaction.atomic():
                target = category_at(base=category, path=q.category) if q.category else category
                key = slugify(q.key)[:100]  # Moodle's idnumber may be any text
                if key and key in taken:
                    raise ServiceError(
                        gettext("Another question here has the key '%(key)s'.") % {"key": key},
                        code="key_taken",
                    )
                key = key or _unique_key(q.name, taken)
                taken.add(key)
                order += 1
                question = question_save(
                    quiz=quiz,
                    data=QuestionData(
                        key=key,
                        type=q.type,
                        name=q.name,
                        text=q.text,
                        text_format=q.text_format,
                        general_feedback=q.general_feedback,
                        text_en=q.text_en,
                        explanation=q.explanation,
                        explanation_en=q.explanation_en,
                        points=q.points,
                        order=order,
                        category=target,
                    ),
                    choices=q.choices,
                    content=q.content,
                    tags=q.tags,
                )
        except ServiceError as exc:
            errors.append(gift.GiftError(q.line, exc.message))
            continue
        except ValidationError as exc:
            errors.append(gift.GiftError(q.line, "; ".join(exc.messages)))
            continue
        created.append(question)
        cid = target.pk if target else None
        counts[cid] = counts.get(cid, 0) + 1
        where[cid] = target
    if errors:
        raise gift.GiftErrors(errors)  # the transaction rolls back: nothing imported
    return GiftImported(
        questions=created, per_category=[(where[c], n) for c, n in counts.items()], notes=read.notes
    )


def question_delete(*, question: Question) -> None:
    """Delete a question of the draft bank; published versions keep their frozen copy."""
    question.delete()


def _quiz_save(quiz: Quiz) -> Quiz:
    errors: dict[str, ValidationError] = {}
    if not 0 <= quiz.pass_mark <= PASS_MARK_MAX:
        errors["pass_mark"] = ValidationError(
            f"The pass mark is a percent, 0 to {PASS_MARK_MAX}.", code="pass_mark_out_of_range"
        )
    if quiz.time_limit_seconds < TIME_LIMIT_MIN_SECONDS:
        errors["time_limit_seconds"] = ValidationError(
            f"A quiz gives at least {TIME_LIMIT_MIN_SECONDS} seconds.", code="time_limit_too_short"
        )
    if quiz.opens_at is not None and quiz.closes_at is not None and quiz.opens_at >= quiz.closes_at:
        errors["closes_at"] = ValidationError("A quiz closes after it opens.", code="window_inverted")
    if errors:
        raise ValidationError(errors)
    return save_slugged(
        quiz,
        among=Quiz.objects.filter(module=quiz.module_id),
        parent="module",
        message=f"Another quiz of this module has the slug '{quiz.slug}'.",
    )


@transaction.atomic
def quiz_create(*, module: Module, slug: str, title: str, **settings: Unpack[QuizSettings]) -> Quiz:
    """A new quiz with no questions; attempts wait for its first quiz_publish; the settings not
    given take the model's defaults. A pass mark outside
    0..100, a time limit under 30 seconds or a window that closes before it opens is a field
    error."""
    quiz = Quiz(module=module, slug=slug, title=title)
    model_assign(quiz, data=settings, fields=QuizData.__annotations__)
    return _quiz_save(quiz)


@transaction.atomic
def quiz_update(*, quiz: Quiz, data: QuizData) -> Quiz:
    """Change the fields given in `data` (a `module` moves the quiz there), under the rules of
    quiz_create."""
    model_assign(quiz, data=data, fields=QuizData.__annotations__)
    return _quiz_save(quiz)


def quiz_delete(*, quiz: Quiz) -> None:
    """Delete the quiz with its questions and versions. A quiz with attempts raises
    ProtectedError (the API answers 409) and nothing is deleted."""
    quiz.delete()


# --- Per-person overrides -------------------------------------------------------------------

TIME_MULTIPLIER_MIN, TIME_MULTIPLIER_MAX = Decimal(1), Decimal(5)
EXTRA_ATTEMPTS_MAX = 20


class OverrideData(TypedDict, total=False):
    time_multiplier: Decimal | None
    extra_attempts: int | None
    opens_at: datetime | None
    closes_at: datetime | None


@transaction.atomic
def override_save(
    *, person: Person, quiz: Quiz | None, data: OverrideData, override: QuizOverride | None = None
) -> QuizOverride:
    """Create or change a person's override of one quiz (or, with no quiz, of every quiz);
    fields not in `data` keep their value, a field set to None takes the general override's or
    the quiz's. Field errors (nothing changes): a multiplier outside 1..5, extra attempts
    outside 0..20, a window that closes before it opens, an override that overrides nothing,
    a second override of the same person and quiz (`override_exists`). Applied from the next
    attempt start (quizzes.selectors.quiz_rules)."""
    override = override or QuizOverride()
    override.person, override.quiz = person, quiz
    model_assign(override, data=data, fields=OverrideData.__annotations__)
    errors: dict[str, ValidationError] = {}
    multiplier = override.time_multiplier
    if multiplier is not None and not TIME_MULTIPLIER_MIN <= multiplier <= TIME_MULTIPLIER_MAX:
        errors["time_multiplier"] = ValidationError(
            f"The time multiplier is {TIME_MULTIPLIER_MIN} to {TIME_MULTIPLIER_MAX}.", code="out_of_range"
        )
    if override.extra_attempts is not None and not 0 <= override.extra_attempts <= EXTRA_ATTEMPTS_MAX:
        errors["extra_attempts"] = ValidationError(
            f"Extra attempts are 0 to {EXTRA_ATTEMPTS_MAX}.", code="out_of_range"
        )
    if (
        override.opens_at is not None
        and override.closes_at is not None
        and override.opens_at >= override.closes_at
    ):
        errors["closes_at"] = ValidationError("The window closes after it opens.", code="window_inverted")
    if all(getattr(override, f) is None for f in OverrideData.__annotations__):
        errors["time_multiplier"] = ValidationError(
            "An override sets at least one of time_multiplier, extra_attempts, opens_at, closes_at.",
            code="override_empty",
        )
    if errors:
        raise ValidationError(errors)
    return save_unique(
        override,
        among=QuizOverride.objects.filter(person=person),
        field="quiz",
        message="This person already has an override of this quiz (or of every quiz): change that one.",
        code="override_exists",
    )


def override_delete(*, override: QuizOverride) -> None:
    override.delete()


# --- The learner's flow ---------------------------------------------------------------------


def _grace() -> timedelta:
    return timedelta(seconds=settings.LENCANA_ATTEMPT_GRACE_SECONDS)


def _is_past_deadline(attempt: Attempt, now: datetime) -> bool:
    return now > attempt.deadline + _grace()


def attempt_start(*, quiz: Quiz, person: Person) -> Attempt:
    """A new attempt under the quiz's rules for the person (quizzes.selectors.quiz_rules: the
    quiz's settings with the person's overrides): inside the window (409 `quiz_not_open`,
    `quiz_closed`), not while another is in progress, not after the person's result on the quiz
    passes, within the attempts allowed, and not before the cooling period after the last one
    ends (409 `cooldown`, with `next_attempt_at`). The deadline is the time limit times the
    person's multiplier, and never later than the close date."""
    version = quiz.versions.order_by("-number").first()
    if version is None or quiz.module.course.status != Course.Status.PUBLISHED:
        raise Conflict("This quiz is not open for attempts.", code="quiz_not_published")
    now = timezone.now()
    rules = selectors.quiz_rules(quiz=quiz, person_id=person.pk)
    window = rules.window_state(now)
    if window == "not_open":
        raise Conflict(
            f"This quiz opens at {rules.opens_at:%Y-%m-%d %H:%M} UTC.",
            code="quiz_not_open",
            extra={"opens_at": rules.opens_at},
        )
    if window == "closed":
        raise Conflict(
            f"This quiz closed at {rules.closes_at:%Y-%m-%d %H:%M} UTC.",
            code="quiz_closed",
            extra={"closes_at": rules.closes_at},
        )
    with transaction.atomic():
        # Serialises one person's starts, so the attempt count below cannot race.
        Person.objects.select_for_update().get(pk=person.pk)
        enrolment = course_services.enrolment_current(person=person, course=quiz.module.course, now=now)
        attempts = list(
            Attempt.objects.filter(person=person, quiz=quiz).only(
                "id", "number", "status", "deadline", "submitted_at", "passed", "enrolment_id", "layout"
            )
        )
        for open_attempt in (a for a in attempts if a.status == Attempt.Status.IN_PROGRESS):
            if not _is_past_deadline(open_attempt, now):
                raise Conflict(
                    f"Attempt {open_attempt.pk} is still in progress; finish it first.",
                    code="attempt_in_progress",
                )
            _submit_locked(Attempt.objects.select_for_update().get(pk=open_attempt.pk), now=now, auto=True)
        # Only this cycle's attempts count: after a certificate lapses, the person starts afresh.
        in_cycle = [a for a in attempts if a.enrolment_id == enrolment.pk]
        if any(a.passed for a in in_cycle):
            result = selectors.quiz_result(enrolment_id=enrolment.pk, quiz_id=quiz.pk)
            if result is not None and result.passed:
                raise Conflict("You have already passed this quiz.", code="already_passed")
        if len(in_cycle) >= rules.max_attempts:
            raise Conflict(
                f"All {rules.max_attempts} attempts allowed for this quiz are used.", code="no_attempts_left"
            )
        if rules.cooldown and in_cycle:
            next_at = max(selectors.attempt_ended_at(a) for a in in_cycle) + rules.cooldown
            if now < next_at:
                raise Conflict(
                    f"The next attempt may start at {next_at:%Y-%m-%d %H:%M} UTC.",
                    code="cooldown",
                    extra={"next_attempt_at": next_at},
                )
        rng = random.SystemRandom()
        questions = _drawn(version.spec, attempts, rng)
        rng.shuffle(questions)
        layout = [{"question": q["id"], **question_types.get(q["type"]).layout(q, rng)} for q in questions]
        deadline = now + timedelta(seconds=rules.time_limit_seconds)
        if rules.closes_at is not None:
            deadline = min(deadline, rules.closes_at)
        try:
            with transaction.atomic():
                return Attempt.objects.create(
                    quiz=quiz,
                    version=version,
                    person=person,
                    enrolment=enrolment,
                    number=max((a.number for a in attempts), default=0) + 1,
                    layout=layout,
                    started_at=now,
                    deadline=deadline,
                )
        except IntegrityError as exc:
            raise Conflict(
                "Another attempt was started at the same time.", code="attempt_in_progress"
            ) from exc


def _drawn(spec: Mapping[str, Any], earlier: Sequence[Attempt], rng: random.Random) -> list[dict[str, Any]]:
    """The questions of a new attempt: every fixed question, and for each draw of the version
    its count of the pool's questions, those the person has not seen in earlier attempts of
    the quiz first (while the pool has enough of them). The attempt's layout keeps the draw."""
    draws = spec.get("draws") or []
    if not draws:
        return list(spec["questions"])
    by_id = {q["id"]: q for q in spec["questions"]}
    pooled = {qid for d in draws for qid in d["pool"]}
    chosen = [qid for qid in by_id if qid not in pooled]
    seen = {item["question"] for a in earlier for item in (a.layout or [])}
    for draw in draws:
        left = [qid for qid in draw["pool"] if qid not in chosen]
        fresh = [qid for qid in left if qid not in seen]
        if len(fresh) >= draw["count"]:
            chosen.extend(rng.sample(fresh, draw["count"]))
        else:
            again = [qid for qid in left if qid in seen]
            chosen.extend(fresh + rng.sample(again, min(len(again), draw["count"] - len(fresh))))
    return [by_id[qid] for qid in chosen]


def _check_open(attempt: Attempt, now: datetime) -> None:
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise Conflict(
            "This attempt is already submitted; answers can no longer change.", code="attempt_closed"
        )
    if _is_past_deadline(attempt, now):
        raise Conflict(
            "The time for this attempt is over; answers can no longer change.", code="deadline_passed"
        )


def _validated_answers(attempt: Attempt, answers: Sequence[Answer]) -> dict[int, tuple[str, Any]]:
    """Check every answer against the attempt's own questions; all or nothing. For each question,
    the Response field its type stores the answer in, and the normalised answer."""
    layout = {item["question"]: item for item in attempt.layout}
    specs = selectors.version_questions(attempt.version)
    result: dict[int, tuple[str, Any]] = {}
    for answer in answers:
        if answer.question not in layout:
            raise ServiceError(
                f"Question {answer.question} is not part of this attempt.", code="unknown_question"
            )
        if answer.question in result:
            raise ServiceError(f"Question {answer.question} is answered twice.", code="duplicate_answer")
        spec = specs[answer.question]
        question_type = question_types.get(spec["type"])
        given = getattr(answer, question_type.answer_key, None)
        if given is None:
            raise ServiceError(
                f"Question {answer.question} is answered with `{question_type.answer_key}`.",
                code=f"{question_type.answer_key}_required",
            )
        result[answer.question] = (
            question_type.stored_in,
            question_type.clean_answer(spec, layout[answer.question], given),
        )
    return result


# The fields an answer may be stored in (each question type's `stored_in`), with what a new
# row holds in those it does not use.
_ANSWER_FIELDS: dict[str, Any] = {"choices": [], "text": "", "value": None, "data": None}


def _save_open(attempt: Attempt, answers: Sequence[Answer], now: datetime) -> list[Response] | None:
    """Check the answers against the attempt's questions, then upsert them in ONE statement that
    also re-checks, under a share lock of the attempt's row, that the attempt is still open:
    INSERT ... SELECT from the attempt's row when it is in progress and not past its deadline,
    ON CONFLICT on attempt and question update the answer's field and the save time. A submit
    (which holds the row FOR UPDATE) and a save never interleave: the save waits for the submit
    and then finds the attempt closed, or the submit waits for the save. Returns the rows saved
    (in id order), or None when the attempt closed after `attempt` was read."""
    _check_open(attempt, now)
    validated = _validated_answers(attempt, answers)
    if not validated:
        return []
    meta = Response._meta
    fields = {name: meta.get_field(name) for name in _ANSWER_FIELDS}
    typed = {  # `CAST(%s AS type)` for each value, so PostgreSQL knows every column of the UNION
        name: f"CAST(%s AS {'jsonb' if f.get_internal_type() == 'JSONField' else f.db_type(connection)})"
        for name, f in fields.items()
    }
    row = "SELECT CAST(%s AS integer) AS question_ref, " + ", ".join(f"{c} AS {n}" for n, c in typed.items())
    params: list[Any] = []
    for question_id, (field, stored) in validated.items():
        values = {**_ANSWER_FIELDS, field: stored}
        params.append(question_id)
        params.extend(fields[n].get_db_prep_save(values[n], connection) for n in _ANSWER_FIELDS)  # type: ignore[union-attr]
    lock = " FOR SHARE" if connection.features.has_select_for_update else ""
    updated = [*sorted({field for field, _ in validated.values()}), "saved_at"]
    names = ", ".join(_ANSWER_FIELDS)
    sql = (
        f"INSERT INTO {meta.db_table} (attempt_id, question_ref, {names}, saved_at) "  # noqa: S608 (names)
        f"SELECT a.id, v.question_ref, {', '.join(f'v.{n}' for n in _ANSWER_FIELDS)}, %s "
        f"FROM (SELECT id FROM {Attempt._meta.db_table} WHERE id = %s AND status = %s "
        f"AND deadline >= %s{lock}) AS a, ({' UNION ALL '.join([row] * len(validated))}) AS v "
        "WHERE a.id IS NOT NULL "
        "ON CONFLICT (attempt_id, question_ref) DO UPDATE SET "
        f"{', '.join(f'{c} = EXCLUDED.{c}' for c in updated)} "
        f"RETURNING id, question_ref, {names}"
    )
    saved_at = meta.get_field("saved_at").get_db_prep_save(now, connection)  # type: ignore[union-attr]
    deadline_after = Attempt._meta.get_field("deadline").get_db_prep_save(now - _grace(), connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, [saved_at, attempt.pk, Attempt.Status.IN_PROGRESS, deadline_after, *params])
        rows = cursor.fetchall()
    if not rows:
        return None
    columns = [fields[n].get_col(meta.db_table) for n in _ANSWER_FIELDS]  # type: ignore[union-attr]
    converters = [  # what the ORM does to a value read (the backend's, then the field's)
        [*connection.ops.get_db_converters(col), *col.field.get_db_converters(connection)] for col in columns
    ]
    saved = []
    for pk, question_ref, *values in sorted(rows):
        stored = {}
        for name, col, convert_all, value in zip(_ANSWER_FIELDS, columns, converters, values, strict=True):
            for convert in convert_all:
                value = convert(value, col, connection)
            stored[name] = value
        saved.append(Response(pk=pk, attempt=attempt, question_ref=question_ref, saved_at=now, **stored))
    return saved


def _save_locked(attempt: Attempt, answers: Sequence[Answer], now: datetime) -> list[Response]:
    """`_save_open` of an attempt whose row this transaction holds FOR UPDATE (a submit)."""
    saved = _save_open(attempt, answers, now)
    assert saved is not None, "a locked open attempt cannot close under its lock"
    return saved


def _locked(attempt_id: int, user_id: int | None = None) -> Attempt:
    """The attempt's row, locked; with `user_id`, NotFoundError unless it is that user's."""
    attempts = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("version", "quiz__module")
        .defer("version__spec")
    )
    if user_id is None:
        return attempts.get(pk=attempt_id)
    attempt = attempts.filter(pk=attempt_id, person__user_id=user_id).first()
    if attempt is None:
        raise NotFoundError("No such attempt.", code="not_found")
    return attempt


@dataclass(frozen=True)
class SavedAnswers:
    attempt: Attempt
    responses: list[Response]


def attempt_save_answers(*, attempt: Attempt, answers: Sequence[Answer]) -> Attempt:
    """`attempt_answers_save` of this attempt."""
    return attempt_answers_save(attempt_id=attempt.pk, answers=answers).attempt


def attempt_answers_save(
    *, attempt_id: int, answers: Sequence[Answer], user_id: int | None = None
) -> SavedAnswers:
    """Save answers to an open attempt: 409 when it is submitted or past its deadline (with the
    grace), 400 (all or nothing) when an answer is not one of its questions' or not of its type.
    Two statements, no transaction: the read of the attempt (with `user_id`, NotFoundError
    unless it is that user's), and the guarded upsert of `_save_open`."""
    now = timezone.now()
    read = selectors.attempt_for_answers(attempt_id=attempt_id, user_id=user_id)
    if read is None:
        raise NotFoundError("No such attempt.", code="not_found")
    saved = _save_open(read, answers, now)
    if saved is None:  # submitted, or its time ran out, since it was read: say which
        read = selectors.attempt_for_answers(attempt_id=attempt_id)
        assert read is not None
        _check_open(read, now)
        raise Conflict(
            "This attempt is already submitted; answers can no longer change.", code="attempt_closed"
        )
    return SavedAnswers(attempt=read, responses=saved)


def _submit_locked(attempt: Attempt, *, now: datetime, auto: bool) -> None:
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at = now
    attempt.auto_submitted = auto
    attempt.save(update_fields=["status", "submitted_at", "auto_submitted"])
    outbox.record(
        types.ATTEMPT_SUBMITTED, attempt_id=attempt.pk, person_id=attempt.person_id, quiz_id=attempt.quiz_id
    )


def attempt_submit(*, attempt: Attempt, answers: Sequence[Answer] = ()) -> Attempt:
    """`attempt_submit_by_id` of this attempt."""
    return attempt_submit_by_id(attempt_id=attempt.pk, answers=answers)


@transaction.atomic
def attempt_submit_by_id(
    *, attempt_id: int, answers: Sequence[Answer] = (), user_id: int | None = None
) -> Attempt:
    """Close the attempt; `attempt.submitted` goes out with the commit. Submitting twice changes
    nothing; answers sent with the submit are saved first, under the same rules as a PATCH, so
    answers sent to a closed attempt are refused, never dropped. With `user_id`, NotFoundError
    unless the attempt is that user's (checked in the query that locks it)."""
    attempt = _locked(attempt_id, user_id)
    if attempt.status != Attempt.Status.IN_PROGRESS and not answers:
        return attempt
    now = timezone.now()
    if answers:
        _check_open(attempt, now)
        _save_locked(attempt, answers, now)
    _submit_locked(attempt, now=now, auto=False)
    return attempt


@dataclass(frozen=True)
class _VersionGrading:
    """What grading needs of a frozen quiz version, parsed once per process."""

    specs: dict[int, grading.QuestionSpec]
    stored_in: dict[int, str]
    by_hand: frozenset[int]
    pass_mark: int


# Versions are frozen but for a regrade's fixed keys (which raise `revision`); keyed by id,
# publication time (a test database that hands an id out again is not the same version) and
# revision.
_version_grading: dict[tuple[int, datetime, int], _VersionGrading] = {}


def _grading_key(version: QuizVersion) -> tuple[int, datetime, int]:
    return (version.pk, version.published_at, version.revision)


def _grading_of(versions: Sequence[QuizVersion]) -> dict[int, _VersionGrading]:
    """The parsed grading of each version; the specs of those not parsed yet in this process are
    read in one query."""
    missing = [v.pk for v in versions if _grading_key(v) not in _version_grading]
    if missing:
        if len(_version_grading) > 1000:
            _version_grading.clear()
        fields = ("pk", "published_at", "revision", "spec")
        for version in QuizVersion.objects.filter(pk__in=missing).only(*fields):
            specs = {q["id"]: grading.QuestionSpec.from_spec(q) for q in version.spec["questions"]}
            _version_grading[_grading_key(version)] = _VersionGrading(
                specs=specs,
                stored_in={i: question_types.get(s.type).stored_in for i, s in specs.items()},
                by_hand=frozenset(i for i, s in specs.items() if question_types.get(s.type).graded_by_hand),
                pass_mark=version.spec["pass_mark"],
            )
    return {v.pk: _version_grading[_grading_key(v)] for v in versions}


def attempts_grade(*, attempt_ids: Sequence[int]) -> list[Attempt]:
    """Grade the submitted attempts among `attempt_ids` in one transaction (row locks, two bulk
    updates, one insert of their `attempt.graded` events); attempts in any other state, or gone,
    are left as they are, so grading again (a redelivered message, a sweep) grades once. Returns
    the attempts it graded."""
    with transaction.atomic():
        attempts = list(
            Attempt.objects.select_for_update(of=("self",))
            .select_related("version", "quiz__module")
            .defer("version__spec")
            .filter(pk__in=attempt_ids, status=Attempt.Status.SUBMITTED)
            .order_by("pk")
        )
        if not attempts:
            return []
        by_version = _grading_of(list({a.version_id: a.version for a in attempts}.values()))
        # The answers as plain rows (id, attempt, question, then each field an answer is stored
        # in): a model instance per response was most of a batch's time.
        stored = sorted({f for v in by_version.values() for f in v.stored_in.values()})
        column = {f: 3 + i for i, f in enumerate(stored)}
        responses: dict[int, list[tuple[Any, ...]]] = {a.pk: [] for a in attempts}
        for row in (
            Response.objects.filter(attempt__in=[a.pk for a in attempts])
            .order_by()
            .values_list("id", "attempt_id", "question_ref", *stored)
        ):
            responses[row[1]].append(row)
        now = timezone.now()
        graded_events: list[dict[str, Any]] = []
        scores: list[tuple[Any, ...]] = []
        placeholders: list[Response] = []
        for attempt in attempts:
            version = by_version[attempt.version_id]
            in_attempt = {item["question"] for item in attempt.layout}
            specs = [spec for qid, spec in version.specs.items() if qid in in_attempt]
            given = responses[attempt.pk]
            result = grading.grade_attempt(
                specs,
                {row[2]: row[column[version.stored_in[row[2]]]] for row in given},
                pass_mark=version.pass_mark,
            )
            by_question = {g.question_id: g for g in result.questions}
            scores.extend((row[0], by_question[row[2]].score, by_question[row[2]].correct) for row in given)
            attempt.score, attempt.max_score = result.score, result.max_score
            attempt.percent, attempt.passed = result.percent, result.passed
            attempt.status = Attempt.Status.GRADED
            attempt.graded_at = now
            if version.by_hand.intersection(in_attempt):
                # An instructor grades the rest (the manual grading queue): the score so far is
                # what the automatic part earned, pass or fail is not known yet, and nothing is
                # announced until it is.
                attempt.status, attempt.passed = Attempt.Status.NEEDS_REVIEW, None
                # Every hand-graded question gets its place in the queue, an unanswered one too
                # (an instructor sees the blank and gives it nothing).
                answered = {row[2] for row in given}
                placeholders.extend(
                    Response(attempt=attempt, question_ref=qid, saved_at=now, score=0)
                    for qid in sorted(version.by_hand.intersection(in_attempt) - answered)
                )
                logger.info("attempt %s needs an instructor's review", attempt.pk)
                continue
            graded_events.append(
                {
                    "attempt_id": attempt.pk,
                    "person_id": attempt.person_id,
                    "quiz_id": attempt.quiz_id,
                    "course_id": attempt.quiz.module.course_id,
                    "enrolment_id": attempt.enrolment_id,
                    "passed": result.passed,
                }
            )
        # One UPDATE each (core.bulk: the rows as one JSON parameter): Django's bulk_update
        # compiles a CASE branch per row and field, which cost seconds per hundred attempts.
        bulk.update_rows(
            Response, [{"pk": pk, "score": s, "correct": c} for pk, s, c in scores], ["score", "correct"]
        )
        graded_fields = ["score", "max_score", "percent", "passed", "status", "graded_at"]
        bulk.update_rows(
            Attempt,
            [
                {"pk": a.pk, **{f: str(a.status) if f == "status" else getattr(a, f) for f in graded_fields}}
                for a in attempts
            ],
            graded_fields,
        )
        Response.objects.bulk_create(placeholders)
        outbox.record_many(types.ATTEMPT_GRADED, graded_events)
    for attempt in attempts:
        logger.info("graded attempt %s: %s%% passed=%s", attempt.pk, attempt.percent, attempt.passed)
    return attempts


def attempt_grade(*, attempt_id: int) -> Attempt:
    """Grade a submitted attempt; an attempt in any other state is left as it is, so running
    this twice (a redelivered message, a sweep) grades once. Raises Attempt.DoesNotExist for
    an attempt that is gone."""
    graded = attempts_grade(attempt_ids=[attempt_id])
    return (
        graded[0] if graded else Attempt.objects.select_related("version", "quiz__module").get(pk=attempt_id)
    )


def _record_graded(attempt: Attempt) -> None:
    outbox.record(
        types.ATTEMPT_GRADED,
        attempt_id=attempt.pk,
        person_id=attempt.person_id,
        quiz_id=attempt.quiz_id,
        course_id=attempt.quiz.module.course_id,
        enrolment_id=attempt.enrolment_id,
        passed=bool(attempt.passed),
    )


# --- Manual grading -------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    points: int


def response_review(
    *, response_id: int, scores: Sequence[CriterionScore], comment: str = "", reviewer_id: int | None
) -> Attempt:
    """Grade one hand-graded answer (an essay) of an attempt that awaits review: points for
    every criterion of its frozen rubric, scaled to the question's points. Grading it again
    while the attempt still awaits review replaces the grade. When every hand-graded answer of
    the attempt is graded the grade is released: score, pass or fail, and `attempt.graded` in
    the same transaction, so only then may a certificate follow. All or nothing: a missing,
    unknown or repeated criterion, or points out of range, change nothing."""
    with transaction.atomic():
        attempt_id = Response.objects.filter(pk=response_id).values_list("attempt_id", flat=True).first()
        if attempt_id is None:
            raise NotFoundError("No such answer awaits review.", code="not_found")
        attempt = _locked(attempt_id)
        specs = {q["id"]: q for q in attempt.version.spec["questions"]}
        by_hand = {
            r.pk: r
            for r in attempt.responses.all()
            if question_types.get(specs[r.question_ref]["type"]).graded_by_hand
        }
        response = by_hand.get(response_id)
        if response is None:
            raise NotFoundError("No such answer awaits review.", code="not_found")
        if attempt.status != Attempt.Status.NEEDS_REVIEW:
            raise Conflict("This attempt's grade is already released.", code="review_closed")
        spec = specs[response.question_ref]
        rubric = dict(essay.criteria(spec))
        given: dict[str, int] = {}
        for s in scores:
            if s.criterion not in rubric:
                raise ServiceError(f"The rubric has no criterion {s.criterion!r}.", code="unknown_criterion")
            if s.criterion in given:
                raise ServiceError(
                    f"The criterion {s.criterion!r} is scored twice.", code="duplicate_criterion"
                )
            if not 0 <= s.points <= rubric[s.criterion]:
                raise ServiceError(
                    f"The criterion {s.criterion!r} gives 0 to {rubric[s.criterion]} points.",
                    code="points_out_of_range",
                )
            given[s.criterion] = s.points
        missing = [c for c in rubric if c not in given]
        if missing:
            raise ServiceError(
                "Every criterion is scored; missing: " + ", ".join(repr(c) for c in missing) + ".",
                code="criterion_missing",
            )
        earned, total = Decimal(sum(given.values())), Decimal(sum(rubric.values()))
        now = timezone.now()
        response.score = (Decimal(spec["points"]) * earned / total).quantize(
            grading.CENT, rounding=ROUND_HALF_UP
        )
        response.correct = earned == total
        response.review = {
            "scores": [{"criterion": c, "points": p} for c, p in given.items()],
            "comment": comment,
            "by": reviewer_id,
        }
        response.reviewed_at = now
        response.save(update_fields=["score", "correct", "review", "reviewed_at"])
        if all(r.reviewed_at is not None for r in by_hand.values()):
            _release(attempt, now=now)
    return attempt


def _release(attempt: Attempt, *, now: datetime) -> None:
    """Every answer is graded: the attempt's grade from its answers' scores, and the news."""
    total = sum((r.score or Decimal(0) for r in attempt.responses.all()), Decimal(0))
    max_score = attempt.max_score or Decimal(0)
    attempt.score = total
    attempt.percent = (
        (total * 100 / max_score).quantize(grading.CENT, rounding=ROUND_HALF_UP) if max_score else Decimal(0)
    )
    attempt.passed = bool(max_score) and attempt.percent >= attempt.version.spec["pass_mark"]
    attempt.status = Attempt.Status.GRADED
    attempt.graded_at = now
    attempt.save(update_fields=["score", "percent", "passed", "status", "graded_at"])
    _record_graded(attempt)
    logger.info(
        "released attempt %s after review: %s%% passed=%s", attempt.pk, attempt.percent, attempt.passed
    )


def attempts_sweep(*, now: datetime | None = None) -> int:
    """Submit attempts whose time ran out, keeping every answer saved before the deadline;
    returns how many. (What was submitted but not yet graded needs no sweep: its
    `attempt.submitted` event stays in the outbox until a grader has had it.)"""
    now = now or timezone.now()
    overdue = list(
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline__lt=now - _grace()).values_list(
            "pk", flat=True
        )[:SWEEP_BATCH]
    )
    for attempt_id in overdue:
        with transaction.atomic():
            attempt = _locked(attempt_id)
            if attempt.status == Attempt.Status.IN_PROGRESS:
                _submit_locked(attempt, now=now, auto=True)
    if overdue:
        logger.info("sweep: %s attempts auto-submitted", len(overdue))
    return len(overdue)
