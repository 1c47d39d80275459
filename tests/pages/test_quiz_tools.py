"""Instructors' quiz tools through the test client: the item analysis of a version with its CSV,
the manual grading queue with the rubric, and a regrade (dry run, confirm, progress). The same
services as the API; refused input shows on the form and changes nothing; only instructors (and
staff) may open them; CSRF is checked."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from audit.models import AuditEntry
from events import types
from events.models import Event
from quizzes import regrading, services
from quizzes.models import Attempt, Question, Quiz, Regrade, Response
from tests import factories

pytestmark = pytest.mark.django_db

RUBRIC = [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 3}]


def signed_in(person, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(person.user)
    return client


@pytest.fixture
def quiz(db) -> Quiz:
    course = factories.course(quizzes=1, max_attempts=1)
    quiz = Quiz.objects.get(module__course=course)
    services.quiz_publish(quiz=quiz)
    return quiz


take = factories.graded_attempt


@pytest.fixture
def essay_quiz(quiz) -> Quiz:
    services.question_create(
        quiz=quiz, key="essay", type="essay", text="Ceritakan.", points=5, order=9, content={"rubric": RUBRIC}
    )
    services.quiz_publish(quiz=quiz)
    return quiz


TOOLS = ("analysis/", "analysis.csv", "grading/", "regrade/")


def test_the_tools_are_for_instructors_only(quiz, learner, hr, instructor):
    for person in (learner, hr):
        client = signed_in(person)
        for tool in TOOLS:
            assert client.get(f"/authoring/quizzes/{quiz.pk}/{tool}").status_code == 403
    for tool in TOOLS:
        assert Client().get(f"/authoring/quizzes/{quiz.pk}/{tool}").status_code == 302  # sign in first
        assert signed_in(instructor).get(f"/authoring/quizzes/{quiz.pk}/{tool}").status_code == 200
    job = regrading.regrade_start(
        quiz=quiz, version=quiz.versions.get(), reason="Uji", requested_by_id=instructor.user.pk
    )
    assert signed_in(learner).get(f"/authoring/regrades/{job.pk}/").status_code == 403
    page = signed_in(instructor).get(f"/authoring/quizzes/{quiz.pk}/").content.decode()
    for tool in TOOLS[:1] + TOOLS[2:]:
        assert f'href="/authoring/quizzes/{quiz.pk}/{tool}"' in page


def test_item_analysis_shows_the_table_and_downloads_the_csv(quiz, instructor):
    take(quiz)
    take(quiz, single_right=False)
    client = signed_in(instructor)
    page = client.get(f"/authoring/quizzes/{quiz.pk}/analysis/").content.decode()
    assert 'id="items"' in page and "Indeks kesukaran" in page and "KR-20" in page
    single = next(q for q in quiz.versions.get().spec["questions"] if q["type"] == "single")
    row = page.split(f'id="item-{single["id"]}"')[1].split("</tr>")[0]
    # Facility 0.5 (one of two right); each of A and B picked once.
    assert "<td>0,50</td>" in row and "1 kali dipilih (50%)" in row
    assert f'href="/authoring/quizzes/{quiz.pk}/analysis.csv?version=1"' in page
    download = client.get(f"/authoring/quizzes/{quiz.pk}/analysis.csv?version=1")
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert {r["key"] for r in rows} == {"q1-single", "q1-multi", "q1-tf"}
    assert client.get(f"/authoring/quizzes/{quiz.pk}/analysis/?version=9").status_code == 404
    assert client.get(f"/authoring/quizzes/{quiz.pk}/analysis/?version=x").status_code == 404


def test_the_tools_of_a_quiz_never_published_say_so(quiz, instructor):
    draft = services.quiz_create(module=quiz.module, slug="draf", title="Draf")
    client = signed_in(instructor)
    for tool in ("analysis/", "regrade/"):
        page = client.get(f"/authoring/quizzes/{draft.pk}/{tool}").content.decode()
        assert "Kuis belum diterbitkan" in page and "<table" not in page
    assert client.get(f"/authoring/quizzes/{draft.pk}/analysis.csv").status_code == 404


def test_grading_queue_grades_an_essay_by_its_rubric_and_releases_the_result(essay_quiz, instructor):
    attempt = take(essay_quiz, essay="Saya mendengarkan dengan sabar.")
    assert attempt.status == Attempt.Status.NEEDS_REVIEW
    response = Response.objects.get(attempt=attempt, text="Saya mendengarkan dengan sabar.")
    client = signed_in(instructor, enforce_csrf_checks=True)
    url = f"/authoring/quizzes/{essay_quiz.pk}/grading/"
    page = client.get(url)
    text = page.content.decode()
    assert "Saya mendengarkan dengan sabar." in text and "Empati (0 sampai 2)" in text
    token = page.cookies["csrftoken"].value
    prefix = f"review-{response.pk}"
    grade = {
        "response": response.pk,
        f"{prefix}-points_0": 2,
        f"{prefix}-points_1": 3,
        f"{prefix}-comment": "Baik",
    }
    assert client.post(url, grade).status_code == 403  # no CSRF token

    # Points above the criterion's: the form says so, nothing changes.
    refused = client.post(url, {**grade, f"{prefix}-points_1": 4, "csrfmiddlewaretoken": token})
    assert refused.status_code == 200 and "lebih kecil dari atau sama dengan 3" in refused.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.NEEDS_REVIEW
    assert not AuditEntry.objects.filter(action="response.review").exists()

    done = client.post(url, {**grade, "csrfmiddlewaretoken": token})
    assert done.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.passed and attempt.score == Decimal("10.00")
    assert Response.objects.get(pk=response.pk).review["comment"] == "Baik"
    assert Event.objects.filter(type=types.ATTEMPT_GRADED, data__attempt_id=attempt.pk).exists()
    entry = AuditEntry.objects.get(action="response.review")
    assert entry.target_id == str(response.pk) and entry.actor_username == instructor.user.username
    after = client.get(done["Location"]).content.decode()
    assert 'id="queue-empty"' in after and "Nilai disimpan" in after
    # Graded again (a second tab): the answer no longer waits, nothing changes.
    again = client.post(url, {**grade, f"{prefix}-points_0": 0, "csrfmiddlewaretoken": token})
    assert again.status_code == 302 and Attempt.objects.get(pk=attempt.pk).score == Decimal("10.00")


def _fix_single_key(quiz: Quiz) -> Question:
    """The single-choice key was wrong: B, not A, is right (fixed in the draft)."""
    single = Question.objects.get(quiz=quiz, type="single")
    choices: list = [{"text": c.text, "is_correct": i == 1} for i, c in enumerate(single.choices.all())]
    services.question_update(question=single, data={}, choices=choices)
    return single


def test_regrade_dry_run_lists_changes_then_the_job_runs_with_its_progress(
    quiz, instructor, django_capture_on_commit_callbacks
):
    passing = take(quiz)
    failing = take(quiz, single_right=False)
    _fix_single_key(quiz)
    spec = quiz.versions.get().spec
    client = signed_in(instructor)
    url = f"/authoring/quizzes/{quiz.pk}/regrade/"

    # No reason: the form says so.
    blank = client.post(url, {"step": "preview", "reason": " ", "version": 1}).content.decode()
    assert "harus diisi" in blank and 'id="dry-run"' not in blank

    preview = client.post(url, {"step": "preview", "reason": "Kunci salah", "version": 1}).content.decode()
    changes = preview.split('id="changes"')[1].split("</table>")[0]
    assert f"<td>{passing.pk}</td><td>5</td><td>3</td>" in changes
    assert f"<td>{failing.pk}</td><td>3</td><td>5</td>" in changes
    assert 'id="regrade-confirm"' in preview and 'value="Kunci salah"' in preview
    assert quiz.versions.get().spec == spec and not Regrade.objects.exists()  # a dry run writes nothing

    with django_capture_on_commit_callbacks():
        started = client.post(url, {"step": "start", "reason": "Kunci salah", "version": 1})
    job = Regrade.objects.get()
    assert started["Location"] == f"/authoring/regrades/{job.pk}/"
    assert Event.objects.filter(type=types.REGRADE_REQUESTED, data__regrade_id=job.pk).exists()
    audit = AuditEntry.objects.get(action="quiz.regrade")
    assert audit.target_id == str(quiz.pk) and audit.data["reason"] == "Kunci salah"
    page = client.get(started["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'aria-valuenow="0"' in page

    regrading.regrade_run(regrade_id=job.pk)
    bar = client.get(started["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert bar.lstrip().startswith('<section id="regrade-progress"')
    assert "hx-trigger" not in bar and 'aria-valuenow="100"' in bar and 'id="regrade-done"' in bar
    assert Attempt.objects.get(pk=passing.pk).passed is False
    assert Attempt.objects.get(pk=failing.pk).passed is True


def test_regrade_refusals_show_on_the_form_and_change_nothing(quiz, instructor):
    take(quiz)
    client = signed_in(instructor)
    url = f"/authoring/quizzes/{quiz.pk}/regrade/"
    unknown = client.post(url, {"step": "preview", "reason": "Uji", "drop": 999999, "version": 1})
    assert unknown.status_code == 200 and "errorlist" in unknown.content.decode()
    version = quiz.versions.get()
    single = next(q["id"] for q in version.spec["questions"] if q["type"] == "single")
    job = regrading.regrade_start(
        quiz=quiz, version=version, reason="Pertama", dropped=[single], requested_by_id=None
    )
    assert "<dd>q1-single</dd>" in client.get(f"/authoring/regrades/{job.pk}/").content.decode()
    running = client.post(url, {"step": "start", "reason": "Kedua", "version": 1}).content.decode()
    assert "masih berjalan" in running and Regrade.objects.count() == 1
    assert not AuditEntry.objects.filter(action="quiz.regrade").exists()
