"""Certificates issued per second through a real worker, against bare PDFs in the same run.

Issuance here is all of it: the certificate row (with its evidence, its status list entry and
its cycle closed), then the PDF with its QR code and the signed credential, each step through
the outbox, the broker and one worker process (--pool solo). N people have passed the course
beforehand; the bench re-sends their `attempt.graded` events at once (as the relay would) and
times until the last certificate is rendered. The baseline is the least a certificate can cost:
a bare reportlab page with the same vector QR code (segno's matrix drawn as rectangles), made in
this process, N times. Run: `make bench-issuance` (BENCH_N, LENCANA_CREDENTIAL_CRYPTOSUITE)."""

import io
import itertools
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import segno  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from certificates.models import Certificate  # noqa: E402
from events import types  # noqa: E402
from events.models import Delivery, Event  # noqa: E402
from events.outbox import send_deliveries  # noqa: E402
from events.registry import handlers_for  # noqa: E402
from quizzes import services  # noqa: E402
from quizzes.models import Quiz  # noqa: E402
from tests import factories  # noqa: E402
from tests.integration.conftest import worker_command  # noqa: E402

N = int(os.environ.get("BENCH_N", "200"))


def bare_pdf(name: str, url: str) -> bytes:
    """A bare reportlab page: a line of text and the vector QR code of the verify URL."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(A4), invariant=1, pageCompression=1)
    canvas.setFont("Helvetica-Bold", 24)
    canvas.drawString(64, 400, name)
    matrix = segno.make_qr(url, error="m").matrix
    count = len(matrix)
    canvas.saveState()
    canvas.translate(600, 66)
    canvas.scale(104 / count, 104 / count)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):  # one rectangle per horizontal run of dark modules
        col = 0
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                path.rect(start, count - 1 - row_index, col - start, 1)
            else:
                col += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def bare_rate(n: int) -> float:
    base = f"{settings.PUBLIC_BASE_URL}/verify/LNC-"
    bare_pdf("warm-up", base + "WARM")
    start = time.perf_counter()
    for i in range(n):
        bare_pdf(f"Personel {i}", f"{base}{i:04d}-ABCD-EFGH-JKMN/")
    return n / (time.perf_counter() - start)


def passed_people(slug: str) -> list[int]:
    """N people who passed the course, with nothing delivered yet: the ids of their
    attempt.graded events (nothing was sent to the broker while they were made)."""
    course = factories.course(slug=slug, quizzes=1)
    quiz = Quiz.objects.get(module__course=course)
    first = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with mock.patch("events.outbox.send_deliveries"):
        for _ in range(N):
            attempt = services.attempt_start(quiz=quiz, person=factories.person())
            answers = [
                services.Answer(
                    question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"])
                )
                for q in attempt.version.spec["questions"]
            ]
            services.attempt_submit(attempt=attempt, answers=answers)
            services.attempt_grade(attempt_id=attempt.pk)
    made = Event.objects.filter(pk__gt=first)
    made.exclude(type=types.ATTEMPT_GRADED).update(done_at=timezone.now())
    graded = list(made.filter(type=types.ATTEMPT_GRADED).values_list("pk", flat=True))
    # Far in the future, so the scheduler's relay (not running here anyway) would leave them be.
    made.filter(type=types.ATTEMPT_GRADED).update(relay_after=timezone.now() + timedelta(days=1))
    assert len(graded) == N
    return graded


def through_worker(graded: list[int], course_slug: str) -> float:
    names = [h.name for h in handlers_for(types.ATTEMPT_GRADED)]
    assert not Delivery.objects.filter(event_id__in=graded).exists()
    certificates = Certificate.objects.filter(course__slug=course_slug)
    start = time.perf_counter()
    for event_id in graded:
        send_deliveries(event_id, names)
    while certificates.filter(rendered_at__isnull=False).count() < N:
        if time.perf_counter() - start > 600:
            raise TimeoutError("the worker did not finish in 10 minutes")
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    return N / elapsed


def main() -> None:
    call_command("migrate", verbosity=0)
    # The bench database outlives a run: number new people after those already there.
    factories._seq = itertools.count(get_user_model().objects.count() + 1)
    broker = settings.CELERY_BROKER_URL.split(":")[0]
    suite = settings.LENCANA_CREDENTIAL_CRYPTOSUITE
    print(f"database: {connection.vendor}; broker: {broker}; N={N}; cryptosuite: {suite}")
    slug = f"bench-issue-{time.time_ns()}"
    graded = passed_people(slug)
    log = open(ROOT / "var" / "bench-worker.log", "ab")  # noqa: SIM115
    worker = subprocess.Popen(
        worker_command(loglevel=os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING")),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(5)
        rate = through_worker(graded, slug)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    bare = bare_rate(N)
    print(f"  through one worker (row + PDF + QR + signed credential): {rate:7.1f} certificates/s")
    print(f"  bare reportlab page with a vector QR, in this process:    {bare:7.1f} PDFs/s")
    print(f"  ratio: {rate / bare:.2f}x")


if __name__ == "__main__":
    main()
