"""Certificates issued per second through a real worker, against bare PDFs in the same run.

Issuance here is all of it: the certificate row (with its evidence, its status list entry and
its cycle closed), then the PDF with its QR code and the signed credential. N people have passed
the course beforehand, with nothing delivered; the bench queues their `attempt.graded`
deliveries for the certificates handler at once (a flood; in messages of DELIVERY_BATCH passes
as the batch grader and the relay send them, or one per pass with BENCH_MESSAGES=each)
and a worker set up as the Procfile's certificates worker (prefork, one process, queue
`certificates`) issues and renders them; timed from the first message sent until the last
certificate is rendered, and until the worker has taken every message of the flood. Once per
cryptosuite (eddsa-rdfc-2022, eddsa-jcs-2022), on fresh people each; passes that others left
waiting for the handler (bench/flood.py's earlier phases) are set aside first, so a run issues
its own N certificates only.

The floor is the least a certificate can cost: a bare reportlab page with a line of text and
the same vector QR code (segno's matrix drawn as rectangles, the same call as the certificate's),
made in this process, N times, measured right before and right after each worker run (their
mean). Beside each ratio, the CPU time per certificate of the worker's processes (not counting
PostgreSQL's and Redis's) against the floor's per page: steadier than wall time on a shared
machine. Before that, in this process, where a certificate's time goes: queries per
certificate and milliseconds per phase, and the floor's own parts (its QR code alone, its page
alone).

Run: `make bench-issuance` (BENCH_N, default 200; DATABASE_URL / REDIS_URL as the settings).
`certificates_rates()` is the part bench/flood.py runs too."""

import io
import itertools
import logging
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
from celery import current_app  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from certificates import handlers as certificate_handlers  # noqa: E402
from certificates import keys  # noqa: E402
from certificates import services as certificate_services  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from certificates.pdf import qr_matrix, render_certificate_pdf  # noqa: E402
from events import services as event_services  # noqa: E402
from events import types  # noqa: E402
from events.models import Delivery, Event  # noqa: E402
from events.outbox import send_deliveries, send_deliveries_many  # noqa: E402
from quizzes import services  # noqa: E402
from quizzes.models import Quiz  # noqa: E402
from tests import factories  # noqa: E402

N = int(os.environ.get("BENCH_N", "200"))
MESSAGES = os.environ.get("BENCH_MESSAGES", "batch")  # or "each": see send_flood
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")
ISSUER = "certificates.handlers.issue_when_course_completed"
RENDERER = "certificates.handlers.render_issued_certificate"
QUEUE = "certificates"


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bare_pdf(name: str, url: str, matrix: tuple[bytearray, ...] | None = None) -> bytes:
    """A bare reportlab page: a line of text and the vector QR code of the verify URL (`matrix`:
    that QR code already made, to time the page alone)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(A4), invariant=1, pageCompression=1)
    canvas.setFont("Helvetica-Bold", 24)
    canvas.drawString(64, 400, name)
    if matrix is None:
        matrix = bare_qr(url)
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


def bare_qr(url: str) -> tuple[bytearray, ...]:
    """The QR code's matrix, by the same call as the certificate's (certificates.pdf.qr_matrix)."""
    return segno.make_qr(url, error="m").matrix


def bare_urls(n: int) -> list[str]:
    base = f"{settings.PUBLIC_BASE_URL}/verify/LNC-"
    return [f"{base}{i:04d}-ABCD-EFGH-JKMN/" for i in range(n)]


def bare_rate(n: int) -> tuple[float, float]:
    """Floor pages per second, and this process's CPU seconds per page."""
    urls = bare_urls(n)
    bare_pdf("warm-up", urls[0] + "WARM")
    start, cpu = time.perf_counter(), time.process_time()
    for i, url in enumerate(urls):
        bare_pdf(f"Personel {i}", url)
    return n / (time.perf_counter() - start), (time.process_time() - cpu) / n


def bare_parts(n: int) -> tuple[float, float]:
    """Seconds per floor page spent on its QR code alone, and on the page alone (the same page
    with the QR code made beforehand)."""
    urls = bare_urls(n)
    start = time.perf_counter()
    matrices = [bare_qr(url) for url in urls]
    qr = time.perf_counter() - start
    start = time.perf_counter()
    for i, (url, matrix) in enumerate(zip(urls, matrices, strict=True)):
        bare_pdf(f"Personel {i}", url, matrix)
    return qr / n, (time.perf_counter() - start) / n


def passed_people(n: int, slug: str) -> list[int]:
    """n people who passed a course of one quiz, with nothing delivered yet: the ids of their
    attempt.graded events (nothing was sent to the broker while they were made)."""
    course = factories.course(slug=slug, quizzes=1)
    quiz = Quiz.objects.get(module__course=course)
    first = Event.objects.aggregate(m=Max("pk"))["m"] or 0
    quiet = logging.root.manager.disable
    logging.disable(logging.INFO)  # no line per graded attempt while preparing
    with mock.patch("events.outbox.send_deliveries"), mock.patch("events.outbox.current_app"):
        for _ in range(n):
            attempt = services.attempt_start(quiz=quiz, person=factories.person())
            answers = [
                services.Answer(
                    question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"])
                )
                for q in attempt.version.spec["questions"]
            ]
            services.attempt_submit(attempt=attempt, answers=answers)
            services.attempt_grade(attempt_id=attempt.pk)
    logging.disable(quiet)
    made = Event.objects.filter(pk__gt=first)
    # Only the certificates handler is measured: the others' deliveries count as done.
    made.exclude(type=types.ATTEMPT_GRADED).update(done_at=timezone.now())
    graded = made.filter(type=types.ATTEMPT_GRADED)
    # Far in the future, so the scheduler's relay (not running here anyway) would leave them be.
    graded.update(relay_after=timezone.now() + timedelta(days=1))
    ids = list(graded.values_list("pk", flat=True))
    assert len(ids) == n
    return ids


def _ms(seconds: float, count: int) -> str:
    return f"{seconds / count * 1000:6.2f} ms"


def profile(n: int = 100) -> None:
    """Where a certificate's time goes, in this process: the delivery that issues a batch (rows,
    evidence, status entries, events), then rendering and signing with the sweep's deliveries
    recorded."""
    graded = passed_people(n, f"bench-profile-{time.time_ns()}")
    set_aside(graded)
    with mock.patch("certificates.handlers._render"), CaptureQueriesContext(connection) as issue_q:
        t0 = time.perf_counter()
        event_services.event_deliver(event_id=graded[0], handler_name=ISSUER)
        t_issue = time.perf_counter() - t0
    issued = Event.objects.filter(type=types.CERTIFICATE_ISSUED, pk__gt=graded[-1]).order_by("pk")
    ids = [data["certificate_id"] for data in issued.values_list("data", flat=True)]
    assert len(ids) == n
    certificates = list(Certificate.objects.select_related("holder__unit", "course").filter(pk__in=ids))
    t0 = time.perf_counter()
    for c in certificates:
        qr_matrix(certificate_services.verify_url(c.code))
    t_qr = time.perf_counter() - t0
    t0 = time.perf_counter()
    for c in certificates:
        render_certificate_pdf(certificate_services._document(c))
    t_pdf = time.perf_counter() - t0
    signs = {}
    signer = keys.key_at(certificates[0].issued_at)  # one batch, one moment: one key, as rendering
    for suite in SUITES:
        settings.LENCANA_CREDENTIAL_CRYPTOSUITE = suite
        t0 = time.perf_counter()
        for c in certificates:
            certificate_services._credential(c, signer)
        signs[suite] = time.perf_counter() - t0
    settings.LENCANA_CREDENTIAL_CRYPTOSUITE = SUITES[1]
    with CaptureQueriesContext(connection) as render_q:
        t0 = time.perf_counter()
        certificate_handlers._render(ids, [e.pk for e in issued])  # as after the issuing commit
        t_render = time.perf_counter() - t0
    print(f"in this process, per certificate (a batch of {n}; {load()}):")
    print(f"  issue delivery (rows, evidence, status entries, events) {_ms(t_issue, n)}"
          f"  {len(issue_q)} queries per batch")  # fmt: skip
    print(f"  PDF {_ms(t_pdf, n)} (of which the QR code {_ms(t_qr, n)})")
    for suite in SUITES:
        print(f"  signing {suite:16} {_ms(signs[suite], n)}")
    print(f"  render + sign ({SUITES[1]}) + bulk updates + sweep deliveries {_ms(t_render, n)}"
          f"  {len(render_q)} queries per batch")  # fmt: skip
    print(f"  queries per certificate, in all: {(len(issue_q) + len(render_q)) / n:.2f}")
    qr, page = bare_parts(n)
    print(f"  (the floor's parts, for comparison: its QR code {_ms(qr, 1)}, its page alone {_ms(page, 1)})")
    Event.objects.filter(pk__gte=graded[0]).update(done_at=timezone.now())


def start_worker(suite: str, log: Path) -> subprocess.Popen:
    """A worker as the Procfile's certificates worker, signing with `suite`; returns once ready."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
               "--concurrency", "1", "-Q", QUEUE, "-n", f"bench{time.time_ns()}@%h",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    env = {**os.environ, "LENCANA_CREDENTIAL_CRYPTOSUITE": suite}
    seen = log.stat().st_size if log.exists() else 0
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    end = time.monotonic() + 120
    while b" ready." not in log_since(log, seen):
        if worker.poll() is not None or time.monotonic() > end:
            raise RuntimeError(f"the worker did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    return worker


def log_since(log: Path, offset: int) -> bytes:
    """What the worker logged after `offset` (the log grows run after run: polling it must not
    read it all, on the cores the worker runs on)."""
    with log.open("rb") as f:
        f.seek(offset)
        return f.read()


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and of its pool's processes, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    total = 0.0
    for p in [pid, *map(int, children.stdout.split())]:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def through_worker(n: int, suite: str, log: Path) -> tuple[float, float, float]:
    """Seconds until every certificate is rendered, and until the worker has also taken every
    message of the flood (most find their event already issued in a batch and are dropped);
    and the CPU seconds the worker's processes spent meanwhile."""
    slug = f"bench-issue-{time.time_ns()}"
    graded = passed_people(n, slug)
    set_aside(graded)
    certificates = Certificate.objects.filter(course__slug=slug)
    with current_app.connection_for_write() as conn:  # nothing left over from an earlier run
        conn.default_channel.queue_purge(QUEUE)  # type: ignore[attr-defined]
    worker = start_worker(suite, log)
    seen = log.stat().st_size
    try:
        start, cpu = time.perf_counter(), cpu_seconds(worker.pid)
        messages = send_flood(graded)
        rendered = until(lambda: certificates.filter(rendered_at__isnull=False).count() == n)
        taken = until(lambda: log_since(log, seen).count(b"] succeeded in ") >= messages)
        cpu = cpu_seconds(worker.pid) - cpu
    finally:
        stop_worker(worker)
    assert certificates.count() == n
    signed = certificates.values_list("credential", flat=True)
    assert {c["proof"]["cryptosuite"] for c in signed if c} == {suite}
    # The render sweep had nothing to do: the issuing pass recorded its deliveries.
    ours = list(certificates.values_list("pk", flat=True))
    assert Delivery.objects.filter(handler=RENDERER, event__data__certificate_id__in=ours).count() == n
    Event.objects.filter(pk__gte=graded[0]).update(done_at=timezone.now())
    # The other apps' deliveries of certificate.issued went to their own queue: not run here.
    with current_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("reports")  # type: ignore[attr-defined]
    return rendered - start, max(rendered, taken) - start, cpu


def send_flood(graded: list[int]) -> int:
    """Queue the passes' deliveries to the issuer; returns how many messages. As the service
    sends them (BENCH_MESSAGES=batch, the default): the batch grader records the passes of each
    graded batch with one message per queue (outbox.record_many), and the relay sends a backlog
    the same way, so a flood arrives as messages of DELIVERY_BATCH passes. BENCH_MESSAGES=each:
    a message per pass, the worst case (the per-message cost of Celery counted N times)."""
    if MESSAGES == "each":
        for event_id in graded:
            send_deliveries(event_id, [ISSUER])
        return len(graded)
    size = event_services.DELIVERY_BATCH
    for i in range(0, len(graded), size):
        send_deliveries_many(graded[i : i + size], [ISSUER], per_message=size)
    return -(-len(graded) // size)


def set_aside(ours: list[int]) -> None:
    """Passes that others left waiting for the certificates handler are recorded as delivered to
    it, so that the worker issues this run's certificates only. bench/flood.py's earlier phases
    pass a thousand people or more with no certificates worker running: the first suite's run
    issued and signed all of theirs too, and counted only its own 200 (why eddsa-rdfc-2022,
    which runs first, seemed 10x slower there than here)."""
    waiting = (
        Event.objects.filter(type=types.ATTEMPT_GRADED, done_at__isnull=True, failed_at__isnull=True)
        .exclude(pk__in=ours)
        .exclude(pk__in=Delivery.objects.filter(handler=ISSUER).values("event_id"))
    )
    others = list(waiting.values_list("pk", flat=True))
    if others:
        event_services.deliveries_record(event_ids=others, handler_name=ISSUER)
        print(f"  (set aside {len(others)} passes left waiting by earlier runs or phases: not issued here)")


def until(predicate, timeout: float = 900) -> float:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return time.perf_counter()
        time.sleep(0.02)
    raise TimeoutError("the worker did not finish in time")


def certificates_rates(n: int = N) -> dict[str, float]:
    """For each cryptosuite: the floor, then certificates/s through the worker, with the ratio.
    Returns the ratios by suite."""
    log = Path(settings.VAR_DIR) / "bench-worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    ratios = {}
    for suite in SUITES:
        before, cpu_before = bare_rate(n)
        rendered, done, cpu = through_worker(n, suite, log)
        after, cpu_after = bare_rate(n)
        floor = (before + after) / 2  # the load of a shared machine moves: the floor either side
        rate = n / done
        ratios[suite] = rate / floor
        print(f"floor: bare reportlab page with a vector QR, this process {floor:7.1f} pages/s  "
              f"(before {before:.1f}, after {after:.1f})")  # fmt: skip
        print(f"certificates ({suite}) through the certificates worker {rate:7.1f} certificates/s  "
              f"(a flood of N={n}, messages: {MESSAGES}; all rendered in {rendered:.1f} s, "
              f"every message taken in {done:.1f} s; "
              f"{load()})  ratio {rate / floor:.2f}x")  # fmt: skip
        # On a shared machine each process gets a moving share of the cores: CPU time is steadier.
        floor_cpu = (cpu_before + cpu_after) / 2
        print(f"  (CPU, for comparison: the worker's processes {cpu / n * 1000:.2f} ms per certificate, "
              f"not counting PostgreSQL's and Redis's own; the floor {floor_cpu * 1000:.2f} ms per page; "
              f"{floor_cpu / (cpu / n):.2f}x)")  # fmt: skip
    return ratios


def main() -> None:
    call_command("migrate", verbosity=0)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # bench people only
    logging.disable(logging.INFO)  # a line per certificate issued in this process is noise here
    # The bench database outlives a run: number new people after those already there.
    factories._seq = itertools.count((get_user_model().objects.aggregate(m=Max("id"))["m"] or 0) + 1)
    broker = settings.CELERY_BROKER_URL.split(":")[0]
    print(f"database: {connection.vendor}; broker: {broker}; N={N}; {os.cpu_count()} cores; {load()}")
    profile()
    certificates_rates()


if __name__ == "__main__":
    main()
