from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from core.errors import ServiceError
from courses.models import Enrolment
from events import types
from events.models import Event
from quizzes import selectors, services
from quizzes.models import Attempt, Quiz, QuizVersion
from quizzes.services import Answer
from tests import factories

pytestmark = pytest.mark.django_db


def first_quiz(course) -> Quiz:
    return Quiz.objects.filter(module__course=course).order_by("id")[0]


def answers_for(attempt: Attempt, *, correct: bool = True) -> list[Answer]:
    result = []
    for q in attempt.version.spec["questions"]:
        ids = [c["id"] for c in q["choices"] if c["is_correct"] == correct]
        result.append(Answer(question=q["id"], choices=tuple(ids[:1] if q["type"] != "multiple" else ids)))
    return result


def test_start_fixes_questions_and_a_server_deadline(course, learner):
    quiz = first_quiz(course)
    attempt = services.attempt_start(quiz=quiz, person=learner)
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.deadline == attempt.started_at + timedelta(seconds=quiz.time_limit_seconds)
    assert sorted(i["question"] for i in attempt.layout) == sorted(
        q["id"] for q in attempt.version.spec["questions"]
    )


def test_a_second_start_while_one_is_open_is_refused(course, learner):
    quiz = first_quiz(course)
    services.attempt_start(quiz=quiz, person=learner)
    with pytest.raises(ServiceError) as err:
        services.attempt_start(quiz=quiz, person=learner)
    assert err.value.code == "attempt_in_progress"


def test_attempts_beyond_the_limit_are_refused(learner):
    course = factories.course(max_attempts=1)
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt)
    with pytest.raises(ServiceError) as err:
        services.attempt_start(quiz=first_quiz(course), person=learner)
    assert err.value.code == "no_attempts_left"


def test_saving_answers_upserts(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    wrong = answers_for(attempt, correct=False)
    services.attempt_save_answers(attempt=attempt, answers=wrong)
    services.attempt_save_answers(attempt=attempt, answers=answers_for(attempt)[:1])
    assert attempt.responses.count() == len(wrong)
    first = attempt.responses.get(question_ref=wrong[0].question)
    assert first.choices == list(answers_for(attempt)[0].choices)


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda a, other: Answer(question=999999, choices=(1,)), "unknown_question"),
        (lambda a, other: Answer(question=a.question, choices=(other,)), "unknown_choice"),
        (lambda a, other: Answer(question=a.question, text="x"), "choices_required"),
    ],
)
def test_bad_answers_are_rejected_and_nothing_is_saved(course, learner, mangle, code):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    good = answers_for(attempt)
    other_quiz_choice = Quiz.objects.exclude(pk=attempt.quiz_id).first().questions.first().choices.first().pk
    with pytest.raises(ServiceError) as err:
        services.attempt_save_answers(attempt=attempt, answers=[good[0], mangle(good[1], other_quiz_choice)])
    assert err.value.code == code
    assert attempt.responses.count() == 0


def test_single_choice_takes_one_choice(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    single = next(q for q in attempt.version.spec["questions"] if q["type"] == "single")
    with pytest.raises(ServiceError) as err:
        services.attempt_save_answers(
            attempt=attempt,
            answers=[Answer(question=single["id"], choices=tuple(c["id"] for c in single["choices"][:2]))],
        )
    assert err.value.code == "too_many_choices"


def test_answers_after_the_deadline_are_rejected(course, learner, settings):
    settings.LENCANA_ATTEMPT_GRACE_SECONDS = 0
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ServiceError) as err:
        services.attempt_save_answers(attempt=attempt, answers=answers_for(attempt))
    assert err.value.code == "deadline_passed"
    assert attempt.responses.count() == 0


def test_answers_after_submit_are_rejected(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt)
    with pytest.raises(ServiceError) as err:
        services.attempt_save_answers(attempt=attempt, answers=answers_for(attempt))
    assert err.value.code == "attempt_closed"


@pytest.mark.parametrize(
    ("closed_by", "code"), [("submit", "attempt_closed"), ("deadline", "deadline_passed")]
)
def test_a_save_read_before_the_attempt_closed_saves_nothing_and_says_why(course, learner, closed_by, code):
    """A save reads the attempt, then upserts in one statement that checks again under a share
    lock of its row: a submit (or the deadline) that lands in between is never overwritten."""
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    stale = selectors.attempt_for_answers(attempt_id=attempt.pk)  # read while it was open
    if closed_by == "submit":
        services.attempt_submit(attempt=attempt)
    else:
        Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(hours=1))
    reads = iter([stale])
    real = selectors.attempt_for_answers
    with (
        mock.patch.object(selectors, "attempt_for_answers", lambda **kw: next(reads, None) or real(**kw)),
        pytest.raises(ServiceError) as err,
    ):
        services.attempt_save_answers(attempt=attempt, answers=answers_for(attempt))
    assert err.value.code == code
    assert attempt.responses.count() == 0


def test_a_save_is_two_queries_and_answers_what_it_stored(course, learner, django_assert_num_queries):
    """The read of the attempt (its version's questions are kept per process) and the guarded
    upsert, which returns the rows: no transaction, no read of the spec, no read-back."""
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    answers = answers_for(attempt)
    services.attempt_save_answers(attempt=attempt, answers=answers[:1])  # the version's questions read
    with django_assert_num_queries(2):
        saved = services.attempt_answers_save(attempt_id=attempt.pk, answers=answers)
    assert [(r.question_ref, r.choices) for r in saved.responses] == sorted(
        (a.question, list(a.choices or ())) for a in answers
    )
    stored = {r.question_ref: r.choices for r in attempt.responses.all()}
    assert stored == {a.question: list(a.choices or ()) for a in answers}


def test_a_save_of_someone_elses_attempt_is_not_found(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    other = factories.person()
    with pytest.raises(ServiceError) as err:
        services.attempt_answers_save(
            attempt_id=attempt.pk, answers=answers_for(attempt), user_id=other.user_id
        )
    assert err.value.code == "not_found"
    assert attempt.responses.count() == 0


def events_of(event_type: str) -> list[Event]:
    return list(Event.objects.filter(type=event_type).order_by("id"))


def test_submit_records_the_news_with_the_change_and_twice_is_harmless(
    course, learner, django_capture_on_commit_callbacks
):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    with mock.patch("events.outbox.current_app") as celery:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            first = services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
            second = services.attempt_submit(attempt=attempt)
    assert len(callbacks) == 1  # one event, handed to the relay after commit
    [event] = events_of(types.ATTEMPT_SUBMITTED)
    assert event.data == {"attempt_id": attempt.pk, "person_id": learner.pk, "quiz_id": attempt.quiz_id}
    celery.send_task.assert_called_once_with(
        "events.tasks.deliver_event_task",
        args=[event.pk, "quizzes.handlers.grade_submitted_attempt"],
        expires=None,
    )
    assert first.status == second.status == Attempt.Status.SUBMITTED
    assert second.submitted_at == first.submitted_at


def test_answers_sent_with_a_second_submit_are_refused_not_dropped(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt, correct=False))
    with pytest.raises(ServiceError) as err:
        services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
    assert err.value.code == "attempt_closed"
    assert len(events_of(types.ATTEMPT_SUBMITTED)) == 1


def test_grading_twice_grades_once(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
    graded = services.attempt_grade(attempt_id=attempt.pk)
    again = services.attempt_grade(attempt_id=attempt.pk)
    assert graded.status == Attempt.Status.GRADED and graded.passed
    assert graded.percent == 100
    assert again.graded_at == graded.graded_at
    [event] = events_of(types.ATTEMPT_GRADED)
    assert event.data == {
        "attempt_id": attempt.pk,
        "person_id": learner.pk,
        "quiz_id": attempt.quiz_id,
        "course_id": course.pk,
        "enrolment_id": attempt.enrolment_id,
        "passed": True,
    }


def test_a_submitted_attempt_is_graded_by_its_event(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt, correct=False))
    factories.deliver_events()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.passed is False and attempt.score == 0
    assert events_of(types.ATTEMPT_GRADED)[0].data["passed"] is False


def test_sweep_submits_overdue_attempts_and_grades_answers_saved_in_time(course, learner, settings):
    settings.LENCANA_ATTEMPT_GRACE_SECONDS = 0
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_save_answers(attempt=attempt, answers=answers_for(attempt))
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert services.attempts_sweep() == 1
    assert services.attempts_sweep() == 0
    factories.deliver_events()
    graded = Attempt.objects.get(pk=attempt.pk)
    assert graded.auto_submitted and graded.passed


def test_attempts_after_a_certificate_lapses_count_in_a_new_cycle(learner):
    course = factories.course(quizzes=1)
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
    factories.deliver_events()
    with pytest.raises(ServiceError) as err:
        services.attempt_start(quiz=first_quiz(course), person=learner)
    assert err.value.code == "already_passed"
    Enrolment.objects.filter(pk=attempt.enrolment_id).update(next_cycle_at=timezone.now())
    again = services.attempt_start(quiz=first_quiz(course), person=learner)
    assert again.enrolment.cycle == 2 and again.number == 2


def test_publish_freezes_questions_so_edits_do_not_touch_attempts(course, learner):
    quiz = first_quiz(course)
    attempt = services.attempt_start(quiz=quiz, person=learner)
    question = quiz.questions.first()
    question.text = "Diubah"
    question.save()
    assert "Diubah" not in [q["text"] for q in attempt.version.spec["questions"]]
    version = services.quiz_publish(quiz=quiz)
    assert version.number == 2
    assert services.quiz_publish(quiz=quiz) == version  # nothing changed: no new version
    assert QuizVersion.objects.filter(quiz=quiz).count() == 2


def test_publish_rejects_a_question_without_a_correct_choice(course):
    quiz = first_quiz(course)
    question = quiz.questions.get(type="single")
    question.choices.update(is_correct=False)
    with pytest.raises(ServiceError) as err:
        services.quiz_publish(quiz=quiz)
    assert err.value.code == "bad_key"


def test_a_question_of_an_unknown_type_is_refused(course):
    quiz = first_quiz(course)
    with pytest.raises(ServiceError) as err:
        services.question_save(
            quiz=quiz,
            data={"key": "esai", "type": "cloze", "text": "Jelaskan."},
            choices=[factories.choice("A", True), factories.choice("B")],
        )
    assert err.value.code == "unknown_type"
    assert not quiz.questions.filter(key="esai").exists()


def test_an_answer_without_the_key_its_type_reads_is_refused(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    question = attempt.layout[0]["question"]
    with pytest.raises(ServiceError) as err:
        services.attempt_save_answers(attempt=attempt, answers=[Answer(question=question, value=2)])
    assert (err.value.code, err.value.message) == (
        "choices_required",
        f"Question {question} is answered with `choices`.",
    )


def test_graded_feedback_reveals_the_keys_through_the_type(course, learner):
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
    services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    keys = {
        q["id"]: [c["id"] for c in q["choices"] if c["is_correct"]] for q in attempt.version.spec["questions"]
    }
    feedback = selectors.attempt_feedback(attempt=attempt)
    assert [row["question"] for row in feedback] == [item["question"] for item in attempt.layout]
    assert {row["question"]: row["correct_choices"] for row in feedback} == keys
    assert all(row["correct"] and "explanation" in row for row in feedback)


def test_keys_stay_hidden_from_a_learner_who_may_try_again_in_a_new_cycle(learner):
    """Full review reveals keys after a pass; once the certificate is revoked and a new cycle
    may open, the old attempt's keys could help, so they are hidden again."""
    from certificates.models import Certificate
    from certificates.services import certificate_revoke

    course = factories.course(quizzes=1)  # review "full", 3 attempts
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
    factories.deliver_events()
    attempt.refresh_from_db()
    assert "correct_choices" in selectors.attempt_feedback(attempt=attempt)[0]
    certificate_revoke(certificate=Certificate.objects.get(holder=learner), reason="Ujian diulang")
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert "correct_choices" not in selectors.attempt_feedback(attempt=attempt)[0]
    retry = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=retry, answers=answers_for(retry, correct=False))
    factories.deliver_events()
    retry = Attempt.objects.get(pk=retry.pk)
    assert retry.enrolment.cycle == 2 and retry.passed is False
    assert "correct_choices" not in selectors.attempt_feedback(attempt=retry)[0]  # 2 tries left


def test_a_certificate_that_expires_opens_the_next_cycle_when_the_clock_gets_there(learner):
    """No hand-set dates: the validity of the course decides when the person may start again."""
    course = factories.course(quizzes=1)  # valid 365 days
    attempt = services.attempt_start(quiz=first_quiz(course), person=learner)
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
    factories.deliver_events()
    with pytest.raises(ServiceError) as err:
        services.attempt_start(quiz=first_quiz(course), person=learner)
    assert err.value.code == "already_passed"
    later = timezone.now() + timedelta(days=366)
    with mock.patch("django.utils.timezone.now", return_value=later):
        again = services.attempt_start(quiz=first_quiz(course), person=learner)
        services.attempt_submit(attempt=again, answers=answers_for(again))
        factories.deliver_events()
    from certificates.models import Certificate

    first, second = Certificate.objects.filter(holder=learner).order_by("issued_at")
    assert again.enrolment.cycle == 2 and second.enrolment_id == again.enrolment_id
    assert second.issued_at == later and list(second.evidence.all()) == [Attempt.objects.get(pk=again.pk)]
    assert first.current_status == Certificate.Status.VALID  # today; it expires at its own date
