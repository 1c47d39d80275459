"""Regrading a published version after a key was fixed or questions dropped: the dry run, the
job, and its batches.

Set-based: only the answers to the questions whose grading changed (another key, a dropped
question) are read, as plain values, and each distinct answer is graded once by the pure grading
of its type (most learners give one of a handful of answers); every other answer keeps the
score it has, which is what it earns under the fixed spec too. An attempt's total moves by what
its answers gained or lost. A batch of attempts is one transaction of a few statements whatever
its size (`core.bulk`: the answers' new scores in one UPDATE, the changed attempts in another,
their `RegradeChange` rows and `attempt.regraded` events in one INSERT each); `last_attempt`
moves with it, so a run cut short resumes after the last batch committed and regrades nothing
twice."""

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import bulk
from core.errors import Conflict, ServiceError
from core.services import field_error
from events import outbox, types
from quizzes import grading, question_types
from quizzes.models import Attempt, Question, Quiz, QuizVersion, Regrade, RegradeChange, Response
from quizzes.services import _question_type

logger = logging.getLogger(__name__)

REGRADE_BATCH = 10_000
"""Attempts per transaction: big enough that a batch's statements outweigh its round trips,
small enough that a batch's locks are held about a second."""
IN_CHUNK = 500
"""Rows per INSERT of the answers a newly dropped question adds."""


@dataclass(frozen=True)
class RegradeChangeRow:
    attempt: int
    old_score: Decimal | None
    new_score: Decimal | None
    old_passed: bool | None
    new_passed: bool | None


def _fixed_spec(version: QuizVersion, dropped: Sequence[int]) -> dict[str, Any]:
    """The version's spec with the keys of the draft bank as they are now, and `dropped`
    questions marked (full credit to everyone). What the learner saw (texts, choice ids, the
    order) stays: choices take the draft's key by their position, so a choice set whose size
    changed cannot be regraded (`choices_changed`); a question gone from the bank keeps its key."""
    spec = dict(version.spec)
    questions = {q["id"]: q for q in spec["questions"]}
    unknown = [qid for qid in dropped if qid not in questions]
    if unknown:
        raise ServiceError(f"Questions {unknown} are not in this version.", code="unknown_question")
    drafts = {q.pk: q for q in Question.objects.filter(pk__in=questions).prefetch_related("choices")}
    fixed = []
    for old in spec["questions"]:
        new = dict(old)
        draft = drafts.get(old["id"])
        if draft is not None and draft.type == old["type"]:
            own = _question_type(draft.type).freeze(draft)
            if "choices" in own:
                if len(own["choices"]) != len(old.get("choices") or ()):
                    raise ServiceError(
                        f"Question {old['id']} has a different number of choices now; "
                        "a regrade can fix keys, not change what learners were shown.",
                        code="choices_changed",
                    )
                own["choices"] = [
                    {**was, **{k: now[k] for k in ("is_correct", "weight", "feedback")}}
                    for was, now in zip(old["choices"], own["choices"], strict=True)
                ]
            new.update(own)
            new["general_feedback"], new["explanation"] = draft.general_feedback, draft.explanation
        new.pop("dropped", None)
        if old["id"] in dropped or old.get("dropped"):
            new["dropped"] = True
        fixed.append(new)
    spec["questions"] = fixed
    return spec


# --- The plan: which questions a regrade rescores -------------------------------------------


@dataclass(frozen=True)
class _Rescored:
    """One question whose grading differs between the two specs."""

    spec: grading.QuestionSpec
    stored_in: str
    by_hand: bool
    dropped: bool
    newly_dropped: bool


@dataclass(frozen=True)
class _Plan:
    questions: dict[int, _Rescored]
    pass_mark: int

    @property
    def columns(self) -> list[str]:
        return sorted({q.stored_in for q in self.questions.values()})


def _plan(before: Mapping[str, Any], after: Mapping[str, Any]) -> _Plan:
    """The questions of `after` that grade differently from `before`: another key or another
    drop. Every other answer scores under `after` what it scored under `before`."""
    if before.get("pass_mark") != after["pass_mark"]:
        # _fixed_spec never changes it; a pass mark is changed by publishing a new version.
        raise ServiceError("A regrade cannot change the pass mark.", code="pass_mark_changed")
    old = {q["id"]: q for q in before["questions"]}
    rescored = {}
    for q in after["questions"]:
        new_spec = grading.QuestionSpec.from_spec(q)
        was = old.get(q["id"])
        was_dropped, dropped = bool(was and was.get("dropped")), bool(q.get("dropped"))
        if was is not None and was_dropped == dropped and grading.QuestionSpec.from_spec(was) == new_spec:
            continue
        question_type = question_types.get(q["type"])
        rescored[q["id"]] = _Rescored(
            spec=new_spec,
            stored_in=question_type.stored_in,
            by_hand=question_type.graded_by_hand,
            dropped=dropped,
            newly_dropped=dropped and not was_dropped,
        )
    return _Plan(questions=rescored, pass_mark=after["pass_mark"])


def _frozen_answer(value: Any) -> Any:
    """A stored answer as a dict key (JSON lists become tuples)."""
    if isinstance(value, list):
        return tuple(_frozen_answer(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen_answer(v)) for k, v in value.items()))
    return value


# --- A batch ---------------------------------------------------------------------------------


@dataclass
class _Batch:
    """What regrading a batch changes: rows for `core.bulk` (the responses' and the attempts'
    new values by `pk`), the answers a newly dropped question adds, and the news."""

    responses: list[dict[str, Any]] = field(default_factory=list)
    new_responses: list[Response] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    changes: list[RegradeChangeRow] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _regrade_attempts(version: QuizVersion) -> QuerySet[Attempt]:
    return Attempt.objects.filter(
        version=version, status__in=[Attempt.Status.GRADED, Attempt.Status.NEEDS_REVIEW]
    ).order_by("pk")


def _batch_of(
    version: QuizVersion, plan: _Plan, after: int, upto: int, *, course_id: int, regrade_id: int | None
) -> _Batch:
    """What regrading the version's attempts with ids in (after, upto] changes. Reads only."""
    out = _Batch()
    if not plan.questions:
        return out
    in_range = {
        "attempt__version": version,
        "attempt__status__in": [Attempt.Status.GRADED, Attempt.Status.NEEDS_REVIEW],
        "attempt_id__gt": after,
        "attempt_id__lte": upto,
    }
    answers = Response.objects.filter(**in_range, question_ref__in=plan.questions).values_list(
        "pk", "attempt_id", "question_ref", "score", "correct", "reviewed_at", *plan.columns
    )
    column_of = {name: 6 + i for i, name in enumerate(plan.columns)}  # after the six above
    graded: dict[tuple[int, Any], grading.QuestionGrade] = {}
    delta: dict[int, Decimal] = {}
    answered: set[tuple[int, int]] = set()
    for row in answers.iterator(chunk_size=5000):
        pk, attempt_id, qid, score, correct = row[:5]
        question = plan.questions[qid]
        answered.add((attempt_id, qid))
        if question.dropped:
            new_score, new_correct = question.spec.points.quantize(grading.CENT), True
        elif question.by_hand and row[5] is not None:
            continue  # graded by an instructor: the instructor's points stand
        else:
            answer = row[column_of[question.stored_in]]
            key = (qid, _frozen_answer(answer))
            grade = graded.get(key)
            if grade is None:
                grade = graded[key] = grading.grade_question(question.spec, answer)
            new_score, new_correct = grade.score, grade.correct
        if new_score != score or new_correct != correct:
            out.responses.append({"pk": pk, "score": new_score, "correct": new_correct})
            if new_score != score:
                delta[attempt_id] = delta.get(attempt_id, Decimal(0)) + new_score - (score or Decimal(0))

    newly_dropped = {qid: q for qid, q in plan.questions.items() if q.newly_dropped}
    if newly_dropped:
        # A dropped question nobody answered still earns its points, row and all.
        now = timezone.now()
        shown = _regrade_attempts(version).filter(pk__gt=after, pk__lte=upto).values_list("pk", "layout")
        for attempt_id, layout in shown.iterator(chunk_size=2000):
            for item in layout:
                qid = item["question"]
                if qid in newly_dropped and (attempt_id, qid) not in answered:
                    points = newly_dropped[qid].spec.points.quantize(grading.CENT)
                    out.new_responses.append(
                        Response(
                            attempt_id=attempt_id, question_ref=qid, saved_at=now, score=points, correct=True
                        )
                    )
                    delta[attempt_id] = delta.get(attempt_id, Decimal(0)) + points

    if not any(delta.values()):
        return out
    # An attempt's total is the sum of its answers' scores (an attempt awaiting review: of those
    # graded automatically, as grading left it), so it moves by what its answers gained or lost.
    rows = (
        _regrade_attempts(version)
        .filter(pk__gt=after, pk__lte=upto)
        .values_list("pk", "score", "passed", "status", "max_score", "person_id", "enrolment_id")
    )
    for pk, old_score, old_passed, status, max_score, person_id, enrolment_id in rows:
        if not delta.get(pk):
            continue
        total = (old_score or Decimal(0)) + delta[pk]
        percent, passes = grading.outcome(total, max_score or Decimal(0), pass_mark=plan.pass_mark)
        reviewed = status == Attempt.Status.GRADED
        passed = passes if reviewed else None
        if total == old_score and passed == old_passed:
            continue
        out.changes.append(RegradeChangeRow(pk, old_score, total, old_passed, passed))
        out.attempts.append({"pk": pk, "score": total, "percent": percent, "passed": passed})
        if reviewed:
            out.events.append(
                {
                    "attempt_id": pk,
                    "person_id": person_id,
                    "quiz_id": version.quiz_id,
                    "course_id": course_id,
                    "enrolment_id": enrolment_id,
                    "passed": bool(passed),
                    "was_passed": bool(old_passed),
                    "score": str(total),
                    "was_score": str(old_score or Decimal(0)),
                    "regrade_id": regrade_id,
                }
            )
    return out


def _batches(version: QuizVersion, *, after: int, size: int, lock: bool) -> Iterator[tuple[int, int, int]]:
    """The version's graded attempts after `after`, `size` at a time, as (after, upto, how
    many): those with ids in (after, upto]. Locked, when asked, in the caller's transaction."""
    while True:
        attempts = _regrade_attempts(version).filter(pk__gt=after)
        if lock:
            attempts = attempts.select_for_update(of=("self",))
        ids = list(attempts.values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield after, ids[-1], len(ids)
        after = ids[-1]


def regrade_preview(*, version: QuizVersion, dropped: Sequence[int] = ()) -> list[RegradeChangeRow]:
    """The dry run: every graded attempt of the version whose score or pass would change under
    the draft's keys and the dropped questions. Writes nothing."""
    plan = _plan(version.spec, _fixed_spec(version, dropped))
    if not plan.questions:
        return []
    course_id = Quiz.objects.filter(pk=version.quiz_id).values_list("module__course_id", flat=True).get()
    changes: list[RegradeChangeRow] = []
    for after, upto, _ in _batches(version, after=0, size=REGRADE_BATCH, lock=False):
        changes += _batch_of(version, plan, after, upto, course_id=course_id, regrade_id=None).changes
    return changes


def regrade_start(
    *, quiz: Quiz, version: QuizVersion, reason: str, dropped: Sequence[int] = (), requested_by_id: int | None
) -> Regrade:
    """Fix the version's keys (the spec before is kept for the audit) and queue the run:
    `regrade.requested` goes out with the commit and a worker runs `regrade_run`."""
    if not reason.strip():
        raise field_error("reason", "A regrade needs a reason.", code="blank")
    with transaction.atomic():
        version = QuizVersion.objects.select_for_update().get(pk=version.pk)
        if Regrade.objects.filter(version=version).exclude(status=Regrade.Status.DONE).exists():
            raise Conflict("A regrade of this version is still running.", code="regrade_running")
        spec = _fixed_spec(version, dropped)
        _plan(version.spec, spec)  # refuses what a regrade cannot do before anything is written
        regrade = Regrade.objects.create(
            quiz=quiz,
            version=version,
            requested_by_id=requested_by_id,
            reason=reason.strip(),
            dropped=sorted(set(dropped)),
            previous_spec=version.spec,
            total=_regrade_attempts(version).count(),
        )
        version.spec = spec
        version.revision += 1  # workers' parsed copies of the old keys are stale from now on
        version.save(update_fields=["spec", "revision"])
        outbox.record(types.REGRADE_REQUESTED, regrade_id=regrade.pk)
    return regrade


def regrade_run(*, regrade_id: int, batch: int = REGRADE_BATCH) -> Regrade:
    """Run a regrade to its end, a batch of attempts per transaction. Safe to repeat: a run
    resumes after the last batch committed, and a finished regrade changes nothing."""
    while True:
        with transaction.atomic():
            regrade = (
                Regrade.objects.select_for_update()
                .select_related("version", "quiz__module")
                .get(pk=regrade_id)
            )
            if regrade.status == Regrade.Status.DONE:
                return regrade
            if not _regrade_batch(regrade, batch):
                regrade.status, regrade.finished_at = Regrade.Status.DONE, timezone.now()
                regrade.save(update_fields=["status", "finished_at"])
                logger.info(
                    "regrade %s done: %s of %s attempts changed", regrade.pk, regrade.changed, regrade.done
                )
                return regrade


def _regrade_batch(regrade: Regrade, size: int) -> int:
    """Regrade the next batch of attempts in the caller's transaction; how many there were (0:
    the run is over)."""
    version = regrade.version
    plan = _plan(regrade.previous_spec, version.spec)
    after, upto, count = next(_batches(version, after=regrade.last_attempt, size=size, lock=True), (0, 0, 0))
    if not count:
        return 0
    out = _batch_of(
        version, plan, after, upto, course_id=regrade.quiz.module.course_id, regrade_id=regrade.pk
    )
    bulk.update_rows(Response, out.responses, ["score", "correct"])
    Response.objects.bulk_create(out.new_responses, batch_size=IN_CHUNK)
    bulk.update_rows(Attempt, out.attempts, ["score", "percent", "passed"])
    bulk.insert_rows(
        RegradeChange,
        [{"regrade_id": regrade.pk, **vars(c), "attempt_id": c.attempt} for c in out.changes],
        ["regrade_id", "attempt_id", "old_score", "new_score", "old_passed", "new_passed"],
    )
    outbox.record_many(types.ATTEMPT_REGRADED, out.events)
    regrade.last_attempt = upto
    regrade.done += count
    regrade.changed += len(out.changes)
    regrade.status = regrade.Status.RUNNING
    regrade.save(update_fields=["last_attempt", "done", "changed", "status"])
    logger.info(
        "regrade %s: %s of %s attempts, %s changed", regrade.pk, regrade.done, regrade.total, regrade.changed
    )
    return count
