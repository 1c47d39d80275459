"""The pages through Django's test client: sign-in, a learner's flow with the same services as
the API, HR's and instructors' pages, and who may open what."""

import re

import pytest
from django.test import Client

from certificates.models import Certificate
from courses.models import Lesson
from quizzes.models import Attempt, Choice, Quiz
from tests import factories


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


@pytest.fixture
def quiz(course) -> Quiz:
    return Quiz.objects.filter(module__course=course).order_by("pk")[0]


def test_sign_in_with_csrf_then_my_courses(learner, course):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'name="username"' in page.content
    token = page.cookies["csrftoken"].value
    refused = client.post("/accounts/login/", {"username": learner.user.username, "password": "x"})
    assert refused.status_code == 403  # no CSRF token
    response = client.post(
        "/accounts/login/",
        {"username": learner.user.username, "password": factories.PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert "Kursus Uji" in home.content.decode()
    assert "Wajib" in home.content.decode()  # required, in Bahasa Indonesia by default


def test_pages_need_sign_in():
    assert Client().get("/").status_code == 302
    assert Client().get("/").headers["Location"].startswith("/accounts/login/")


def test_english_is_selectable(learner, course):
    client = signed_in(learner)
    # A phone set to English still gets Bahasa Indonesia until the person chooses.
    assert "Kursus saya" in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "My courses" in page and 'lang="en"' in page and "Test course" in page


def test_lesson_markdown_never_lets_author_html_through(learner, course):
    lesson = Lesson.objects.filter(module__course=course).first()
    lesson.body = (
        "# Judul\n\n**tebal** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    lesson.save()
    page = signed_in(learner).get(f"/lessons/{lesson.pk}/").content.decode()
    assert "<h1>Judul</h1>" in page and "<strong>tebal</strong>" in page
    article = page.split('<article class="lesson">')[1].split("</article>")[0]
    assert "<script" not in article and "<img" not in article and "&lt;script&gt;" in article
    assert "javascript:" not in article.split("&lt;")[0] and 'href="javascript' not in article


def test_quiz_flow_saves_each_answer_confirms_unanswered_and_submits(
    learner, quiz, django_capture_on_commit_callbacks
):
    client = signed_in(learner)
    started = client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(person=learner)
    assert started["Location"] == f"/attempts/{attempt.pk}/"
    page = client.get(started["Location"]).content.decode()
    assert 'id="countdown"' in page and "is_correct" not in page
    first = attempt.layout[0]
    saved = client.post(
        f"/attempts/{attempt.pk}/save/",
        {"shown": [first["question"]], f"q-{first['question']}": [first["choices"][0]]},
        HTTP_X_LENCANA_FETCH="1",
    )
    assert saved.json() == {"ok": True, "saved": [first["question"]]}
    assert attempt.responses.get().choices == [first["choices"][0]]
    # A second device (or a reload) starts nothing new: it resumes the attempt with its answers.
    again = client.post(f"/quizzes/{quiz.pk}/start/")
    assert again["Location"] == f"/attempts/{attempt.pk}/"
    assert "checked" in client.get(f"/attempts/{attempt.pk}/").content.decode()
    confirm = client.get(f"/attempts/{attempt.pk}/confirm/").content.decode()
    assert "2 soal belum dijawab" in confirm
    with django_capture_on_commit_callbacks():
        client.post(f"/attempts/{attempt.pk}/submit/")
    result = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "Sedang dinilai" in result and 'hx-trigger="every 2s"' in result
    late = client.post(
        f"/attempts/{attempt.pk}/save/",
        {"shown": [first["question"]], f"q-{first['question']}": [first["choices"][1]]},
        HTTP_X_LENCANA_FETCH="1",
    )
    assert late.status_code == 409 and late.json()["code"] == "attempt_closed"
    factories.deliver_events()
    graded = client.get(f"/attempts/{attempt.pk}/result/").content.decode()
    assert "every 2s" not in graded and 'id="verdict"' in graded


def test_one_question_per_screen_without_javascript(learner, quiz):
    client = signed_in(learner)
    client.post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(person=learner)
    page = client.get(f"/attempts/{attempt.pk}/?view=one&q=2").content.decode()
    assert page.count('class="question"') == 1 and "Soal 2 dari 3" in page
    second = attempt.layout[1]
    moved = client.post(
        f"/attempts/{attempt.pk}/save/",
        {"shown": [second["question"]], f"q-{second['question']}": second["choices"][:1], "goto": "3"},
    )
    assert moved["Location"] == f"/attempts/{attempt.pk}/?view=one&q=3"
    assert attempt.responses.count() == 1


def test_someone_elses_attempt_is_not_found(learner, quiz):
    signed_in(learner).post(f"/quizzes/{quiz.pk}/start/")
    attempt = Attempt.objects.get(person=learner)
    other = factories.person()
    assert signed_in(other).get(f"/attempts/{attempt.pk}/").status_code == 404
    assert signed_in(other).post(f"/attempts/{attempt.pk}/submit/").status_code == 404


def test_my_certificates_show_pdf_link_public_link_and_qr(learner, course):
    factories.certificate(holder=learner, course=course, issued_at=course.created_at)
    page = signed_in(learner).get("/certificates/").content.decode()
    code = Certificate.objects.get().code
    assert f"/verify/{code}/" in page and "<svg" in page and "Salin tautan" in page


def test_hr_compliance_page_with_chart_lists_and_csv(hr, learner, course):
    from reports.services import compliance_refresh

    compliance_refresh()  # the roll-up, as the registry's sync keeps it
    _polda, polres, _polsek = factories.unit_chain()
    client = signed_in(hr)
    page = client.get(f"/hr/?course={course.pk}").content.decode()
    assert "<svg" in page and "Polda Metro Jaya" in page  # the top units, each rolled up
    csv = client.get(f"/hr/compliance.csv?course={course.pk}&unit={polres.pk}")
    assert csv["Content-Type"].startswith("text/csv")
    assert b"Polsek Kebayoran Baru" in csv.content  # drilled down: the Polres's child units
    transcript = client.get(f"/hr/transcript/?nrp={learner.nrp}").content.decode()
    assert learner.name in transcript


def test_role_pages_refuse_learners(learner, course):
    client = signed_in(learner)
    assert client.get("/hr/").status_code == 403
    assert client.get("/authoring/").status_code == 403


def test_instructor_writes_a_lesson_with_preview_adds_a_question_and_publishes(instructor, course, quiz):
    client = signed_in(instructor)
    module = quiz.module
    preview = client.post("/authoring/preview/", {"body": "**b** <i>x</i>"}).content.decode()
    assert "<strong>b</strong>" in preview and "<i>" not in preview
    created = client.post(
        f"/authoring/modules/{module.pk}/lessons/new/",
        {"slug": "baru", "title": "Baru", "order": 2, "body": "Teks"},
    )
    assert created.status_code == 302 and Lesson.objects.filter(slug="baru").exists()
    duplicate = client.post(
        f"/authoring/modules/{module.pk}/lessons/new/",
        {"slug": "baru", "title": "Lagi", "order": 3, "body": "Teks"},
    )
    assert duplicate.status_code == 200 and "baru" in duplicate.content.decode()
    added = client.post(
        f"/authoring/quizzes/{quiz.pk}/",
        {"type": "single", "key": "k-new", "text": "Apa?", "points": 1, "choices": "*Ya\nTidak"},
    )
    assert added.status_code == 302
    assert Choice.objects.get(question__key="k-new", is_correct=True).text == "Ya"
    published = client.post(f"/authoring/quizzes/{quiz.pk}/publish/", follow=True).content.decode()
    assert re.search(r"Versi 2 diterbitkan: 4 soal, 1 baru, 0 dihapus, 0 berubah\. Baru: k-new\.", published)
    edited = quiz.questions.exclude(key="k-new").first()
    client.post(f"/authoring/quizzes/{quiz.pk}/questions/{edited.pk}/delete/")
    published = client.post(f"/authoring/quizzes/{quiz.pk}/publish/", follow=True).content.decode()
    assert f"Versi 3 diterbitkan: 3 soal, 0 baru, 1 dihapus, 0 berubah. Dihapus: {edited.key}." in published
    page = client.get(f"/authoring/quizzes/{quiz.pk}/").content.decode()
    assert "✓ Ya" in page and "gift-import" in page
    assert client.get(f"/authoring/quizzes/{quiz.pk}/attempts/").status_code == 200
    new = quiz.questions.get(key="k-new")
    client.post(f"/authoring/quizzes/{quiz.pk}/questions/{new.pk}/delete/")
    assert not quiz.questions.filter(key="k-new").exists()


def test_verify_page_says_valid_at_a_glance_in_the_chosen_language(learner, course):
    certificate = factories.certificate(holder=learner, course=course, issued_at=course.created_at)
    client = Client()
    page = client.get(f"/verify/{certificate.code}/").content.decode()
    assert 'id="status"' in page and "SAH" in page and "<script" not in page.split("</head>")[1]
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "VALID" in client.get(f"/verify/{certificate.code}/").content.decode()
    assert client.get("/verify/LNC-AAAA-AAAA-AAAA-AAAA/").status_code == 404
