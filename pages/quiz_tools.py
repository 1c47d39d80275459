"""Instructors' tools on a published quiz: the item analysis of a version (with its CSV), the
manual grading queue with the rubric, and regrades (a dry run, then the job with its progress).
They call the selectors and services of the authoring API (`quizzes.analysis`,
`quizzes.services.response_review`, `regrade_preview`, `regrade_start`), and write the audit log
as its views do: a manual grade is `response.review`, a regrade `quiz.regrade`."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_record
from core.errors import ServiceError
from pages.access import error_message, role_required
from pages.instructor import errors_onto, quiz_or_404
from people.models import Role
from quizzes import analysis, regrading, services
from quizzes import selectors as quiz_selectors
from quizzes.models import Attempt, Quiz, QuizVersion

REASON_MAX = 2000  # as the API's
COMMENT_MAX = 5000


@contextmanager
def _audited(
    request: HttpRequest, action: str, target_type: str, target_id: Any, data: dict[str, Any]
) -> Iterator[None]:
    """The change inside and its audit entry commit together, or neither does."""
    with transaction.atomic():
        yield
        audit_record(
            actor=request.user, action=action, target_type=target_type, target_id=target_id, data=data
        )


def _version_or_404(quiz: Quiz, number: Any = None) -> QuizVersion:
    try:
        wanted = int(number) if number not in (None, "") else None
    except (TypeError, ValueError):
        raise Http404 from None
    version = quiz_selectors.quiz_version(quiz=quiz, number=wanted)
    if version is None:
        raise Http404
    return version


# --- Item analysis --------------------------------------------------------------------------


def _published_or_none(quiz: Quiz, number: Any) -> QuizVersion | None:
    """The version asked for (a page of a never published quiz says so, a wrong number is 404)."""
    if number in (None, "") and quiz_selectors.quiz_version(quiz=quiz) is None:
        return None
    return _version_or_404(quiz, number)


@role_required(Role.INSTRUCTOR)
@require_GET
def item_analysis(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quiz_or_404(quiz_id)
    version = _published_or_none(quiz, request.GET.get("version"))
    report = analysis.quiz_version_analysis(version=version) if version else None
    context = {
        "quiz": quiz,
        "version": version,
        "versions": [v.number for v in quiz.versions.all()],
        "report": report,
    }
    return render(request, "pages/instructor/analysis.html", context)


@role_required(Role.INSTRUCTOR)
@require_GET
def item_analysis_csv(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quiz_or_404(quiz_id)
    version = _version_or_404(quiz, request.GET.get("version"))
    report = analysis.quiz_version_analysis(version=version)
    response = HttpResponse(analysis.analysis_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}-v{version.number}-analysis.csv"'
    return response


# --- The manual grading queue ---------------------------------------------------------------


class ReviewForm(forms.Form):
    """Points for each criterion of an answer's rubric, and a comment for the learner."""

    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, rubric: list[dict[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        criteria: dict[str, forms.Field] = {}
        for n, c in enumerate(rubric):
            criteria[f"points_{n}"] = forms.IntegerField(
                label=_("%(criterion)s (0 to %(points)s)")
                % {"criterion": c["criterion"] or _("Points"), "points": c["points"]},
                min_value=0,
                max_value=c["points"],
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.fields = {**criteria, **self.fields}

    def scores(self) -> list[services.CriterionScore]:
        return [
            services.CriterionScore(criterion=c["criterion"], points=self.cleaned_data[f"points_{n}"])
            for n, c in enumerate(self.rubric)
        ]


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def grading_queue(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """The quiz's answers awaiting an instructor (essays), each with a form of its rubric. A
    grade goes through `response_review`, as the API's; the attempt's grade is released with its
    last answer graded. A refused grade shows on its form and changes nothing."""
    quiz = quiz_or_404(quiz_id)
    queue = quiz_selectors.reviews_pending(quiz_id=quiz.pk)
    posted = request.POST.get("response", "") if request.method == "POST" else ""
    if posted and not any(str(item["id"]) == posted for item in queue):
        messages.error(request, _("This answer no longer awaits review."))
        return redirect("pages:instructor-grading", quiz_id=quiz.pk)
    rows = []
    for item in queue:
        bound = str(item["id"]) == posted
        form = ReviewForm(
            request.POST if bound else None, rubric=item["question"]["rubric"], prefix=f"review-{item['id']}"
        )
        if bound and form.is_valid():
            try:
                with _audited(
                    request,
                    "response.review",
                    "response",
                    item["id"],
                    {"scores": [vars(s) for s in form.scores()], "comment": form.cleaned_data["comment"]},
                ):
                    attempt = services.response_review(
                        response_id=item["id"],
                        scores=form.scores(),
                        comment=form.cleaned_data["comment"],
                        reviewer_id=request.user.pk,
                    )
            except ServiceError as exc:
                form.add_error(None, error_message(exc))
            else:
                if attempt.status == Attempt.Status.GRADED:
                    messages.success(
                        request,
                        _("Grade saved. Attempt %(n)s is graded: %(percent)s%%, %(verdict)s.")
                        % {
                            "n": attempt.pk,
                            "percent": attempt.percent,
                            "verdict": _("passed") if attempt.passed else _("not passed"),
                        },
                    )
                else:
                    messages.success(
                        request, _("Grade saved. The attempt waits for its other answers to be graded.")
                    )
                return redirect("pages:instructor-grading", quiz_id=quiz.pk)
        rows.append({"item": item, "form": form})
    return render(request, "pages/instructor/grading.html", {"quiz": quiz, "rows": rows})


# --- Regrades -------------------------------------------------------------------------------


class RegradeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (kept with the regrade, and given for any certificate it revokes)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    drop = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Questions to drop (full credit to everyone)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, version: QuizVersion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["drop"].choices = [  # type: ignore[attr-defined]
            (q["id"], f"{q.get('key') or q['id']}: {' '.join(q['text'].split())[:90]}")
            for q in version.spec["questions"]
        ]


@role_required(Role.INSTRUCTOR)
@require_http_methods(["GET", "POST"])
def regrade(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """Regrade the current version against the draft's keys (as fixed since) and the questions
    dropped. `step=preview` is the dry run: the attempts whose score or pass would change, and
    nothing written; `step=start` (the dry run's confirm button) starts the job through
    `regrade_start`, which records `regrade.requested`, and goes to its progress."""
    quiz = quiz_or_404(quiz_id)
    version = _published_or_none(quiz, request.POST.get("version"))
    if version is None:
        return render(request, "pages/instructor/regrade.html", {"quiz": quiz, "version": None})
    form = RegradeForm(request.POST or None, version=version)
    changes = None
    if request.method == "POST" and form.is_valid():
        reason, dropped = form.cleaned_data["reason"], form.cleaned_data["drop"]
        try:
            if request.POST.get("step") == "start":
                with _audited(
                    request,
                    "quiz.regrade",
                    "quiz",
                    quiz.pk,
                    {"dry_run": False, "reason": reason, "version": version.number, "drop": dropped},
                ):
                    job = regrading.regrade_start(
                        quiz=quiz,
                        version=version,
                        reason=reason,
                        dropped=dropped,
                        requested_by_id=request.user.pk,
                    )
                messages.success(request, _("Regrade started."))
                return redirect("pages:instructor-regrade-job", regrade_id=job.pk)
            changes = regrading.regrade_preview(version=version, dropped=dropped)
        except (ValidationError, ServiceError) as exc:
            errors_onto(form, exc)
    context = {
        "quiz": quiz,
        "version": version,
        "form": form,
        "changes": changes,
        "regrades": quiz_selectors.regrades_of_quiz(quiz=quiz)[:20],
    }
    return render(request, "pages/instructor/regrade.html", context)


@role_required(Role.INSTRUCTOR)
@require_GET
def regrade_job(request: HttpRequest, regrade_id: int) -> HttpResponse:
    """A regrade's progress; htmx asks for the bar alone every second until the job is done."""
    job = quiz_selectors.regrade_get(regrade_id=regrade_id)
    if job is None:
        raise Http404
    keys = {q["id"]: q.get("key") or q["id"] for q in job.version.spec["questions"]}
    context = {
        "job": job,
        "quiz": job.quiz,
        "dropped": [keys.get(qid, qid) for qid in job.dropped],
    }
    if request.headers.get("HX-Request"):
        return render(request, "pages/instructor/_regrade_progress.html", context)
    return render(request, "pages/instructor/regrade_job.html", context)
