"""Instructors' pages: courses, modules, lessons (Markdown with a live preview), quizzes and
their questions with keys, publish, and a quiz's attempts. Writes call the same services as the
authoring API. Item analysis, the grading queue and regrades are in `pages.quiz_tools`."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ServiceError
from courses import selectors as course_selectors
from courses import services as course_services
from courses.models import Course
from pages.access import error_message, role_required
from pages.forms import (
    CHOICE_TYPES,
    PAGING,
    TYPE_LABELS,
    CourseForm,
    GiftImportForm,
    LessonForm,
    ModuleForm,
    QuestionForm,
    QuizForm,
)
from pages.markdown import render_markdown
from people.models import Role
from quizzes import gift, question_types
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.models import Quiz
from reports import selectors as report_selectors


def errors_onto(form: forms.Form, exc: ValidationError | ServiceError) -> None:
    """A service's refusal shown on the form: field errors on their fields, the rest on top."""
    if isinstance(exc, ServiceError):
        form.add_error(None, error_message(exc))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def courses_page(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = course_services.course_create(**form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Course created."))
            return redirect("pages:instructor-course", course_id=course.pk)
    courses = course_selectors.courses_for_authoring()
    return render(request, "pages/instructor/courses.html", {"courses": courses, "form": form})


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def course_page(request: HttpRequest, course_id: int) -> HttpResponse:
    course = report_selectors.course_detail(course_id=course_id, published_only=False)
    if course is None:
        raise Http404
    module_form = ModuleForm(request.POST if request.POST.get("form") == "module" else None, prefix="module")
    quiz_form = QuizForm(request.POST if request.POST.get("form") == "quiz" else None, prefix="quiz")
    if request.method == "POST":
        action = request.POST.get("form")
        try:
            if action == "status":
                status = (
                    Course.Status.PUBLISHED
                    if request.POST.get("status") == "published"
                    else Course.Status.DRAFT
                )
                course_services.course_update(course=course, data={"status": status})
                messages.success(
                    request, _("Course published.") if status == "published" else _("Course is a draft.")
                )
                return redirect("pages:instructor-course", course_id=course.pk)
            if action == "module" and module_form.is_valid():
                course_services.module_create(course=course, **module_form.cleaned_data)
                messages.success(request, _("Module added."))
                return redirect("pages:instructor-course", course_id=course.pk)
            if action == "quiz" and quiz_form.is_valid():
                module = course_selectors.module_get(module_id=int(request.POST.get("module", "0") or 0))
                if module is None or module.course_id != course.pk:
                    raise Http404
                quiz = quiz_services.quiz_create(module=module, **quiz_form.cleaned_data)
                messages.success(request, _("Quiz added; add its questions, then publish it."))
                return redirect("pages:instructor-quiz", quiz_id=quiz.pk)
        except ValidationError as exc:
            errors_onto(quiz_form if action == "quiz" else module_form, exc)
    context = {"course": course, "module_form": module_form, "quiz_form": quiz_form}
    return render(request, "pages/instructor/course.html", context)


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def lesson_edit(
    request: HttpRequest, lesson_id: int | None = None, module_id: int | None = None
) -> HttpResponse:
    lesson = course_selectors.lesson_get(lesson_id=lesson_id) if lesson_id else None
    module = lesson.module if lesson else course_selectors.module_get(module_id=module_id or 0)
    if module is None or (lesson_id and lesson is None):
        raise Http404
    initial: dict[str, Any] = {}
    if lesson is not None:
        initial = {f: getattr(lesson, f) for f in LessonForm.base_fields}
    form = LessonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if lesson is None:
                lesson = course_services.lesson_create(module=module, **form.cleaned_data)
            else:
                lesson = course_services.lesson_update(lesson=lesson, data=form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Lesson saved."))
            return redirect("pages:instructor-lesson", lesson_id=lesson.pk)
    body = form["body"].value() or ""
    context = {
        "form": form,
        "lesson": lesson,
        "module": module,
        "course": module.course,
        "preview": render_markdown(body),
    }
    return render(request, "pages/instructor/lesson.html", context)


@role_required(Role.INSTRUCTOR)
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """The lesson editor's preview (htmx): the same rendering learners get."""
    return HttpResponse(render_markdown(request.POST.get("body", "")))


def quiz_or_404(quiz_id: int) -> Any:
    quiz = quiz_selectors.quiz_for_authoring(quiz_id=quiz_id)
    if quiz is None:
        raise Http404
    return quiz


def _keep_ids(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Parts written as lines carry no ids: an edited matching pair or ordering item with the
    text it had keeps its id (so an edit that changes nothing changes nothing)."""
    if "items" in new:
        ids = {i["text"]: i.get("id") for i in old.get("items") or []}
        new["items"] = [{**i, "id": ids.get(i["text"])} for i in new["items"]]
    if "pairs" in new:
        # An extra answer (no prompt) is known by its answer.
        prompts = {
            (p["prompt"], "" if p["prompt"] else p["answer"]): p.get("prompt_id")
            for p in old.get("pairs") or []
        }
        answers = {p["answer"]: p.get("answer_id") for p in old.get("pairs") or []}
        new["pairs"] = [
            {
                **p,
                "prompt_id": prompts.get((p["prompt"], "" if p["prompt"] else p["answer"])),
                "answer_id": answers.pop(p["answer"], None),
            }
            for p in new["pairs"]
        ]
    return new


def _question_saved(request: HttpRequest, quiz: Any, form: QuestionForm, question: Any = None) -> bool:
    """Create (or change) the question the form describes, with the services of the authoring
    API; the services' refusals land on the form."""
    data = form.cleaned_data
    takes_choices = data["type"] in CHOICE_TYPES
    try:
        if question is None:
            quiz_services.question_create(
                quiz=quiz,
                key=data["key"],
                type=data["type"],
                text=data["text"],
                text_en=data["text_en"],
                explanation=data["explanation"],
                points=data["points"],
                order=len(quiz.questions.all()),
                choices=data["choices"],
                content=data["content"],
            )
        else:
            quiz_services.question_update(
                question=question,
                data=quiz_services.QuestionData(
                    key=data["key"],
                    type=data["type"],
                    text=data["text"],
                    text_en=data["text_en"],
                    explanation=data["explanation"],
                    points=data["points"],
                ),
                choices=data["choices"] if takes_choices else [],
                content=_keep_ids(question.content, data["content"]),
            )
    except (ValidationError, ServiceError) as exc:
        errors_onto(form, exc)
        return False
    return True


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def quiz_page(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quiz_or_404(quiz_id)
    form = QuestionForm(request.POST or None, initial={"type": "single", "points": 1})
    if request.method == "POST" and request.POST.get("form") == "paging":
        paging = request.POST.get("paging", "")
        if paging in Quiz.Paging.values:
            quiz_services.quiz_update(quiz=quiz, data={"paging": paging})
            messages.success(request, _("Quiz setting saved."))
        return redirect("pages:instructor-quiz", quiz_id=quiz.pk)
    if request.method == "POST" and form.is_valid() and _question_saved(request, quiz, form):
        messages.success(request, _("Question added. Publish to let new attempts use it."))
        return redirect("pages:instructor-quiz", quiz_id=quiz.pk)
    versions = list(quiz.versions.all())
    context = {
        "quiz": quiz,
        "form": form,
        "latest": versions[0] if versions else None,
        "questions": [_with_keys(q) for q in quiz.questions.all()],
        "paging": PAGING,
    }
    return render(request, "pages/instructor/quiz.html", context)


def _with_keys(question: Any) -> dict[str, Any]:
    """A draft question with its key as its type reads it (the same as the authoring API's)."""
    keys = question_types.get(question.type).authoring(question)
    return {
        "question": question,
        "type_label": TYPE_LABELS.get(question.type, question.get_type_display()),
        # Named one by one: a template reads `keys.items` as the dict's method.
        "keys": {k: keys.get(k) for k in ("choices", "pairs", "rubric", "answers")}
        | {"order": keys.get("items")},
    }


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, quiz_id: int, question_id: int) -> HttpResponse:
    quiz = quiz_or_404(quiz_id)
    question = next((q for q in quiz.questions.all() if q.pk == question_id), None)
    if question is None:
        raise Http404
    keys = question_types.get(question.type).authoring(question)
    initial = QuestionForm.initial_from(
        {
            **{f: getattr(question, f) for f in ("type", "key", "text", "text_en", "points", "explanation")},
            "choices": keys.get("choices"),
            "content": keys,
        }
    )
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _question_saved(request, quiz, form, question):
        messages.success(request, _("Question saved. Publish to let new attempts use it."))
        return redirect("pages:instructor-quiz", quiz_id=quiz.pk)
    return render(
        request, "pages/instructor/question.html", {"quiz": quiz, "question": question, "form": form}
    )


def _published_summary(before: dict[str, Any] | None, version: Any) -> str:
    """What a new version changed against the one before: its questions new, removed and changed
    (known by id, named by key), and whether the quiz's settings (pass mark, time) changed."""
    old = {q["id"]: q for q in (before or {}).get("questions", [])}
    new = {q["id"]: q for q in version.spec["questions"]}
    added = [new[i]["key"] for i in new if i not in old]
    removed = [old[i]["key"] for i in old if i not in new]
    changed = [new[i]["key"] for i in new if i in old and old[i] != new[i]]
    parts = [
        _(
            "Version %(n)s published: %(total)s questions, %(added)s new, %(removed)s removed, "
            "%(changed)s changed."
        )
        % {
            "n": version.number,
            "total": len(new),
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
        }
    ]
    for label, keys in ((_("New"), added), (_("Removed"), removed), (_("Changed"), changed)):
        if keys:
            parts.append(f"{label}: {', '.join(keys)}.")
    settings = ("pass_mark", "time_limit_seconds", "draws")
    if before and any(before.get(k) != version.spec.get(k) for k in settings):
        parts.append(_("The pass mark, time limit or random draws changed too."))
    return " ".join(parts)


@role_required(Role.INSTRUCTOR)
@require_POST
def quiz_publish(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quiz_or_404(quiz_id)
    previous = quiz.versions.first()
    try:
        version = quiz_services.quiz_publish(quiz=quiz)
    except ServiceError as exc:
        messages.error(request, error_message(exc))
        return redirect("pages:instructor-quiz", quiz_id=quiz.pk)
    if previous is not None and version.pk == previous.pk:
        messages.info(request, _("Nothing changed since version %(n)s.") % {"n": version.number})
    else:
        messages.success(request, _published_summary(previous.spec if previous else None, version))
    return redirect("pages:instructor-quiz", quiz_id=quiz.pk)


@role_required(Role.INSTRUCTOR)
@require_POST
def question_delete(request: HttpRequest, quiz_id: int, question_id: int) -> HttpResponse:
    """Delete a question of the draft bank; published versions keep their frozen copy."""
    quiz = quiz_or_404(quiz_id)
    question = next((q for q in quiz.questions.all() if q.pk == question_id), None)
    if question is None:
        raise Http404
    quiz_services.question_delete(question=question)
    messages.success(
        request, _("Question deleted from the draft. Publish to let new attempts go without it.")
    )
    return redirect("pages:instructor-quiz", quiz_id=quiz.pk)


@role_required(Role.INSTRUCTOR)
@require_GET
def quiz_attempts(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quiz_or_404(quiz_id)
    attempts = quiz_selectors.attempts_of_quiz(quiz=quiz)[:500]
    return render(request, "pages/instructor/attempts.html", {"quiz": quiz, "attempts": attempts})


GIFT_REPORT = "pages.gift_report"


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def gift_import(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """GIFT pasted or uploaded, imported as the quiz's questions by the same service as the API
    (all or nothing): every error is shown at its line of the text, and nothing is imported."""
    quiz = quiz_or_404(quiz_id)
    paths = quiz_selectors.category_paths()
    category_choices = [
        ("", _("(top)")),
        *sorted(((str(pk), " / ".join(path)) for pk, path in paths.items()), key=lambda c: c[1]),
    ]
    form = GiftImportForm(request.POST or None, request.FILES or None, categories=category_choices)
    errors: list[gift.GiftError] = []
    text = ""
    if request.method == "POST" and form.is_valid():
        category_id = form.cleaned_data["category"]
        category = quiz_selectors.category_get(category_id=int(category_id)) if category_id else None
        text = form.cleaned_data["gift"]
        try:
            result = quiz_services.gift_import(text=text, quiz=quiz, category=category)
        except gift.GiftErrors as exc:
            errors = sorted(exc.errors, key=lambda e: e.line)
            # The text to correct, in the box (an uploaded file's too).
            form = GiftImportForm(
                {"text": text, "category": category_id}, categories=category_choices, initial={}
            )
            form.is_valid()
        else:
            paths = quiz_selectors.category_paths()
            # Shown once after the redirect, so reloading the page never imports twice.
            request.session[GIFT_REPORT] = {
                "created": len(result.questions),
                "categories": [
                    {"path": " / ".join(paths[c.pk]) if c else "", "created": n}
                    for c, n in result.per_category
                ],
                "notes": [{"line": n.line, "message": n.message} for n in result.notes],
            }
            messages.success(
                request,
                _("%(n)s questions imported. Publish to let new attempts use them.")
                % {"n": len(result.questions)},
            )
            return redirect("pages:instructor-gift-import", quiz_id=quiz.pk)
    by_line: dict[int, list[str]] = {}
    for error in errors:
        by_line.setdefault(error.line, []).append(error.message)
    lines = [
        {"number": n, "text": line, "errors": by_line.get(n, [])}
        for n, line in enumerate(text.splitlines(), start=1)
    ]
    context = {
        "quiz": quiz,
        "form": form,
        "errors": errors,
        "lines": lines if errors else [],
        "report": request.session.pop(GIFT_REPORT, None) if request.method == "GET" else None,
    }
    return render(request, "pages/instructor/gift_import.html", context)
