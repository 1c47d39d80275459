"""A learner's pages: my courses, a course, a lesson, taking a quiz, the result, my certificates.

Every write goes through the same services as the API (quizzes.services); every read through
the selectors of the app that owns it."""

from datetime import timedelta
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from certificates import selectors as certificate_selectors
from certificates.services import verify_url
from core.errors import Conflict, ServiceError
from courses import selectors as course_selectors
from courses.models import Course
from pages.access import error_message
from people.models import Person
from people.selectors import person_for_user
from quizzes import question_types
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.models import Attempt, Quiz
from reports import selectors as report_selectors

FETCH_HEADER = "HTTP_X_LENCANA_FETCH"


def _person(request: HttpRequest) -> Person | None:
    return person_for_user(request.user)


def _person_or_404(request: HttpRequest) -> Person:
    person = _person(request)
    if person is None:
        raise Http404(_("Only personnel with an NRP can take courses."))
    return person


@login_required
@require_GET
def my_courses(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    courses = []
    if person is not None:
        for course in report_selectors.courses_for_person(person=person):
            total, passed = course.quiz_count, course.quizzes_passed  # type: ignore[attr-defined]
            courses.append(
                {
                    "course": course,
                    "required": person.function in (course.required_functions or []),
                    "total": total,
                    "passed": passed,
                    "percent": round(100 * passed / total) if total else 0,
                    "certificate_id": course.certificate_id,  # type: ignore[attr-defined]
                    "overdue": bool(
                        course.due_date
                        and timezone.localdate() > course.due_date
                        and not course.certificate_id  # type: ignore[attr-defined]
                    ),
                }
            )
    # Required courses first, the nearest due date first among them.
    courses.sort(key=lambda c: (not c["required"], c["course"].due_date or timezone.localdate().max))
    return render(request, "pages/my_courses.html", {"person": person, "courses": courses})


@login_required
@require_GET
def course_page(request: HttpRequest, course_id: int) -> HttpResponse:
    course = report_selectors.course_detail(course_id=course_id)
    if course is None:
        raise Http404
    person = _person(request)
    by_quiz: dict[int, list[Attempt]] = {}
    if person is not None:
        for attempt in quiz_selectors.attempts_of_person(person=person).filter(quiz__module__course=course):
            by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    quiz_state = {
        quiz_id: {
            "count": len(attempts),
            "passed": any(a.passed for a in attempts),
            "open": next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None),
            "last": attempts[-1],
        }
        for quiz_id, attempts in by_quiz.items()
    }
    return render(request, "pages/course.html", {"course": course, "quiz_state": quiz_state})


@login_required
@require_GET
def lesson_page(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = course_selectors.lesson_get(lesson_id=lesson_id)
    if lesson is None or lesson.module.course.status != Course.Status.PUBLISHED:
        raise Http404
    return render(request, "pages/lesson.html", {"lesson": lesson, "course": lesson.module.course})


@login_required
@require_POST
def quiz_start(request: HttpRequest, quiz_id: int) -> HttpResponse:
    person = _person_or_404(request)
    quiz = quiz_selectors.quiz_get(quiz_id=quiz_id)
    if quiz is None:
        raise Http404
    try:
        attempt = quiz_services.attempt_start(quiz=quiz, person=person)
    except Conflict as exc:
        open_attempt = quiz_selectors.attempt_open_for_person(person=person, quiz_id=quiz.pk)
        if exc.code == "attempt_in_progress" and open_attempt is not None:
            return redirect("pages:attempt", attempt_id=open_attempt.pk)  # resume, e.g. on a second device
        messages.error(request, error_message(exc))
        return redirect("pages:course", course_id=quiz.module.course_id)
    return redirect("pages:attempt", attempt_id=attempt.pk)


def _attempt_or_404(request: HttpRequest, attempt_id: int) -> Attempt:
    attempt = quiz_selectors.attempt_for_page(attempt_id=attempt_id, person=_person(request))
    if attempt is None:  # someone else's attempt is as unknown as a missing one
        raise Http404
    return attempt


def _is_open(attempt: Attempt) -> bool:
    grace = timedelta(seconds=settings.LENCANA_ATTEMPT_GRACE_SECONDS)
    return attempt.status == Attempt.Status.IN_PROGRESS and timezone.now() <= attempt.deadline + grace


def _widget(type_name: str) -> str:
    """How a question of this type is answered on the page. Types that other work adds
    (short answer, numeric, essay ...) get a text box until they bring their own widget."""
    question_type = question_types.get(type_name)
    if question_type.answer_key == "choices":
        return "checkbox" if getattr(question_type, "takes_many", False) else "radio"
    return "textarea" if type_name == "essay" else "text"


def _saved(response: Any) -> dict[str, Any]:
    return {
        "choices": list(response.choices or []),
        "text": response.text,
        "value": "" if response.value is None else str(response.value.normalize()),
    }


def _is_answered(saved: dict[str, Any] | None) -> bool:
    return bool(saved and (saved["choices"] or saved["text"] or saved["value"]))


def _questions(attempt: Attempt) -> list[dict[str, Any]]:
    saved = {r.question_ref: _saved(r) for r in attempt.responses.all()}
    questions = []
    for number, q in enumerate(quiz_selectors.attempt_questions_public(attempt=attempt), start=1):
        answer = saved.get(q["id"])
        questions.append(
            {
                **q,
                "number": number,
                "widget": _widget(q["type"]),
                "saved": answer or {"choices": [], "text": "", "value": ""},
                "answered": _is_answered(answer),
            }
        )
    return questions


def _timer(attempt: Attempt) -> dict[str, Any]:
    return {
        "deadline": attempt.deadline.isoformat(),
        "server_now": timezone.now().isoformat(),
        "seconds_left": max(0, int((attempt.deadline - timezone.now()).total_seconds())),
    }


@login_required
@require_GET
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_or_404(request, attempt_id)
    if not _is_open(attempt):
        return render(request, "pages/result.html", {"attempt": attempt, **_result_context(attempt)})
    questions = _questions(attempt)
    one_per_screen = request.GET.get("view") == "one"
    current = 1
    if one_per_screen:
        try:
            current = min(max(int(request.GET.get("q", "1")), 1), len(questions))
        except ValueError:
            current = 1
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "questions": questions,
        "shown": [questions[current - 1]] if one_per_screen else questions,
        "one_per_screen": one_per_screen,
        "current": current,
        "timer": _timer(attempt),
    }
    return render(request, "pages/attempt.html", context)


def _answers_from(request: HttpRequest, attempt: Attempt) -> list[quiz_services.Answer]:
    """The answers of the questions a form showed (`shown`): a shown question with nothing
    picked is saved as empty, so taking a choice back is kept too."""
    types = {item["id"]: item["type"] for item in quiz_selectors.attempt_questions_public(attempt=attempt)}
    answers = []
    for raw in request.POST.getlist("shown"):
        try:
            question_id = int(raw)
        except ValueError:
            continue
        if question_id not in types:
            raise ServiceError(
                f"Question {question_id} is not part of this attempt.", code="unknown_question"
            )
        key = question_types.get(types[question_id]).answer_key
        field = f"q-{question_id}"
        if key == "choices":
            try:
                picked = tuple(int(v) for v in request.POST.getlist(field))
            except ValueError:
                raise ServiceError("Choices are ids.", code="bad_choice") from None
            answers.append(quiz_services.Answer(question=question_id, choices=picked))
        elif key == "text":
            answers.append(quiz_services.Answer(question=question_id, text=request.POST.get(field, "")))
        else:
            value = request.POST.get(field, "").strip()
            if value:
                answers.append(quiz_services.Answer(question=question_id, value=value.replace(",", ".")))
    return answers


def _wants_json(request: HttpRequest) -> bool:
    return request.META.get(FETCH_HEADER) == "1"


@login_required
@require_POST
def attempt_save(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Save the answers a form or the page's script sends (quizzes.services.attempt_save_answers),
    then go where the learner asked: another question, or the confirmation before submit."""
    attempt = _attempt_or_404(request, attempt_id)
    try:
        answers = _answers_from(request, attempt)
        if answers:
            quiz_services.attempt_save_answers(attempt=attempt, answers=answers)
    except ServiceError as exc:
        if _wants_json(request):
            status = 409 if isinstance(exc, Conflict) else 400
            return JsonResponse({"ok": False, "code": exc.code, "detail": error_message(exc)}, status=status)
        messages.error(request, error_message(exc))
        return redirect("pages:attempt", attempt_id=attempt.pk)
    if _wants_json(request):
        return JsonResponse({"ok": True, "saved": [a.question for a in answers]})
    goto = request.POST.get("goto", "")
    if goto == "confirm":
        return redirect("pages:attempt-confirm", attempt_id=attempt.pk)
    url = reverse("pages:attempt", kwargs={"attempt_id": attempt.pk})
    if goto.isdigit():
        url += f"?view=one&q={int(goto)}"
    return redirect(url)


@login_required
@require_GET
def attempt_confirm(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_or_404(request, attempt_id)
    if not _is_open(attempt):
        return redirect("pages:attempt", attempt_id=attempt.pk)
    questions = _questions(attempt)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "unanswered": [q for q in questions if not q["answered"]],
        "total": len(questions),
        "timer": _timer(attempt),
    }
    return render(request, "pages/confirm.html", context)


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Submit (by the learner, or by the page's script when the time is up): the same service as
    the API; submitting twice changes nothing."""
    attempt = _attempt_or_404(request, attempt_id)
    attempt = quiz_services.attempt_submit(attempt=attempt)
    if _wants_json(request):
        return JsonResponse({"ok": True, "status": attempt.status})
    return redirect("pages:attempt", attempt_id=attempt.pk)


def _result_context(attempt: Attempt) -> dict[str, Any]:
    questions = _questions(attempt)
    feedback = {row["question"]: row for row in quiz_selectors.attempt_feedback(attempt=attempt)}
    for q in questions:
        q["feedback"] = feedback.get(q["id"])
    waiting = attempt.status in (Attempt.Status.IN_PROGRESS, Attempt.Status.SUBMITTED)
    return {
        "questions": questions,
        "waiting": waiting,
        "needs_review": attempt.status == Attempt.Status.NEEDS_REVIEW,
        "show_correctness": attempt.quiz.review != Quiz.Review.NONE and bool(feedback),
    }


@login_required
@require_GET
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The result alone, for htmx polling: while grading runs it asks again in two seconds."""
    attempt = _attempt_or_404(request, attempt_id)
    return render(request, "pages/_result.html", {"attempt": attempt, **_result_context(attempt)})


@login_required
@require_GET
def my_certificates(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    rows = []
    for certificate in certificate_selectors.certificates_of_person(person=person):
        url = verify_url(certificate.code)
        rows.append(
            {
                "certificate": certificate,
                "verify_url": url,
                "qr_svg": segno.make_qr(url, error="m").svg_inline(scale=4, dark="#14213d"),
                "ready": certificate.rendered_at is not None,
            }
        )
    pending = any(not r["ready"] for r in rows)
    template = "pages/_certificates.html" if request.headers.get("HX-Request") else "pages/certificates.html"
    return render(request, template, {"rows": rows, "pending": pending})
