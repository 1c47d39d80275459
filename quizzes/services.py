"""Writes of the quiz flow: publish, start, save answers, submit, grade, sweep."""

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import Conflict, ServiceError
from courses.models import Course
from people.models import Person
from quizzes import grading, question_types
from quizzes.models import Attempt, Choice, Question, Quiz, QuizVersion, Response

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@dataclass(frozen=True)
class Answer:
    """One answer as the API receives it; `choices` for choice questions."""

    question: int
    choices: tuple[int, ...] | None = None
    text: str | None = None
    value: Any = None


# --- Authoring ------------------------------------------------------------------------------


def quiz_publish(*, quiz: Quiz) -> QuizVersion:
    """Freeze the quiz's current questions and keys as the version new attempts use."""
    questions = list(quiz.questions.prefetch_related("choices"))
    if not questions:
        raise ServiceError("A quiz needs at least one question to be published.", code="quiz_empty")
    frozen = []
    for q in questions:
        question_type = _question_type(q.type)
        own = question_type.freeze(q)
        question_type.check_keys(own)
        frozen.append(
            {
                "id": q.pk,
                "key": q.key,
                "type": q.type,
                "text": q.text,
                "text_en": q.text_en,
                "explanation": q.explanation,
                "explanation_en": q.explanation_en,
                "points": q.points,
                **own,
            }
        )
    spec = {
        "quiz": quiz.pk,
        "pass_mark": quiz.pass_mark,
        "time_limit_seconds": quiz.time_limit_seconds,
        "questions": frozen,
    }
    with transaction.atomic():
        Quiz.objects.select_for_update().get(pk=quiz.pk)
        latest = quiz.versions.aggregate(n=Max("number"))["n"] or 0
        previous = quiz.versions.filter(number=latest).first()
        if previous and previous.spec == spec:
            return previous  # nothing changed since the last publish
        return QuizVersion.objects.create(quiz=quiz, number=latest + 1, spec=spec)


def _question_type(name: str) -> question_types.QuestionType[Any]:
    """The registered type of a question being written or published (400 if there is none)."""
    try:
        return question_types.get(name)
    except question_types.UnknownQuestionType:
        raise ServiceError(f"There is no question type {name!r}.", code="unknown_type") from None


@transaction.atomic
def question_save(
    *, quiz: Quiz, data: dict[str, Any], choices: list[dict[str, Any]], question: Question | None = None
) -> Question:
    """Create or replace a question with its choices (the whole set of choices is replaced)."""
    _question_type(data.get("type") or (question.type if question else "")).check_keys({"choices": choices})
    if question is None:
        question = Question(quiz=quiz)
    for field, value in data.items():
        setattr(question, field, value)
    question.full_clean(exclude=["quiz"])
    question.save()
    question.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(
            question=question,
            order=i,
            text=c["text"],
            text_en=c.get("text_en", ""),
            is_correct=bool(c.get("is_correct")),
        )
        for i, c in enumerate(choices)
    )
    return question


# --- The learner's flow ---------------------------------------------------------------------


def _grace() -> timedelta:
    return timedelta(seconds=settings.LENCANA_ATTEMPT_GRACE_SECONDS)


def _is_past_deadline(attempt: Attempt, now: datetime) -> bool:
    return now > attempt.deadline + _grace()


def attempt_start(*, quiz: Quiz, person: Person) -> Attempt:
    version = quiz.versions.order_by("-number").first()
    if version is None or quiz.module.course.status != Course.Status.PUBLISHED:
        raise Conflict("This quiz is not open for attempts.", code="quiz_not_published")
    now = timezone.now()
    with transaction.atomic():
        # Serialises one person's starts, so the attempt count below cannot race.
        Person.objects.select_for_update().get(pk=person.pk)
        attempts = list(
            Attempt.objects.filter(person=person, quiz=quiz).only("id", "status", "deadline", "passed")
        )
        for open_attempt in (a for a in attempts if a.status == Attempt.Status.IN_PROGRESS):
            if not _is_past_deadline(open_attempt, now):
                raise Conflict(
                    f"Attempt {open_attempt.pk} is still in progress; finish it first.",
                    code="attempt_in_progress",
                )
            _submit_locked(Attempt.objects.select_for_update().get(pk=open_attempt.pk), now=now, auto=True)
        if any(a.passed for a in attempts):
            raise Conflict("You have already passed this quiz.", code="already_passed")
        if len(attempts) >= quiz.max_attempts:
            raise Conflict(
                f"All {quiz.max_attempts} attempts allowed for this quiz are used.", code="no_attempts_left"
            )
        rng = random.SystemRandom()
        questions = list(version.spec["questions"])
        rng.shuffle(questions)
        layout = [{"question": q["id"], **question_types.get(q["type"]).layout(q, rng)} for q in questions]
        try:
            with transaction.atomic():
                return Attempt.objects.create(
                    quiz=quiz,
                    version=version,
                    person=person,
                    number=len(attempts) + 1,
                    layout=layout,
                    started_at=now,
                    deadline=now + timedelta(seconds=quiz.time_limit_seconds),
                )
        except IntegrityError as exc:
            raise Conflict(
                "Another attempt was started at the same time.", code="attempt_in_progress"
            ) from exc


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
    specs = {q["id"]: q for q in attempt.version.spec["questions"]}
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


def _save_locked(attempt: Attempt, answers: Sequence[Answer], now: datetime) -> None:
    validated = _validated_answers(attempt, answers)
    existing = {r.question_ref: r for r in attempt.responses.all()}
    to_update, to_create = [], []
    for question_id, (field, stored) in validated.items():
        response = existing.get(question_id)
        if response is None:
            to_create.append(
                Response(attempt=attempt, question_ref=question_id, saved_at=now, **{field: stored})
            )
        else:
            setattr(response, field, stored)
            response.saved_at = now
            to_update.append(response)
    Response.objects.bulk_create(to_create)
    fields = sorted({field for field, _ in validated.values()})
    Response.objects.bulk_update(to_update, [*fields, "saved_at"])


def _locked(attempt_id: int) -> Attempt:
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("version", "quiz__module")
        .get(pk=attempt_id)
    )


@transaction.atomic
def attempt_save_answers(*, attempt: Attempt, answers: Sequence[Answer]) -> Attempt:
    attempt = _locked(attempt.pk)
    now = timezone.now()
    _check_open(attempt, now)
    _save_locked(attempt, answers, now)
    return attempt


def _submit_locked(attempt: Attempt, *, now: datetime, auto: bool) -> None:
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at = now
    attempt.auto_submitted = auto
    attempt.grade_enqueued_at = now
    attempt.save(update_fields=["status", "submitted_at", "auto_submitted", "grade_enqueued_at"])
    _enqueue_grading(attempt.pk)


def _enqueue_grading(attempt_id: int) -> None:
    from quizzes.tasks import grade_attempt_task

    transaction.on_commit(lambda: grade_attempt_task.delay(attempt_id))


@transaction.atomic
def attempt_submit(*, attempt: Attempt, answers: Sequence[Answer] = ()) -> Attempt:
    """Close the attempt and queue grading after commit. Submitting twice changes nothing;
    answers sent with the submit are saved first, under the same rules as a PATCH."""
    attempt = _locked(attempt.pk)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return attempt
    now = timezone.now()
    if answers:
        _check_open(attempt, now)
        _save_locked(attempt, answers, now)
    _submit_locked(attempt, now=now, auto=False)
    return attempt


def attempt_grade(*, attempt_id: int) -> Attempt:
    """Grade a submitted attempt; an attempt in any other state is left as it is, so running
    this twice (a redelivered message, a sweep) grades once."""
    with transaction.atomic():
        attempt = _locked(attempt_id)
        if attempt.status != Attempt.Status.SUBMITTED:
            return attempt
        in_attempt = {item["question"] for item in attempt.layout}
        specs = [
            grading.QuestionSpec.from_spec(q)
            for q in attempt.version.spec["questions"]
            if q["id"] in in_attempt
        ]
        responses = list(attempt.responses.all())
        stored_in = {s.id: question_types.get(s.type).stored_in for s in specs}
        result = grading.grade_attempt(
            specs,
            {r.question_ref: getattr(r, stored_in[r.question_ref]) for r in responses},
            pass_mark=attempt.version.spec["pass_mark"],
        )
        by_question = {g.question_id: g for g in result.questions}
        for response in responses:
            response.score = by_question[response.question_ref].score
            response.correct = by_question[response.question_ref].correct
        Response.objects.bulk_update(responses, ["score", "correct"])
        attempt.score, attempt.max_score = result.score, result.max_score
        attempt.percent, attempt.passed = result.percent, result.passed
        attempt.status = Attempt.Status.GRADED
        attempt.graded_at = timezone.now()
        attempt.save(update_fields=["score", "max_score", "percent", "passed", "status", "graded_at"])
        if result.passed:
            _enqueue_certificate(person_id=attempt.person_id, course_id=attempt.quiz.module.course_id)
    logger.info("graded attempt %s: %s%% passed=%s", attempt.pk, result.percent, result.passed)
    return attempt


def _enqueue_certificate(*, person_id: int, course_id: int) -> None:
    from certificates.tasks import issue_certificate_task

    transaction.on_commit(lambda: issue_certificate_task.delay(person_id, course_id))


@dataclass(frozen=True)
class SweepResult:
    auto_submitted: int
    requeued: int


def attempts_sweep(*, now: datetime | None = None) -> SweepResult:
    """Submit attempts whose time ran out, and queue again any attempt left `submitted` for
    longer than LENCANA_REQUEUE_AFTER_SECONDS (a lost or unacknowledged message)."""
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
    cutoff = now - timedelta(seconds=settings.LENCANA_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        stale = list(
            Attempt.objects.select_for_update(skip_locked=True)
            .filter(status=Attempt.Status.SUBMITTED, grade_enqueued_at__lt=cutoff)
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        Attempt.objects.filter(pk__in=stale).update(grade_enqueued_at=now)
        for attempt_id in stale:
            _enqueue_grading(attempt_id)
    if overdue or stale:
        logger.info("sweep: %s auto-submitted, %s re-queued", len(overdue), len(stale))
    return SweepResult(auto_submitted=len(overdue), requeued=len(stale))
