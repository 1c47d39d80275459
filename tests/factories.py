"""Test data built through the real services."""

import itertools
from typing import Any

from django.utils import timezone

from certificates.models import Certificate
from courses.models import Course, Enrolment
from events.services import events_deliver_pending
from people.models import Person, Unit
from people.services import person_create, unit_get_or_create, user_create
from quizzes.course_import import course_import

PASSWORD = "test-pass-2026"
_seq = itertools.count(1)


def unit_chain() -> tuple[Unit, Unit, Unit]:
    polda = unit_get_or_create(name="Polda Metro Jaya", level=Unit.Level.POLDA)
    polres = unit_get_or_create(name="Polres Metro Jakarta Selatan", level=Unit.Level.POLRES, parent=polda)
    polsek = unit_get_or_create(name="Polsek Kebayoran Baru", level=Unit.Level.POLSEK, parent=polres)
    return polda, polres, polsek


def person(
    *, roles: tuple[str, ...] = ("learner",), unit: Unit | None = None, function: str = "lantas", **extra: Any
) -> Person:
    n = next(_seq)
    user = user_create(
        username=f"user{n}", password=PASSWORD, roles=list(roles), is_staff=extra.pop("is_staff", False)
    )
    return person_create(
        user=user,
        nrp=extra.pop("nrp", f"{90000000 + n}"),
        name=extra.pop("name", f"Personel {n}"),
        rank=extra.pop("rank", "Briptu"),
        unit=unit or unit_chain()[2],
        function=function,
    )


def choice(text: str, correct: bool = False) -> dict[str, Any]:
    return {"text": text, "text_en": text, "is_correct": correct}


def course_data(
    *, slug: str = "test-course", quizzes: int = 2, time_limit: int = 600, max_attempts: int = 3
) -> dict:
    """A small course: each quiz has one single, one multiple and one true/false question."""
    modules = []
    for i in range(1, quizzes + 1):
        modules.append(
            {
                "slug": f"m{i}",
                "title": f"Modul {i}",
                "title_en": f"Module {i}",
                "lessons": [{"slug": f"l{i}", "title": f"Pelajaran {i}", "body": "Isi", "body_en": "Body"}],
                "quiz": {
                    "slug": f"q{i}",
                    "title": f"Kuis {i}",
                    "pass_mark": 70,
                    "time_limit_seconds": time_limit,
                    "max_attempts": max_attempts,
                    "review_feedback": "immediately",
                    "review_answers": "immediately",
                    "questions": [
                        {
                            "key": f"q{i}-single",
                            "type": "single",
                            "text": "Satu?",
                            "points": 2,
                            "choices": [choice("A", True), choice("B"), choice("C")],
                        },
                        {
                            "key": f"q{i}-multi",
                            "type": "multiple",
                            "text": "Banyak?",
                            "points": 2,
                            "choices": [choice("A", True), choice("B", True), choice("C"), choice("D")],
                        },
                        {
                            "key": f"q{i}-tf",
                            "type": "true_false",
                            "text": "Benar?",
                            "points": 1,
                            "choices": [choice("Benar", True), choice("Salah")],
                        },
                    ],
                },
            }
        )
    return {
        "course": {
            "slug": slug,
            "title": "Kursus Uji",
            "title_en": "Test course",
            "required_functions": ["lantas", "spkt"],
            "certificate_validity_days": 365,
        },
        "modules": modules,
    }


def course(**kwargs: Any) -> Course:
    return course_import(data=course_data(**kwargs))


def correct_answers(attempt_payload: dict) -> list[dict]:
    """Answers that score full marks, worked out from the keys of the attempt's version (the
    API never shows them), for every type graded automatically (an essay gets some text)."""
    from quizzes.models import Attempt
    from quizzes.question_types.matching import answer_ids, prompts
    from quizzes.question_types.short_answer import SHORT_ANSWER

    spec = {q["id"]: q for q in Attempt.objects.get(pk=attempt_payload["id"]).version.spec["questions"]}
    answers: list[dict] = []
    for shown in attempt_payload["questions"]:
        q = spec[shown["id"]]
        if "choices" in q:
            right = {c["id"] for c in q["choices"] if c["is_correct"]}
            answers.append(
                {"question": q["id"], "choices": [c["id"] for c in shown["choices"] if c["id"] in right]}
            )
        elif q["type"] == SHORT_ANSWER:
            best = max(q["answers"], key=lambda a: a.get("weight", 100))
            answers.append({"question": q["id"], "text": best["text"].replace("*", "")})
        elif "pairs" in q:
            ids = answer_ids(q)
            pairs = [[p["prompt_id"], ids[p["answer"]]] for p in prompts(q)]
            answers.append({"question": q["id"], "pairs": pairs})
        elif "items" in q:
            answers.append({"question": q["id"], "order": [i["id"] for i in q["items"]]})
        else:
            answers.append({"question": q["id"], "text": "Jawaban."})
    return answers


def graded_attempt(
    quiz: Any, *, single_right: bool = True, essay: str | None = None, taker: Person | None = None
) -> Any:
    """A graded attempt of `quiz` by `taker` (default: a new learner): every choice question
    right, or the single-choice one wrong (`single_right=False`), and the essay answered with
    `essay` where there is one."""
    from quizzes import services
    from quizzes.models import Attempt

    person_ = taker or person(roles=("learner",))
    attempt = services.attempt_start(quiz=quiz, person=person_)
    answers = []
    for q in attempt.version.spec["questions"]:
        if q["type"] == "essay":
            answers.append(services.Answer(question=q["id"], text=essay or ""))
            continue
        right = [c["id"] for c in q["choices"] if c["is_correct"]]
        wrong = [c["id"] for c in q["choices"] if not c["is_correct"]]
        pick = right if (single_right or q["type"] != "single") else wrong[:1]
        answers.append(services.Answer(question=q["id"], choices=tuple(pick)))
    services.attempt_submit(attempt=attempt, answers=answers)
    services.attempt_grade(attempt_id=attempt.pk)
    return Attempt.objects.select_related("person").get(pk=attempt.pk)


def enrolment(person: Person, course: Course) -> Enrolment:
    """The person's latest cycle of the course."""
    return Enrolment.objects.filter(person=person, course=course).latest("cycle")


def deliver_events() -> int:
    """What the worker would do with everything in the outbox, here in the test's process."""
    return events_deliver_pending()


def certificate(*, holder: Person, course: Course, **fields: Any) -> Certificate:
    """A certificate row in a cycle of its own, for tests of reading it (issuance itself is
    tested through `certificate_issue`)."""
    cycle = Enrolment.objects.filter(person=holder, course=course).count() + 1
    enrolment = Enrolment.objects.create(person=holder, course=course, cycle=cycle, opened_at=timezone.now())
    return Certificate.objects.create(holder=holder, course=course, enrolment=enrolment, **fields)
