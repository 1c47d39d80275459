"""Authoring services of quizzes and questions."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from core.errors import ServiceError
from courses.models import Module
from quizzes import services
from quizzes.models import Question, Quiz, QuizSlot, Tag
from tests.factories import choice

pytestmark = pytest.mark.django_db


def first_quiz(course) -> Quiz:
    return Quiz.objects.filter(module__course=course).order_by("id")[0]


def codes(err: pytest.ExceptionInfo[ValidationError]) -> dict[str, str | None]:
    return {field: errors[0].code for field, errors in err.value.error_dict.items()}


def choice_rows(question: Question) -> list[tuple[str, bool]]:
    return list(question.choices.values_list("text", "is_correct"))


def test_quiz_create_fills_in_the_defaults(course):
    module = Module.objects.filter(course=course).order_by("id")[0]
    quiz = services.quiz_create(module=module, slug="baru", title="Baru")
    quiz.refresh_from_db()
    assert (quiz.pass_mark, quiz.time_limit_seconds, quiz.max_attempts) == (70, 900, 3)
    assert quiz.review_correctness == Quiz.ReviewWhen.IMMEDIATELY and not quiz.versions.exists()
    assert quiz.review_answers == Quiz.ReviewWhen.NEVER and quiz.grading_method == Quiz.GradingMethod.HIGHEST


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"pass_mark": 150}, {"pass_mark": "pass_mark_out_of_range"}),
        ({"pass_mark": -1}, {"pass_mark": "pass_mark_out_of_range"}),
        ({"time_limit_seconds": 5}, {"time_limit_seconds": "time_limit_too_short"}),
        (
            {"pass_mark": 101, "time_limit_seconds": 29},
            {"pass_mark": "pass_mark_out_of_range", "time_limit_seconds": "time_limit_too_short"},
        ),
    ],
)
def test_quiz_limits_out_of_range_are_field_errors_and_nothing_is_saved(course, limits, expected):
    module = Module.objects.filter(course=course).order_by("id")[0]
    with pytest.raises(ValidationError) as err:
        services.quiz_create(module=module, slug="baru", title="Baru", **limits)
    assert codes(err) == expected and not Quiz.objects.filter(slug="baru").exists()
    quiz = first_quiz(course)
    before = Quiz.objects.values().get(pk=quiz.pk)
    with pytest.raises(ValidationError) as err:
        services.quiz_update(quiz=quiz, data={"title": "Diubah", **limits})
    assert codes(err) == expected and Quiz.objects.values().get(pk=quiz.pk) == before


def test_a_quiz_slug_is_unique_within_its_module(course):
    first, second = Module.objects.filter(course=course).order_by("id")[:2]
    with pytest.raises(ValidationError) as err:
        services.quiz_create(module=first, slug="q1", title="Lagi")
    assert codes(err) == {"slug": "slug_taken"}
    services.quiz_update(quiz=first_quiz(course), data={"module": second, "slug": "q9"})
    assert first_quiz(course).module_id == second.pk


def test_a_quiz_with_attempts_cannot_be_deleted(course, learner):
    quiz = first_quiz(course)
    services.attempt_start(quiz=quiz, person=learner)
    with pytest.raises(ProtectedError):
        services.quiz_delete(quiz=quiz)
    assert Quiz.objects.filter(pk=quiz.pk).exists() and quiz.questions.count() == 3


def test_question_create_checks_the_key_and_saves_the_choices(course):
    quiz = first_quiz(course)
    question = services.question_create(
        quiz=quiz, key="baru", type="true_false", text="Benar?", choices=[choice("Ya", True), choice("Tidak")]
    )
    assert choice_rows(question) == [("Ya", True), ("Tidak", False)] and question.points == 1
    with pytest.raises(ServiceError) as bad:
        services.question_create(
            quiz=quiz, key="lain", type="single", text="?", choices=[choice("A", True), choice("B", True)]
        )
    assert bad.value.code == "bad_key"


def test_a_question_key_taken_in_the_quiz_is_a_field_error(course):
    quiz = first_quiz(course)
    with pytest.raises(ValidationError) as err:
        services.question_create(
            quiz=quiz, key="q1-tf", type="true_false", text="?", choices=[choice("Ya", True), choice("Tidak")]
        )
    assert codes(err) == {"key": "key_taken"} and quiz.questions.count() == 3


def test_an_update_without_choices_keeps_them(course):
    question = first_quiz(course).questions.get(key="q1-single")
    before = choice_rows(question)
    services.question_update(question=question, data={"text": "Diubah?", "points": 3})
    question.refresh_from_db()
    assert (question.text, question.points, question.type) == ("Diubah?", 3, "single")
    assert choice_rows(question) == before


def test_an_update_with_choices_replaces_them(course):
    question = first_quiz(course).questions.get(key="q1-single")
    services.question_update(question=question, data={}, choices=[choice("X"), choice("Y", True)])
    assert choice_rows(question) == [("X", False), ("Y", True)]


def test_an_update_that_breaks_the_kept_choices_is_refused(course):
    question = first_quiz(course).questions.get(key="q1-single")  # three choices
    with pytest.raises(ServiceError) as err:
        services.question_update(question=question, data={"type": "true_false"})
    assert err.value.code == "bad_key"
    assert Question.objects.get(pk=question.pk).type == "single" and question.choices.count() == 3


def test_a_question_moves_to_another_quiz_unless_its_key_is_taken_there(course):
    first, second = Quiz.objects.filter(module__course=course).order_by("id")[:2]
    question = first.questions.get(key="q1-tf")
    services.question_update(question=question, data={"quiz": second})
    assert Question.objects.get(pk=question.pk).quiz_id == second.pk and question.choices.count() == 2
    clash = first.questions.get(key="q1-single")
    with pytest.raises(ValidationError) as err:
        services.question_update(question=clash, data={"quiz": second, "key": "q1-tf"})
    assert codes(err) == {"key": "key_taken"}
    assert Question.objects.get(pk=clash.pk).quiz_id == first.pk


def test_deleting_a_question_leaves_the_published_version_as_it_was(course, learner):
    quiz = first_quiz(course)
    spec = quiz.versions.get().spec
    services.question_delete(question=quiz.questions.get(key="q1-tf"))
    assert quiz.questions.count() == 2 and quiz.versions.get().spec == spec
    attempt = services.attempt_start(quiz=quiz, person=learner)
    assert len(attempt.layout) == 3


def test_the_seeded_themes_are_categories_of_the_bank(course):
    from quizzes.models import Category, Question

    themes = Category.objects.filter(parent__name=course.title)
    assert sorted(themes.values_list("name", flat=True)) == ["Modul 1", "Modul 2"]
    assert not Question.objects.filter(quiz__module__course=course, category=None).exists()
    for question in Question.objects.filter(quiz__module__course=course).select_related(
        "category", "quiz__module"
    ):
        assert question.category.name == question.quiz.module.title


def test_a_category_path_is_made_once(db):
    from quizzes.models import Category

    first = services.category_at(path=["Pelayanan", "3S"])
    assert services.category_at(path=["Pelayanan", "3S"]) == first
    assert Category.objects.count() == 2 and first.parent.name == "Pelayanan"


# --- Tags and random slots ---


def test_a_tag_is_renamed_for_its_questions_and_slots(course):
    quiz = first_quiz(course)
    question = services.question_create(
        quiz=None,
        key="t",
        type="true_false",
        text="?",
        choices=[choice("Benar", correct=True), choice("Salah")],
        tags=["humanis"],
    )
    slot = services.slot_save(quiz=quiz, tag="humanis", count=1)
    tag = question.tags.get()
    services.tag_save(name=" Humanis ", tag=tag)
    assert question.tags.get().name == "Humanis"
    slot.refresh_from_db()
    assert slot.tag_id == tag.pk
    # A question given the new name by its tags gets the same tag, not another one.
    services.question_update(question=question, data={}, tags=["Humanis"])
    assert Tag.objects.count() == 1


@pytest.mark.parametrize(("name", "code"), [("", "blank"), ("x" * 101, "max_length"), ("3S", "name_taken")])
def test_a_tag_needs_a_free_name_of_at_most_100_characters(db, name, code):
    services.tag_save(name="3S")
    tag = services.tag_save(name="humanis")
    with pytest.raises(ValidationError) as err:
        services.tag_save(name=name, tag=tag)
    assert codes(err) == {"name": code}
    tag.refresh_from_db()
    assert tag.name == "humanis"


def test_a_tag_a_slot_draws_from_is_not_deleted(course):
    services.slot_save(quiz=first_quiz(course), tag="humanis", count=1)
    with pytest.raises(ProtectedError):
        services.tag_delete(tag=Tag.objects.get())
    assert Tag.objects.exists()


def test_a_slot_update_changes_only_what_it_is_given(course):
    quiz = first_quiz(course)
    category = services.category_save(name="A", parent=None)
    slot = services.slot_save(quiz=quiz, category=category, tag="humanis", count=2, order=4)
    services.slot_update(slot=slot, data={"count": 3})
    slot = QuizSlot.objects.select_related("tag").get(pk=slot.pk)
    assert (slot.category_id, slot.tag.name, slot.count, slot.order) == (category.pk, "humanis", 3, 4)
    services.slot_update(slot=slot, data={"tag": None})
    slot.refresh_from_db()
    assert (slot.category_id, slot.tag_id) == (category.pk, None)


@pytest.mark.parametrize(
    ("data", "error"),
    [({"category": None}, "slot_without_pool"), ({"tag": "  ", "category": None}, "slot_without_pool")],
)
def test_a_slot_keeps_something_to_draw_from(course, data, error):
    category = services.category_save(name="A", parent=None)
    slot = services.slot_save(quiz=first_quiz(course), category=category, count=1)
    with pytest.raises(ServiceError) as err:
        services.slot_update(slot=slot, data=data)
    assert err.value.code == error
    slot.refresh_from_db()
    assert slot.category_id == category.pk


def test_a_slot_draws_at_least_one_question(course):
    category = services.category_save(name="A", parent=None)
    slot = services.slot_save(quiz=first_quiz(course), category=category, count=1)
    with pytest.raises(ValidationError) as err:
        services.slot_update(slot=slot, data={"count": 0})
    assert codes(err) == {"count": "min_value"}
    slot.refresh_from_db()
    assert slot.count == 1
