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
from quizzes.question_types import numeric
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
    # Required and due as HR's assignments say, in the same order as the API's list.
    courses = report_selectors.learner_courses(person=person) if person is not None else []
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
    quizzes = [q for m in course.modules.all() for q in m.quizzes.all()]
    rules = quiz_selectors.quiz_states_for_person(quizzes=quizzes, person=person) if person else {}
    quiz_state = {}
    for quiz in quizzes:
        attempts = by_quiz.get(quiz.pk, [])
        state = rules.get(quiz.pk, {})
        result = state.get("result")
        quiz_state[quiz.pk] = {
            **state,
            "count": len(attempts),
            # The result under the quiz's grading method, as certificates count it.
            "passed": bool(result and result.passed),
            "open": next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None),
            "last": attempts[-1] if attempts else None,
        }
    # Required and due for this person as HR's assignments say (as on the list of courses).
    required, due_on = report_selectors.courses_due(person=person, course_ids=[course.pk])[course.pk]
    return render(
        request,
        "pages/course.html",
        {"course": course, "quiz_state": quiz_state, "required": required, "due_on": due_on},
    )


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
    """How a question of this type is answered on the page (its part of attempt.html)."""
    question_type = question_types.get(type_name)
    if question_type.answer_key == "choices":
        return "checkbox" if getattr(question_type, "takes_many", False) else "radio"
    if question_type.answer_key == "pairs":
        return "matching"
    if question_type.answer_key == "order":
        return "ordering"
    if question_type.answer_key == "value":
        return "number"
    return "textarea" if question_type.graded_by_hand else "text"


def _saved(response: Any) -> dict[str, Any]:
    data = response.data if isinstance(response.data, list) else []
    return {
        "choices": list(response.choices or []),
        "text": response.text,
        "value": "" if response.value is None else str(response.value.normalize()),
        # matching: {prompt id: answer id}; ordering: the item ids in the learner's order
        "pairs": {p[0]: p[1] for p in data if isinstance(p, list) and len(p) == 2},
        "order": [i for i in data if isinstance(i, int)],
    }


EMPTY = {"choices": [], "text": "", "value": "", "pairs": {}, "order": []}


def _is_answered(saved: dict[str, Any] | None) -> bool:
    return bool(
        saved and (saved["choices"] or saved["text"] or saved["value"] or saved["pairs"] or saved["order"])
    )


def _with_answer(q: dict[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
    """The parts of a matching or ordering question as the learner left them: each prompt with
    its chosen answer, the items in the saved order (else as the attempt shows them)."""
    if "prompts" in q:
        answers = {a["id"]: a for a in q["answers"]}
        q["prompts"] = [
            {
                **p,
                "chosen": saved["pairs"].get(p["id"]),
                "chosen_text": answers.get(saved["pairs"].get(p["id"]), {}).get("text", ""),
            }
            for p in q["prompts"]
        ]
    if "items" in q and saved["order"]:
        items = {i["id"]: i for i in q["items"]}
        if sorted(saved["order"]) == sorted(items):
            q["items"] = [items[i] for i in saved["order"]]
    return q


def _questions(attempt: Attempt) -> list[dict[str, Any]]:
    saved = {r.question_ref: _saved(r) for r in attempt.responses.all()}
    questions = []
    for number, q in enumerate(quiz_selectors.attempt_questions_public(attempt=attempt), start=1):
        answer = saved.get(q["id"])
        questions.append(
            _with_answer(
                {
                    **q,
                    "number": number,
                    "widget": _widget(q["type"]),
                    "saved": answer or EMPTY,
                    "answered": _is_answered(answer),
                },
                answer or EMPTY,
            )
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
    # The quiz's setting, which the learner may switch for this page.
    one_per_screen = (request.GET.get("view") or attempt.quiz.paging) == Quiz.Paging.ONE
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


def _moved(order: list[str], move: str, question_id: int) -> tuple[list[str], bool]:
    """`order` with one item moved (`<question>:<item>:up|down`, the no-script buttons of an
    ordering question), and whether the move was this question's."""
    parts = move.split(":")
    if len(parts) != 3 or parts[0] != str(question_id):
        return order, False
    _, item, direction = parts
    if item not in order:
        return order, True  # "keep this order"
    at = order.index(item)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    return order, True


def _ids(values: list[str]) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in values)
    except ValueError:
        raise ServiceError("Answers name ids.", code="bad_choice") from None


def _answers_from(request: HttpRequest, attempt: Attempt) -> tuple[list[quiz_services.Answer], list[int]]:
    """The answers of the questions a form showed (`shown`): a shown question with nothing
    picked is saved as empty, so taking a choice back is kept too. Also the questions whose
    number could not be read (kept out, so the others are saved)."""
    types = {item["id"]: item["type"] for item in quiz_selectors.attempt_questions_public(attempt=attempt)}
    answers, not_numbers = [], []
    move = request.POST.get("move", "")
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
            answers.append(
                quiz_services.Answer(question=question_id, choices=_ids(request.POST.getlist(field)))
            )
        elif key == "text":
            answers.append(quiz_services.Answer(question=question_id, text=request.POST.get(field, "")))
        elif key == "pairs":
            prefix = f"{field}-p-"
            pairs = tuple(
                (int(name[len(prefix) :]), _ids([str(request.POST[name])])[0])
                for name in request.POST
                if name.startswith(prefix) and name[len(prefix) :].isdigit() and request.POST[name]
            )
            answers.append(quiz_services.Answer(question=question_id, pairs=pairs))
        elif key == "order":
            order, moved = _moved(request.POST.getlist(field), move, question_id)
            # An order the learner never touched is no answer yet (the shuffle is not theirs).
            if order and (moved or request.POST.get(f"{field}-set") == "1"):
                answers.append(quiz_services.Answer(question=question_id, order=_ids(order)))
        else:
            value = request.POST.get(field, "").strip()
            if not value:
                continue
            try:
                numeric.parse_number(value)  # "2,5" and "1.250,5" are numbers too
            except ValueError:
                not_numbers.append(question_id)
                continue
            answers.append(quiz_services.Answer(question=question_id, value=value))
    return answers, not_numbers


def _wants_json(request: HttpRequest) -> bool:
    return request.META.get(FETCH_HEADER) == "1"


@login_required
@require_POST
def attempt_save(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Save the answers a form or the page's script sends (quizzes.services.attempt_save_answers),
    then go where the learner asked: another question, or the confirmation before submit."""
    attempt = _attempt_or_404(request, attempt_id)
    try:
        answers, not_numbers = _answers_from(request, attempt)
        if answers:
            quiz_services.attempt_save_answers(attempt=attempt, answers=answers)
    except ServiceError as exc:
        if _wants_json(request):
            status = 409 if isinstance(exc, Conflict) else 400
            return JsonResponse({"ok": False, "code": exc.code, "detail": error_message(exc)}, status=status)
        messages.error(request, error_message(exc))
        return redirect("pages:attempt", attempt_id=attempt.pk)
    not_a_number = _("This is not a number; write it as 2,5 or 1.250,5.")
    if _wants_json(request):
        body: dict[str, Any] = {"ok": True, "saved": [a.question for a in answers]}
        if not_numbers:  # the others are saved; these wait for a number
            body.update(not_numbers=not_numbers, detail=not_a_number)
        return JsonResponse(body)
    if not_numbers:
        messages.error(request, not_a_number)
    goto = request.POST.get("goto", "")
    if goto == "confirm":
        return redirect("pages:attempt-confirm", attempt_id=attempt.pk)
    # Back to the page as it was shown (one question per screen or all), or to another question.
    url = reverse("pages:attempt", kwargs={"attempt_id": attempt.pk})
    view, current = request.POST.get("view", ""), request.POST.get("current", "")
    if goto.isdigit():
        url += f"?view=one&q={int(goto)}"
    elif view == Quiz.Paging.ONE and current.isdigit():
        url += f"?view=one&q={int(current)}"
    elif view == Quiz.Paging.ALL:
        url += "?view=all"
    move = request.POST.get("move", "")
    if move:
        url += f"#question-{move.split(':')[0]}"
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


def _key_lines(q: dict[str, Any], feedback: dict[str, Any]) -> list[str]:
    """The key of a question other than the choice types, as lines of text, where review
    reveals it (the choice types mark their choices instead)."""
    if "correct_pairs" in feedback:
        prompts = {p["id"]: p["text"] for p in q.get("prompts", [])}
        answers = {a["id"]: a["text"] for a in q.get("answers", [])}
        return [f"{prompts.get(p, '')} → {answers.get(a, '')}" for p, a in feedback["correct_pairs"]]
    if "correct_order" in feedback:
        items = {i["id"]: i["text"] for i in q.get("items", [])}
        return [f"{n}. {items.get(i, '')}" for n, i in enumerate(feedback["correct_order"], start=1)]
    if "answers" in feedback:
        return [
            (
                a["text"]
                if "text" in a
                else f"{a['value']} ± {a['tolerance']}"
                if a.get("tolerance") not in (None, "0")
                else a["value"]
            )
            + (f" ({a['weight']}%)" if a.get("weight", 100) != 100 else "")
            for a in feedback["answers"]
        ]
    return []


def _result_context(attempt: Attempt) -> dict[str, Any]:
    questions = _questions(attempt)
    shown = quiz_selectors.attempt_review_shown(attempt=attempt)
    feedback = {row["question"]: row for row in quiz_selectors.attempt_feedback(attempt=attempt, shown=shown)}
    for q in questions:
        q["feedback"] = feedback.get(q["id"])
        q["key_lines"] = _key_lines(q, q["feedback"] or {})
    waiting = attempt.status in (Attempt.Status.IN_PROGRESS, Attempt.Status.SUBMITTED)
    return {
        "questions": questions,
        "waiting": waiting,
        "needs_review": attempt.status == Attempt.Status.NEEDS_REVIEW,
        "show_score": shown.score,
        "show_correctness": shown.correctness,
        "show_answers": shown.anything and bool(feedback),
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
