"""The choice ids a learner sees are opaque per published version: not the rows' primary keys,
which grow in the order the choices were written (and authors often write the key first, as
GIFT's `=` first). Versions published before keep their ids, and their attempts keep working."""

import pytest

from core.errors import ServiceError
from quizzes import regrading, services
from quizzes.models import Attempt, Choice, Quiz
from quizzes.question_types.common import ID_MAX
from tests.conftest import client_for
from tests.quizzes.test_services import answers_for, first_quiz

pytestmark = pytest.mark.django_db


def choice_questions(version) -> list[dict]:
    return [q for q in version.spec["questions"] if "choices" in q]


def as_before_opaque_ids(quiz: Quiz):
    """The quiz's current version as publishing made it before: choices named by their rows'
    primary keys, in the authoring order, and no mark of opaque ids."""
    version = quiz.versions.order_by("-number")[0]
    spec = dict(version.spec)
    spec.pop(services.OPAQUE_IDS)
    for q in spec["questions"]:
        if "choices" in q:
            rows = Choice.objects.filter(question_id=q["id"]).order_by("order", "id")
            q["choices"] = [{**c, "id": row.pk} for c, row in zip(q["choices"], rows, strict=True)]
    version.spec = spec
    version.save()
    return version


def test_published_choice_ids_are_opaque_unique_and_not_the_rows_keys(course):
    version = first_quiz(course).versions.get()
    pks = set(Choice.objects.values_list("pk", flat=True))
    questions = choice_questions(version)
    assert questions and version.spec[services.OPAQUE_IDS] is True
    for q in questions:
        ids = [c["id"] for c in q["choices"]]
        assert len(set(ids)) == len(ids)
        assert all(isinstance(i, int) and 1 <= i <= ID_MAX for i in ids)
        assert not set(ids) & pks
    # The key written first has no telling id: the keys are not all the smallest ids.
    firsts = [min(c["id"] for c in q["choices"]) for q in questions]
    keys = [next(c["id"] for c in q["choices"] if c["is_correct"]) for q in questions]
    assert len(questions) < 4 or firsts != keys


def test_publishing_an_unchanged_quiz_keeps_the_version_and_its_ids(course):
    quiz = first_quiz(course)
    version = quiz.versions.get()
    assert services.quiz_publish(quiz=quiz).pk == version.pk
    choice = Choice.objects.filter(question__quiz=quiz).order_by("pk").first()
    choice.text += " (diperbaiki)"
    choice.save()
    again = services.quiz_publish(quiz=quiz)
    assert again.number == version.number + 1
    # A question with as many choices keeps its ids: what a learner names stays the same.
    assert [[c["id"] for c in q["choices"]] for q in choice_questions(again)] == [
        [c["id"] for c in q["choices"]] for q in choice_questions(version)
    ]


def test_the_learner_sees_and_answers_with_opaque_ids_only(course, learner):
    quiz = first_quiz(course)
    client = client_for(learner)
    body = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    shown = {c["id"] for q in body["questions"] for c in q.get("choices", [])}
    assert shown and not shown & set(Choice.objects.values_list("pk", flat=True))
    question = next(q for q in body["questions"] if q.get("choices"))
    row = Choice.objects.filter(question_id=question["id"]).first()
    refused = client.patch(
        f"/api/v1/attempts/{body['id']}/answers/",
        {"answers": [{"question": question["id"], "choices": [row.pk]}]},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_choice"


def test_a_version_published_before_keeps_its_ids_and_its_attempts_grade(course, learner):
    quiz = first_quiz(course)
    old = as_before_opaque_ids(quiz)
    attempt = services.attempt_start(quiz=quiz, person=learner)
    assert attempt.version_id == old.pk
    services.attempt_submit(attempt=attempt, answers=answers_for(attempt))
    services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.passed

    new = services.quiz_publish(quiz=quiz)  # the old ids are not carried into the new version
    assert new.pk != old.pk and new.spec[services.OPAQUE_IDS]
    old_ids = {c["id"] for q in choice_questions(old) for c in q["choices"]}
    assert not old_ids & {c["id"] for q in choice_questions(new) for c in q["choices"]}
    old.refresh_from_db()
    assert {c["id"] for q in choice_questions(old) for c in q["choices"]} == old_ids  # not rewritten

    # The old version's regrade reads its own ids: a key fixed since moves its attempt's score.
    q = choice_questions(old)[0]
    Choice.objects.filter(question_id=q["id"]).update(is_correct=False, weight=None)
    wrong = Choice.objects.filter(question_id=q["id"]).exclude(
        pk__in=[c["id"] for c in q["choices"] if c["is_correct"]]
    )
    Choice.objects.filter(pk=wrong.order_by("order", "id").first().pk).update(is_correct=True)
    changes = regrading.regrade_preview(version=old)
    assert [c.attempt for c in changes] == [attempt.pk] and changes[0].new_score < changes[0].old_score


def test_an_answer_with_an_id_of_another_version_is_refused(course, learner):
    quiz = first_quiz(course)
    old = as_before_opaque_ids(quiz)
    services.quiz_publish(quiz=quiz)
    attempt = services.attempt_start(quiz=quiz, person=learner)
    assert attempt.version_id != old.pk
    q = choice_questions(old)[0]
    with pytest.raises(ServiceError) as err:
        services.attempt_save_answers(
            attempt=attempt, answers=[services.Answer(question=q["id"], choices=(q["choices"][0]["id"],))]
        )
    assert err.value.code == "unknown_choice"
