"""Reads of quizzes and attempts."""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from courses.models import Course, Enrolment
from courses.selectors import enrolment_is_current, enrolment_latest
from people.models import Person
from quizzes import grading, question_types
from quizzes.models import (
    Attempt,
    Category,
    Question,
    Quiz,
    QuizOverride,
    QuizVersion,
    Regrade,
    Response,
    Tag,
)
from quizzes.question_types import essay


def quizzes_of_course(*, course: Course) -> QuerySet[Quiz]:
    """The quizzes that count for a course: those with a published version."""
    return Quiz.objects.filter(module__course=course).filter(versions__isnull=False).distinct()


# --- A person's rules and results on a quiz ---------------------------------------------------


@dataclass(frozen=True)
class QuizRules:
    """A quiz's rules for one person: the quiz's settings with the person's overrides applied
    (a quiz's own override first, then the person's general one)."""

    opens_at: datetime | None
    closes_at: datetime | None
    time_limit_seconds: int
    time_multiplier: Decimal
    max_attempts: int
    cooldown: timedelta

    def window_state(self, now: datetime) -> str:
        if self.opens_at is not None and now < self.opens_at:
            return "not_open"
        if self.closes_at is not None and now >= self.closes_at:
            return "closed"
        return "open"


def _overrides_of(person_id: int, quiz_ids: Iterable[int]) -> dict[int | None, QuizOverride]:
    """The person's general override (key None) and those of the quizzes, in one query."""
    wanted = Q(quiz__in=list(quiz_ids)) | Q(quiz__isnull=True)
    return {o.quiz_id: o for o in QuizOverride.objects.filter(person_id=person_id).filter(wanted)}


def _rules(quiz: Quiz, overrides: dict[int | None, QuizOverride]) -> QuizRules:
    own, general = overrides.get(quiz.pk), overrides.get(None)

    def overridden(field: str) -> Any:
        for override in (own, general):
            if override is not None and getattr(override, field) is not None:
                return getattr(override, field)
        return None

    multiplier = overridden("time_multiplier") or Decimal(1)
    opens_at, closes_at = overridden("opens_at"), overridden("closes_at")
    return QuizRules(
        opens_at=opens_at if opens_at is not None else quiz.opens_at,
        closes_at=closes_at if closes_at is not None else quiz.closes_at,
        time_limit_seconds=math.ceil(quiz.time_limit_seconds * multiplier),
        time_multiplier=multiplier,
        max_attempts=quiz.max_attempts + (overridden("extra_attempts") or 0),
        cooldown=timedelta(minutes=quiz.cooldown_minutes),
    )


def quiz_rules(*, quiz: Quiz, person_id: int) -> QuizRules:
    """The quiz's rules for the person, in one query (their overrides)."""
    return _rules(quiz, _overrides_of(person_id, [quiz.pk]))


def attempt_ended_at(attempt: Attempt) -> datetime:
    """When an attempt ended, for the cooling period: its submission, or its deadline when it
    was submitted later (by the sweep) or not at all."""
    if attempt.submitted_at is None:
        return attempt.deadline
    return min(attempt.submitted_at, attempt.deadline)


@dataclass(frozen=True)
class PersonQuizResult:
    enrolment_id: int
    cycle: int
    course_id: int
    quiz_id: int
    quiz_title: str
    result: grading.QuizResult


# With "enrolment_id", what a row needs for `results_of_rows` beyond the attempt's own columns.
RESULT_FIELDS = {
    "cycle": F("enrolment__cycle"),
    "grading_method": F("quiz__grading_method"),
    "pass_mark": F("quiz__pass_mark"),
}


def _results(attempts: QuerySet[Attempt]) -> dict[tuple[int, int], PersonQuizResult]:
    """The result under each quiz's grading method of the graded attempts given, per
    (enrolment, quiz), in one query. Attempts awaiting review are left out until released."""
    graded = attempts.filter(status=Attempt.Status.GRADED).values(
        "id", "number", "percent", "quiz_id", "status", "enrolment_id",
        quiz_title=F("quiz__title"), course_id=F("enrolment__course_id"), **RESULT_FIELDS,
    )  # fmt: skip
    return results_of_rows(graded)


def results_of_rows(attempts: Iterable[Mapping[str, Any]]) -> dict[tuple[int, int], PersonQuizResult]:
    """`_results` over attempt rows already read (dicts with `id`, `number`, `percent`,
    `status`, `quiz_id`, `quiz_title`, `course_id` and the RESULT_FIELDS): no query."""
    rows: dict[tuple[int, int], list[grading.GradedAttempt]] = {}
    about: dict[tuple[int, int], Mapping[str, Any]] = {}
    for a in attempts:
        if a["status"] != Attempt.Status.GRADED or a["enrolment_id"] is None:
            continue
        key = (a["enrolment_id"], a["quiz_id"])
        rows.setdefault(key, []).append(
            grading.GradedAttempt(id=a["id"], number=a["number"], percent=a["percent"] or Decimal(0))
        )
        about[key] = a
    results = {}
    for key, graded_attempts in rows.items():
        a = about[key]
        result = grading.quiz_result(graded_attempts, method=a["grading_method"], pass_mark=a["pass_mark"])
        if result is not None:
            results[key] = PersonQuizResult(
                key[0], a["cycle"], a["course_id"], key[1], a["quiz_title"], result
            )
    return results


def quiz_result(*, enrolment_id: int, quiz_id: int) -> grading.QuizResult | None:
    """A person's result on a quiz in one cycle of its course, under the quiz's grading method
    (pass: the method's percent reaches the pass mark); None before a graded attempt."""
    found = _results(Attempt.objects.filter(enrolment_id=enrolment_id, quiz_id=quiz_id))
    row = found.get((enrolment_id, quiz_id))
    return row.result if row is not None else None


def quiz_results_of_person(*, person_id: int) -> list[PersonQuizResult]:
    """Every result of the person, per course, cycle and quiz, in one query."""
    return sorted_results(_results(Attempt.objects.filter(person_id=person_id)))


def sorted_results(found: Mapping[tuple[int, int], PersonQuizResult]) -> list[PersonQuizResult]:
    return sorted(found.values(), key=lambda r: (r.course_id, r.cycle, r.quiz_id))


def enrolment_evidence(*, enrolment: Enrolment) -> list[int] | None:
    """The attempts that complete the course in this cycle: for every published quiz, the
    attempts its result under the quiz's grading method rests on; None while the result of a
    quiz is not a pass."""
    return enrolments_evidence(enrolments=[enrolment])[enrolment.pk]


def enrolments_evidence(*, enrolments: Sequence[Enrolment]) -> dict[int, list[int] | None]:
    """`enrolment_evidence` of many enrolments, by enrolment id, in two queries whatever their
    number (their courses' published quizzes, their graded attempts)."""
    if not enrolments:
        return {}
    quizzes: dict[int, set[int]] = {}
    published = (
        Quiz.objects.filter(module__course__in={e.course_id for e in enrolments}, versions__isnull=False)
        .order_by()
        .values_list("module__course_id", "pk")
        .distinct()
    )
    for course_id, quiz_id in published:
        quizzes.setdefault(course_id, set()).add(quiz_id)
    passed: dict[int, dict[int, grading.QuizResult]] = {}
    for (enrolment_id, quiz_id), r in _results(
        Attempt.objects.filter(enrolment__in=[e.pk for e in enrolments])
    ).items():
        if r.result.passed:
            passed.setdefault(enrolment_id, {})[quiz_id] = r.result
    evidence: dict[int, list[int] | None] = {}
    for enrolment in enrolments:
        course_quizzes, results = quizzes.get(enrolment.course_id, set()), passed.get(enrolment.pk, {})
        complete = course_quizzes and course_quizzes <= results.keys()
        evidence[enrolment.pk] = (
            sorted(a for q in course_quizzes for a in results[q].attempts) if complete else None
        )
    return evidence


def quiz_states_for_person(
    *, quizzes: Sequence[Quiz], person: Person, now: datetime | None = None
) -> dict[int, dict[str, Any]]:
    """What the learner's pages and API show of each quiz (of one course) before a start: the
    person's window, time limit, attempts used and left in the current cycle, when the next may
    start, and the result so far. Four queries or so, however many quizzes."""
    now = now or timezone.now()
    if not quizzes:
        return {}
    overrides = _overrides_of(person.pk, [q.pk for q in quizzes])
    latest = enrolment_latest(person_id=person.pk, course_id=quizzes[0].module.course_id)
    current = latest if latest is not None and enrolment_is_current(enrolment=latest, now=now) else None
    in_cycle: dict[int, list[Attempt]] = {}
    results: dict[tuple[int, int], PersonQuizResult] = {}
    if current is not None:
        attempts = Attempt.objects.filter(enrolment=current, quiz__in=quizzes)
        for a in attempts.only("id", "quiz_id", "submitted_at", "deadline", "status"):
            in_cycle.setdefault(a.quiz_id, []).append(a)
        results = _results(attempts)
    states = {}
    for quiz in quizzes:
        rules = _rules(quiz, overrides)
        taken = in_cycle.get(quiz.pk, [])
        ended = [attempt_ended_at(a) for a in taken if a.status != Attempt.Status.IN_PROGRESS]
        next_at = max(ended) + rules.cooldown if ended and rules.cooldown else None
        if next_at is not None and next_at <= now:
            next_at = None
        if next_at is None and rules.opens_at is not None and now < rules.opens_at:
            next_at = rules.opens_at
        found = results.get((current.pk, quiz.pk)) if current is not None else None
        states[quiz.pk] = {
            "opens_at": rules.opens_at,
            "closes_at": rules.closes_at,
            "window": rules.window_state(now),
            "time_limit_seconds": rules.time_limit_seconds,
            "attempts_allowed": rules.max_attempts,
            "attempts_used": len(taken),
            "attempts_left": max(0, rules.max_attempts - len(taken)),
            "next_attempt_at": next_at,
            "grading_method": quiz.grading_method,
            "result": found.result if found is not None else None,
        }
    return states


def attempt_get_for_person(*, attempt_id: int, person: Person | None) -> Attempt | None:
    if person is None:
        return None
    # Whose it is, nothing more: the services lock and read the attempt with its version.
    return Attempt.objects.only("id", "person_id").filter(pk=attempt_id, person=person).first()


def attempt_get_for_user(*, attempt_id: int, user_id: int | None) -> Attempt | None:
    """`attempt_get_for_person` for the signed-in user, in one query (the person by a join)."""
    if user_id is None:
        return None
    return Attempt.objects.only("id", "person_id").filter(pk=attempt_id, person__user_id=user_id).first()


def attempt_for_answers(*, attempt_id: int, user_id: int | None = None) -> Attempt | None:
    """What a save of answers reads of the attempt, in one query: its state, deadline and layout,
    and its version without the spec (`version_questions` keeps that per process); with
    `user_id`, only that user's attempt (someone else's is as unknown as a missing one)."""
    attempts = Attempt.objects.select_related("version").defer("version__spec").filter(pk=attempt_id)
    if user_id is not None:
        attempts = attempts.filter(person__user_id=user_id)
    return attempts.first()


# A version's questions by id, parsed once per process: versions are frozen but for a regrade's
# fixed keys, which raise `revision`; keyed by id, publication time (a test database that hands
# an id out again is not the same version) and revision. Callers never change what they get.
_version_questions: dict[tuple[int, datetime, int], dict[int, dict[str, Any]]] = {}


def version_questions(version: QuizVersion) -> dict[int, dict[str, Any]]:
    """The questions of the version's spec by id, without reading or parsing the spec again
    when this process has it (a save, a start and an attempt's page read it per request)."""
    if version.pk is None or version.published_at is None:  # not saved: nothing to key it by
        return {q["id"]: q for q in version.spec["questions"]}
    key = (version.pk, version.published_at, version.revision)
    questions = _version_questions.get(key)
    if questions is None:
        spec = (
            QuizVersion.objects.values_list("spec", flat=True).get(pk=version.pk)
            if "spec" in version.get_deferred_fields()
            else version.spec
        )
        if len(_version_questions) > 1000:
            _version_questions.clear()
        questions = _version_questions[key] = {q["id"]: q for q in spec["questions"]}
    return questions


def attempts_of_person(*, person: Person) -> QuerySet[Attempt]:
    return Attempt.objects.filter(person=person).select_related("quiz__module__course").order_by("started_at")


def attempt_questions_public(*, attempt: Attempt) -> list[dict[str, Any]]:
    """The attempt's questions in its own order, without any key."""
    spec = version_questions(attempt.version)
    questions = []
    for item in attempt.layout:
        q = spec[item["question"]]
        questions.append(
            {
                "id": q["id"],
                "type": q["type"],
                "text": q["text"],
                "text_format": q.get("text_format", "plain"),
                "text_en": q["text_en"],
                "points": q["points"],
                **question_types.get(q["type"]).public(q, item),
            }
        )
    return questions


@dataclass(frozen=True)
class ReviewShown:
    """Which parts of a graded attempt its learner sees now, under the quiz's review policy."""

    score: bool = False
    correctness: bool = False
    feedback: bool = False
    answers: bool = False

    @property
    def anything(self) -> bool:
        return self.correctness or self.feedback or self.answers


class _ReviewFacts:
    """What the policy's conditions ask of the attempt's person, each read once, when asked."""

    def __init__(self, attempt: Attempt, now: datetime):
        self.attempt, self.now = attempt, now

    @cached_property
    def rules(self) -> QuizRules:
        return quiz_rules(quiz=self.attempt.quiz, person_id=self.attempt.person_id)

    @cached_property
    def closed(self) -> bool:
        return self.rules.window_state(self.now) == "closed"

    @cached_property
    def passed(self) -> bool:
        result = quiz_result(enrolment_id=self.attempt.enrolment_id, quiz_id=self.attempt.quiz_id)
        return result is not None and result.passed

    @cached_property
    def keys_cannot_help(self) -> bool:
        """The learner can take this quiz no more: the attempt is in the person's current
        cycle, and the result passed, the attempts allowed are used or the quiz closed for
        them. Once a new cycle may open (the certificate expired or was revoked), the keys are
        hidden again."""
        if not enrolment_is_current(enrolment=self.attempt.enrolment, now=self.now):
            return False
        if self.passed or self.closed:
            return True
        tried = Attempt.objects.filter(
            enrolment_id=self.attempt.enrolment_id, quiz_id=self.attempt.quiz_id
        ).count()
        return tried >= self.rules.max_attempts

    def reached(self, when: str) -> bool:
        if when == Quiz.ReviewWhen.IMMEDIATELY:
            return True
        if when == Quiz.ReviewWhen.AFTER_CLOSE:
            return self.closed
        if when == Quiz.ReviewWhen.AFTER_PASS:
            return self.passed
        return False


def attempt_review_shown(*, attempt: Attempt, now: datetime | None = None) -> ReviewShown:
    """The quiz's review policy applied to one attempt now: nothing before it is graded (an
    attempt awaiting review shows what is graded so far); each part once its time came (right
    after grading, after the person's close date, once the person's result passes, never);
    feedback and right answers, which tell the key, only once the learner can take the quiz no
    more as well."""
    if attempt.status not in (Attempt.Status.GRADED, Attempt.Status.NEEDS_REVIEW):
        return ReviewShown()
    quiz, facts = attempt.quiz, _ReviewFacts(attempt, now or timezone.now())
    return ReviewShown(
        score=facts.reached(quiz.review_score),
        correctness=facts.reached(quiz.review_correctness),
        feedback=facts.reached(quiz.review_feedback) and facts.keys_cannot_help,
        answers=facts.reached(quiz.review_answers) and facts.keys_cannot_help,
    )


def attempt_answers(*, attempt: Attempt, responses: Iterable[Response] | None = None) -> list[dict[str, Any]]:
    """The attempt's saved answers (or those of `responses`), each under the key its question's
    type reads."""
    questions = version_questions(attempt.version)
    answers = []
    for r in attempt.responses.all() if responses is None else responses:
        question_type = question_types.get(questions[r.question_ref]["type"])
        stored = getattr(r, question_type.stored_in)
        answer: dict[str, Any] = {"question": r.question_ref, "choices": r.choices}
        if question_type.answer_key != "choices":
            answer[question_type.answer_key] = str(stored) if question_type.stored_in == "value" else stored
        answers.append(answer)
    return answers


def attempt_feedback(*, attempt: Attempt, shown: ReviewShown | None = None) -> list[dict[str, Any]]:
    """Per-question results, as much as the quiz's review policy shows (`attempt_review_shown`):
    `correct` and `score` (which were right), `explanation`, `general_feedback` and the
    grader's `comment` (feedback), the type's key (right answers)."""
    shown = shown or attempt_review_shown(attempt=attempt)
    if not shown.anything:
        return []
    spec = version_questions(attempt.version)
    responses = {r.question_ref: r for r in attempt.responses.all()}
    feedback = []
    for item in attempt.layout:
        q = spec[item["question"]]
        response = responses.get(item["question"])
        row: dict[str, Any] = {"question": item["question"]}
        awaiting = question_types.get(q["type"]).graded_by_hand and (
            response is None or response.reviewed_at is None
        )
        if awaiting:
            # Not graded yet: awaiting review, never a 0 nor wrong.
            row["awaiting_review"] = True
        if shown.correctness:
            row["correct"] = None if awaiting else bool(response and response.correct)
            row["score"] = (
                None
                if awaiting
                else str(response.score)
                if response and response.score is not None
                else "0.00"
            )
        if shown.answers:
            row.update(question_types.get(q["type"]).review(q))
        if shown.feedback:
            row["explanation"] = q["explanation"]
            row["explanation_en"] = q["explanation_en"]
            if q.get("general_feedback"):
                row["general_feedback"] = q["general_feedback"]
            comment = (response.review or {}).get("comment") if response is not None else None
            if comment and not awaiting:
                row["comment"] = comment
        feedback.append(row)
    return feedback


def attempt_open_for_person(*, person: Person, quiz_id: int) -> Attempt | None:
    """The person's attempt of the quiz that is still in progress, if any (the pages resume it)."""
    return Attempt.objects.filter(person=person, quiz_id=quiz_id, status=Attempt.Status.IN_PROGRESS).first()


def attempt_for_page(*, attempt_id: int, person: Person | None) -> Attempt | None:
    """One of the person's attempts with what its page shows: version, quiz, course, answers."""
    if person is None:
        return None
    return (
        Attempt.objects.select_related("version", "quiz__module__course")
        .prefetch_related("responses")
        .filter(pk=attempt_id, person=person)
        .first()
    )


def attempts_of_quiz(*, quiz: Quiz) -> QuerySet[Attempt]:
    """Every attempt of a quiz, newest first, with its person and unit (instructors' list)."""
    return Attempt.objects.filter(quiz=quiz).select_related("person__unit").order_by("-started_at", "-pk")


def quiz_for_authoring(*, quiz_id: int) -> Quiz | None:
    """A quiz with its draft questions (keys included), choices and versions."""
    return (
        Quiz.objects.select_related("module__course")
        .prefetch_related("questions__choices", "versions")
        .filter(pk=quiz_id)
        .first()
    )


def quiz_for_learner(*, quiz_id: int) -> Quiz | None:
    """A published quiz of a published course (what a learner may open)."""
    return (
        Quiz.objects.select_related("module__course")
        .filter(pk=quiz_id, module__course__status=Course.Status.PUBLISHED, versions__isnull=False)
        .distinct()
        .first()
    )


def quiz_get(*, quiz_id: int) -> Quiz | None:
    return Quiz.objects.select_related("module__course").filter(pk=quiz_id).first()


def quiz_version(*, quiz: Quiz, number: int | None = None) -> QuizVersion | None:
    """The quiz's published version `number`, or its latest (its current one) without one."""
    versions = QuizVersion.objects.filter(quiz=quiz)
    if number is not None:
        versions = versions.filter(number=number)
    return versions.order_by("-number").first()


def regrade_get(*, regrade_id: int) -> Regrade | None:
    """A regrade job with what its progress page and the API show (version, who asked)."""
    return Regrade.objects.select_related("quiz", "version", "requested_by").filter(pk=regrade_id).first()


def regrades_of_quiz(*, quiz: Quiz) -> QuerySet[Regrade]:
    return Regrade.objects.filter(quiz=quiz).select_related("version", "requested_by").order_by("-pk")


# --- The question bank ---
def category_parents() -> dict[int, int | None]:
    """Every category's parent, in one query (the tree is small: a bank's themes)."""
    return dict(Category.objects.values_list("pk", "parent_id"))


def category_subtree(*, category_id: int) -> list[int]:
    """The category and every category under it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in category_parents().items():
        children.setdefault(parent, []).append(pk)
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def category_get(*, category_id: int) -> Category | None:
    return Category.objects.filter(pk=category_id).first()


def category_paths() -> dict[int, tuple[str, ...]]:
    """Every category's path of names, top first."""
    rows = {
        pk: (name, parent) for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, tuple[str, ...]] = {}

    def path(pk: int) -> tuple[str, ...]:
        if pk not in paths:
            name, parent = rows[pk]
            paths[pk] = (*(path(parent) if parent is not None else ()), name)
        return paths[pk]

    for pk in rows:
        path(pk)
    return paths


def categories_with_counts() -> "QuerySet[Category]":
    return Category.objects.annotate(question_count=Count("questions")).order_by("parent_id", "name", "pk")


def tags_with_counts() -> "QuerySet[Tag]":
    """Every tag with how many questions have it and how many random slots draw from it."""
    return Tag.objects.annotate(
        question_count=Count("questions", distinct=True), slot_count=Count("slots", distinct=True)
    ).order_by("name", "pk")


def questions_for_gift(*, quiz: Quiz | None = None, category: Category | None = None) -> list[dict[str, Any]]:
    """The questions of a quiz, or of a category and its subcategories, as `gift.write` takes
    them (keys included: instructors only)."""
    questions = Question.objects.prefetch_related("choices", "tags").order_by("category_id", "order", "pk")
    if quiz is not None:
        questions = questions.filter(quiz=quiz)
    if category is not None:
        questions = questions.filter(category__in=category_subtree(category_id=category.pk))
    paths = category_paths()
    return [
        {
            "type": q.type,
            "key": q.key,
            "name": q.name or q.key,
            "text": q.text,
            "text_format": q.text_format,
            "text_en": q.text_en,
            "explanation": q.explanation,
            "explanation_en": q.explanation_en,
            "general_feedback": q.general_feedback,
            "points": q.points,
            "category": paths[q.category_id] if q.category_id else (),
            "tags": [t.name for t in q.tags.all()],
            "choices": [
                {
                    "text": c.text,
                    "is_correct": c.is_correct,
                    "weight": c.weight,
                    "feedback": c.feedback,
                }
                for c in q.choices.all()
            ],
            "content": q.content,
        }
        for q in questions
    ]


def attempt_ids_existing(*, attempt_ids: Iterable[int]) -> list[int]:
    return list(Attempt.objects.filter(pk__in=list(attempt_ids)).values_list("pk", flat=True))


def reviews_pending(*, quiz_id: int | None = None) -> list[dict[str, Any]]:
    """The manual grading queue: every hand-graded answer (essay) of an attempt that awaits
    review and has not been graded, oldest submission first, with its question and frozen rubric.
    Two queries whatever its length (attempts with their versions, then their answers)."""
    attempts = Attempt.objects.filter(status=Attempt.Status.NEEDS_REVIEW).select_related("version")
    if quiz_id is not None:
        attempts = attempts.filter(quiz_id=quiz_id)
    attempts = attempts.order_by("submitted_at", "pk").prefetch_related("responses")
    queue = []
    for attempt in attempts:
        specs = {q["id"]: q for q in attempt.version.spec["questions"]}
        for r in attempt.responses.all():
            q = specs[r.question_ref]
            if r.reviewed_at is not None or not question_types.get(q["type"]).graded_by_hand:
                continue
            queue.append(
                {
                    "id": r.pk,
                    "attempt": attempt.pk,
                    "quiz": attempt.quiz_id,
                    "submitted_at": attempt.submitted_at,
                    "question": {
                        "id": q["id"],
                        "text": q["text"],
                        "text_en": q.get("text_en", ""),
                        "points": q["points"],
                        "rubric": [{"criterion": c, "points": p} for c, p in essay.criteria(q)],
                    },
                    "text": r.text,
                }
            )
    return queue


def regrade_reason(*, regrade_id: int) -> str | None:
    return Regrade.objects.filter(pk=regrade_id).values_list("reason", flat=True).first()
