"""The set-based regrade against grading from scratch: after keys are fixed or a question is
dropped, every answer and every attempt holds what the pure grading gives under the fixed spec;
the dry run lists exactly what the run changes; a run cut short in its second batch resumes and
regrades nothing twice; and its events reach the broker a few hundred to a message."""

import random
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction

from events import outbox, types
from events.models import Delivery, Event
from events.services import events_deliver
from quizzes import grading, regrading, services
from quizzes.models import Attempt, Question, Quiz, QuizVersion, Regrade, RegradeChange
from tests import factories

pytestmark = pytest.mark.django_db

ATTEMPTS = 12


@pytest.fixture
def quiz():
    course = factories.course(quizzes=1, max_attempts=ATTEMPTS)
    quiz = Quiz.objects.get(module__course=course)
    services.quiz_publish(quiz=quiz)
    return quiz


def _take_many(quiz, rng: random.Random) -> list[Attempt]:
    """Attempts with random answers (a random share of the choices, a question left out now
    and then), graded as the worker grades them."""
    attempts = []
    for _ in range(ATTEMPTS):
        attempt = services.attempt_start(quiz=quiz, person=factories.person(roles=("learner",)))
        answers = []
        for q in attempt.version.spec["questions"]:
            if rng.random() < 0.15:
                continue  # not answered
            ids = [c["id"] for c in q["choices"]]
            count = rng.randint(1, len(ids) - 1) if q["type"] == "multiple" else 1
            answers.append(services.Answer(question=q["id"], choices=tuple(rng.sample(ids, count))))
        services.attempt_submit(attempt=attempt, answers=answers)
        services.attempt_grade(attempt_id=attempt.pk)
        attempts.append(attempt)
    factories.deliver_events()
    return attempts


def _rekey(quiz, type_, right):
    """The instructor fixes the key of the quiz's question of `type_`: the choices at `right`."""
    question = Question.objects.get(quiz=quiz, type=type_)
    choices = [{"text": c.text, "is_correct": i in right} for i, c in enumerate(question.choices.all())]
    services.question_update(question=question, data={}, choices=choices)


def _assert_as_graded_from_scratch(version: QuizVersion) -> None:
    spec = version.spec
    dropped = {q["id"] for q in spec["questions"] if q.get("dropped")}
    specs = {q["id"]: grading.QuestionSpec.from_spec(q) for q in spec["questions"]}
    for attempt in Attempt.objects.filter(version=version).prefetch_related("responses"):
        given = {r.question_ref: r for r in attempt.responses.all()}
        shown = [specs[item["question"]] for item in attempt.layout]
        result = grading.grade_attempt(
            shown, {q: r.choices for q, r in given.items()}, pass_mark=spec["pass_mark"], dropped=dropped
        )
        for g in result.questions:
            if g.question_id in given:
                r = given[g.question_id]
                assert (r.score, r.correct) == (g.score, g.correct), (attempt.pk, g)
            else:
                assert g.score == 0 and g.question_id not in dropped
        assert (attempt.score, attempt.percent, attempt.passed) == (
            result.score,
            result.percent,
            result.passed,
        ), attempt.pk


def test_keys_fixed_on_two_questions_regrade_as_from_scratch_and_the_dry_run_lists_the_changes(quiz):
    _take_many(quiz, random.Random(3))
    version = quiz.versions.get()
    before = {a.pk: (a.score, a.passed) for a in Attempt.objects.filter(version=version)}
    _rekey(quiz, "single", {2})
    _rekey(quiz, "multiple", {1, 2})
    preview = regrading.regrade_preview(version=version)
    assert Attempt.objects.filter(version=version).count() == ATTEMPTS
    regrade = regrading.regrade_start(quiz=quiz, version=version, reason="Kunci", requested_by_id=None)
    regrading.regrade_run(regrade_id=regrade.pk, batch=5)
    version.refresh_from_db()
    _assert_as_graded_from_scratch(version)
    after = {a.pk: (a.score, a.passed) for a in Attempt.objects.filter(version=version)}
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed, "the data should have changes"
    assert {c.attempt for c in preview} == changed
    assert {(c.attempt, c.old_score, c.new_score, c.old_passed, c.new_passed) for c in preview} == set(
        RegradeChange.objects.filter(regrade=regrade).values_list(
            "attempt_id", "old_score", "new_score", "old_passed", "new_passed"
        )
    )
    regrade.refresh_from_db()
    assert (regrade.status, regrade.done, regrade.changed) == (Regrade.Status.DONE, ATTEMPTS, len(changed))
    events = Event.objects.filter(type=types.ATTEMPT_REGRADED)
    assert sorted(e.data["attempt_id"] for e in events) == sorted(changed)
    for event in events:
        assert event.data["passed"] == after[event.data["attempt_id"]][1]
        assert event.data["was_passed"] == bool(before[event.data["attempt_id"]][1])


def test_a_dropped_question_gives_full_marks_also_to_those_who_left_it_out(quiz):
    _take_many(quiz, random.Random(5))
    version = quiz.versions.get()
    single = Question.objects.get(quiz=quiz, type="single")
    skipped = Attempt.objects.filter(version=version).exclude(responses__question_ref=single.pk)
    assert skipped.exists(), "some attempt should have left the question out"
    regrade = regrading.regrade_start(
        quiz=quiz, version=version, reason="Ambigu", dropped=[single.pk], requested_by_id=None
    )
    regrading.regrade_run(regrade_id=regrade.pk)
    version.refresh_from_db()
    _assert_as_graded_from_scratch(version)
    for attempt in Attempt.objects.filter(version=version):
        assert attempt.responses.get(question_ref=single.pk).score == Decimal("2.00")


def test_a_run_cut_short_in_its_second_batch_resumes_and_regrades_nothing_twice(quiz):
    _take_many(quiz, random.Random(11))
    version = quiz.versions.get()
    _rekey(quiz, "single", {1})
    expected = regrading.regrade_preview(version=version)
    regrade = regrading.regrade_start(quiz=quiz, version=version, reason="Kunci", requested_by_id=None)
    calls = []
    record_many = outbox.record_many

    def dies_in_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return record_many(*args, **kwargs)

    with (
        mock.patch("quizzes.regrading.outbox.record_many", side_effect=dies_in_the_second_batch),
        pytest.raises(RuntimeError),
    ):
        regrading.regrade_run(regrade_id=regrade.pk, batch=5)
    regrade.refresh_from_db()
    assert (regrade.status, regrade.done) == (Regrade.Status.RUNNING, 5)  # the first batch stands
    regrading.regrade_run(regrade_id=regrade.pk, batch=5)  # the relay delivers the event again
    regrading.regrade_run(regrade_id=regrade.pk, batch=5)  # and once more: a finished run is left
    regrade.refresh_from_db()
    assert (regrade.status, regrade.done, regrade.changed) == (Regrade.Status.DONE, ATTEMPTS, len(expected))
    assert sorted(RegradeChange.objects.values_list("attempt_id", flat=True)) == sorted(
        c.attempt for c in expected
    )
    events = Event.objects.filter(type=types.ATTEMPT_REGRADED)
    assert sorted(e.data["attempt_id"] for e in events) == sorted(c.attempt for c in expected)
    version.refresh_from_db()
    _assert_as_graded_from_scratch(version)


def test_a_regrade_whose_keys_did_not_change_changes_nothing(quiz):
    attempts = _take_many(quiz, random.Random(2))
    version = quiz.versions.get()
    assert regrading.regrade_preview(version=version) == []
    regrade = regrading.regrade_start(quiz=quiz, version=version, reason="Cek", requested_by_id=None)
    regrade = regrading.regrade_run(regrade_id=regrade.pk)
    assert (regrade.done, regrade.changed) == (len(attempts), 0)
    assert not Event.objects.filter(type=types.ATTEMPT_REGRADED).exists()


def test_many_events_go_to_the_broker_a_few_to_a_message_and_are_delivered_once(
    django_capture_on_commit_callbacks,
):
    items = [{"attempt_id": 987650 + i, "person_id": 1, "quiz_id": 1} for i in range(5)]
    handler = "quizzes.handlers.grade_submitted_attempt"
    with mock.patch("events.outbox.current_app") as celery:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            ids = outbox.record_many(types.ATTEMPT_SUBMITTED, items, per_message=2)
    assert [e.data for e in Event.objects.filter(pk__in=ids).order_by("pk")] == items
    sent = [c.kwargs["args"] for c in celery.send_task.call_args_list]
    assert [c.args[0] for c in celery.send_task.call_args_list] == ["events.tasks.deliver_events_task"] * 3
    assert sent == [[ids[0:2], [handler]], [ids[2:4], [handler]], [ids[4:5], [handler]]]
    assert events_deliver(event_ids=ids, handler_names=[handler]) >= 1
    assert events_deliver(event_ids=ids, handler_names=[handler]) == 0  # a repeated message
    assert Delivery.objects.filter(event__in=ids, handler=handler).count() == len(ids)


def test_an_attempt_graded_after_a_regrade_uses_the_fixed_keys_in_a_process_that_parsed_the_old(quiz):
    """A worker keeps each version's parsed keys; a regrade raises the version's revision, so an
    attempt submitted after it is graded with the fixed keys, not the copy parsed before."""
    _take_many(quiz, random.Random(7))  # this process has parsed the version's old keys
    version = quiz.versions.get()
    _rekey(quiz, "single", {2})
    regrade = regrading.regrade_start(quiz=quiz, version=version, reason="Kunci", requested_by_id=None)
    regrading.regrade_run(regrade_id=regrade.pk)
    version.refresh_from_db()
    assert version.revision == 1
    attempt = services.attempt_start(quiz=quiz, person=factories.person(roles=("learner",)))
    single = next(q for q in attempt.version.spec["questions"] if q["type"] == "single")
    right = [c["id"] for c in single["choices"] if c["is_correct"]]
    services.attempt_submit(
        attempt=attempt, answers=[services.Answer(question=single["id"], choices=tuple(right))]
    )
    services.attempt_grade(attempt_id=attempt.pk)
    assert attempt.responses.get(question_ref=single["id"]).correct is True
    _assert_as_graded_from_scratch(version)
