"""The pages in a real browser: Playwright driving Debian's Chromium against a live server and a
real Celery worker. A learner signs in on a phone-sized screen, reads a lesson, takes a timed
quiz, loses the connection in the middle, answers again once it is back, lets the timer run
out, and sees the graded result and the certificate; HR opens the compliance page. Every step
leaves a screenshot in var/.../screenshots/ for a person to look at.

An instructor writes a lesson with its live preview, imports GIFT with one error, which the page
shows at its line, opens the item analysis and the grading queue, and regrades the quiz: the dry
run, then the job with its progress bar."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from certificates.models import Certificate
from courses.services import course_update
from people.models import Unit
from people.services import unit_get_or_create
from quizzes.models import Attempt, Quiz, Response
from reports.services import compliance_refresh
from tests import factories
from tests.integration.conftest import start_worker, wait_for  # noqa: F401 - the fixture

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
GIFT_WITH_ONE_ERROR = """::salam:: Sapaan standar pelayanan? {
  =Senyum, sapa, salam
  ~Diam saja
}

// Line 7 has no right answer:
::tanpa-kunci:: Siapa yang bertugas jaga? {
  ~Kanit
  ~Kapolsek
}
"""
PHONE = {"width": 360, "height": 740}
QUIZ_SECONDS = 30  # the shortest time limit a quiz may have

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (make test does where apt-get can)",
        allow_module_level=True,
    )


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class Shots:
    def __init__(self) -> None:
        self.folder = Path(settings.VAR_DIR) / "screenshots"
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, page, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def right_choices(page, attempt) -> dict[int, list[int]]:
    """The right choice ids of each question on the page, from the keys of the attempt's
    published version (its choice ids are its own, not the choices' rows)."""
    correct = {
        c["id"] for q in attempt.version.spec["questions"] for c in q.get("choices", []) if c["is_correct"]
    }
    by_question: dict[int, list[int]] = {}
    for fieldset in page.query_selector_all("fieldset[data-question]"):
        question = int(fieldset.get_attribute("data-question"))
        values = [int(i.get_attribute("value")) for i in fieldset.query_selector_all("input[name^=q-]")]
        by_question[question] = [v for v in values if v in correct]
    return by_question


def answer(page, question: int, choices: list[int]) -> None:
    for choice in choices:
        page.check(f"#question-{question} input[name^=q-][value='{choice}']")


def test_learner_takes_a_timed_quiz_offline_and_back_then_hr_sees_compliance(
    browser,
    live_server,
    start_worker,  # noqa: F811
):
    started = time.monotonic()
    shot = Shots()
    course = factories.course(slug="browser", quizzes=1, time_limit=QUIZ_SECONDS)
    learner = factories.person(name="Rina Wulandari")
    hr = factories.person(roles=("hr",), function="other", name="Dewi HR")
    start_worker()

    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("pageerror", lambda error: print("page error:", error))
    page.on("console", lambda message: print("console:", message.text))

    # Sign in (Django's session login with its CSRF token).
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", learner.user.username)
    page.fill("#id_password", factories.PASSWORD)
    shot(page, "sign-in")
    page.click("button[type=submit]:has-text('Masuk')")
    page.wait_for_selector("h1:has-text('Kursus saya')")
    assert page.is_visible("text=Wajib") and fits_the_screen(page)
    shot(page, "my-courses")

    # The course, then a lesson.
    page.click("text=Kursus Uji")
    page.wait_for_selector("h2:has-text('Modul 1')")
    shot(page, "course")
    page.click("text=Pelajaran 1")
    page.wait_for_selector("article.lesson")
    assert fits_the_screen(page)
    shot(page, "lesson")
    page.click("text=Kembali ke kursus")

    # The quiz: every answer saved as it is chosen.
    page.click("button:has-text('Mulai kuis')")
    page.wait_for_selector("#countdown")
    attempt = Attempt.objects.get(person=learner)
    keys = right_choices(page, attempt)
    questions = list(keys)
    answer(page, questions[0], keys[questions[0]])
    wait_for(
        lambda: Response.objects.filter(attempt=attempt, question_ref=questions[0]).exists(),
        timeout=10,
        what="first answer saved",
    )
    # Thirty seconds in all: the one-minute warning is already up.
    assert page.is_visible("#time-warning")
    assert fits_the_screen(page)
    shot(page, "quiz")

    # The connection goes: answers stay on the phone and the page says so.
    context.set_offline(True)
    answer(page, questions[1], keys[questions[1]])
    page.wait_for_selector("#savestate.offline")
    assert not Response.objects.filter(attempt=attempt, question_ref=questions[1]).exists()
    shot(page, "quiz-offline")

    # It comes back: what was kept is sent, and the learner answers the rest.
    context.set_offline(False)
    wait_for(
        lambda: Response.objects.filter(attempt=attempt, question_ref=questions[1]).exists(),
        timeout=15,
        what="offline answer sent",
    )
    answer(page, questions[2], keys[questions[2]])
    page.wait_for_selector("#savestate:has-text('Semua jawaban tersimpan')")
    wait_for(
        lambda: Response.objects.filter(attempt=attempt).count() == 3, timeout=10, what="all answers saved"
    )
    shot(page, "quiz-back-online")

    # The learner lets the time run out: the page submits, then shows the result once graded.
    try:
        page.wait_for_selector("#result", timeout=(QUIZ_SECONDS + 30) * 1000)
    except sync_api.TimeoutError:
        shot(page, "time-up-failed")
        print(page.url, page.content()[-3000:])
        raise
    grading_seen = page.is_visible("#grading")
    if grading_seen:
        shot(page, "being-graded")
    page.wait_for_selector("#graded", timeout=60_000)
    assert page.is_visible("#verdict:has-text('Lulus')")
    attempt.refresh_from_db()
    # Submitted by the page at the deadline, through the same service as a learner's submit.
    assert attempt.status == Attempt.Status.GRADED and attempt.passed
    assert attempt.submitted_at <= attempt.deadline + timedelta(
        seconds=settings.LENCANA_ATTEMPT_GRACE_SECONDS
    )
    shot(page, "result")

    # The certificate: issued and rendered by the worker.
    page.click("text=Sertifikat saya >> nth=-1")
    wait_for(
        lambda: Certificate.objects.filter(holder=learner, rendered_at__isnull=False).exists(),
        timeout=60,
        what="certificate rendered",
    )
    page.reload()
    page.wait_for_selector("a:has-text('Unduh PDF')")
    code = Certificate.objects.get(holder=learner).code
    assert page.is_visible(f"text={code}") and page.is_visible(".qr svg") and fits_the_screen(page)
    pdf = context.request.get(live_server.url + page.get_attribute("a:has-text('Unduh PDF')", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    shot(page, "certificates")
    page.goto(f"{live_server.url}/verify/{code}/")
    assert page.is_visible("#status:has-text('SAH')")
    shot(page, "verify")
    context.close()

    # HR: compliance per unit with its chart, once the course's due date has passed for some.
    _polda, polres, _polsek = factories.unit_chain()
    setiabudi = unit_get_or_create(name="Polsek Setiabudi", level=Unit.Level.POLSEK, parent=polres)
    for n in range(3):
        factories.person(unit=setiabudi, function="spkt", name=f"Personel Setiabudi {n}")
    factories.person(name="Personel Kebayoran")
    course_update(course=course, data={"due_date": timezone.localdate() - timedelta(days=1)})
    compliance_refresh()  # what the registry's sync and the periodic tick keep up to date
    hr_context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="id-ID")
    hr_page = hr_context.new_page()
    hr_page.goto(f"{live_server.url}/accounts/login/")
    hr_page.fill("#id_username", hr.user.username)
    hr_page.fill("#id_password", factories.PASSWORD)
    hr_page.click("button[type=submit]:has-text('Masuk')")
    hr_page.click("nav >> text=Kepatuhan")
    hr_page.select_option("#f-course", str(course.pk))
    # The page rolls a unit's subtree up into rows of its child units: the Polres shows its Polseks.
    hr_page.select_option("#f-unit", str(polres.pk))
    hr_page.click("button:has-text('Tampilkan')")
    hr_page.wait_for_selector("svg.chart")
    assert hr_page.is_visible("td:has-text('Polsek Kebayoran Baru')")
    assert hr_page.is_visible("#overdue ~ ul >> text=Personel Setiabudi 0") or hr_page.is_visible(
        "text=Personel Setiabudi 0"
    )
    shot(hr_page, "hr-compliance")
    hr_page.set_viewport_size(PHONE)
    assert fits_the_screen(hr_page)
    shot(hr_page, "hr-compliance-phone")
    hr_context.close()

    # An instructor writes a lesson: the preview follows the Markdown as it is typed (htmx), and
    # an author's HTML stays text.
    instructor = factories.person(roles=("instructor",), function="binmas", name="Budi Instruktur")
    author = browser.new_context(viewport={"width": 1024, "height": 800}, locale="id-ID")
    author_page = author.new_page()
    author_page.goto(f"{live_server.url}/accounts/login/")
    author_page.fill("#id_username", instructor.user.username)
    author_page.fill("#id_password", factories.PASSWORD)
    author_page.click("button[type=submit]:has-text('Masuk')")
    author_page.goto(f"{live_server.url}/authoring/modules/{course.modules.first().pk}/lessons/new/")
    author_page.fill("#id_body", "## Prinsip 3S\n\n**Senyum**, sapa, salam <script>alert(1)</script>")
    author_page.wait_for_selector("#preview h2:has-text('Prinsip 3S')")
    assert author_page.is_visible("#preview strong:has-text('Senyum')")
    assert "&lt;script&gt;" in author_page.inner_html("#preview")
    shot(author_page, "instructor-lesson-preview")

    # The instructor imports GIFT with one error: the page shows it at its line, next to the
    # pasted text, and nothing is imported.
    quiz = Quiz.objects.filter(module__course=course).order_by("pk").first()
    count = quiz.questions.count()
    author_page.goto(f"{live_server.url}/authoring/quizzes/{quiz.pk}/")
    author_page.click("#gift-import a")
    author_page.fill("#id_text", GIFT_WITH_ONE_ERROR)
    author_page.click("button[type=submit]:has-text('Impor')")
    author_page.wait_for_selector("#gift-errors")
    assert author_page.is_visible("#gift-line-7.has-error .gift-error:has-text('Baris 7')")
    assert author_page.locator(".gift-lines li.has-error").count() == 1
    assert author_page.input_value("#id_text").startswith("::salam::")  # the text stays, to correct
    assert quiz.questions.count() == count
    author_page.click("#gift-errors a:has-text('Baris 7')")
    shot(author_page, "instructor-gift-error-at-its-line")

    # The quiz's tools: the item analysis of the learner's attempt (on a phone too), the grading
    # queue, and a regrade: its dry run, then the job run by the worker, its bar moved by htmx.
    author_page.goto(f"{live_server.url}/authoring/quizzes/{quiz.pk}/")
    author_page.click("#item-analysis a")
    author_page.wait_for_selector("#items")
    assert author_page.locator("#items tbody tr").count() == 3
    shot(author_page, "instructor-item-analysis")
    author_page.set_viewport_size(PHONE)
    assert fits_the_screen(author_page)
    author_page.set_viewport_size({"width": 1024, "height": 800})
    author_page.goto(f"{live_server.url}/authoring/quizzes/{quiz.pk}/")
    author_page.click("#grading-queue a")
    author_page.wait_for_selector("#queue-empty")
    author_page.goto(f"{live_server.url}/authoring/quizzes/{quiz.pk}/regrade/")
    author_page.fill("#id_reason", "Soal pertama dibatalkan")
    author_page.check("#id_drop_0")
    author_page.click("button[name=step][value=preview]")
    author_page.wait_for_selector("#dry-run")
    shot(author_page, "instructor-regrade-dry-run")
    author_page.click("button[name=step][value=start]")
    author_page.wait_for_selector("#regrade-done", timeout=60_000)
    assert author_page.is_visible("#regrade-progress [aria-valuenow='100']")
    shot(author_page, "instructor-regrade-done")
    author.close()
    print(f"browser scenario: {time.monotonic() - started:.1f} s, screenshots in {shot.folder}")
