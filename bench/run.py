"""Latency of the asynchronous flow with a real worker, against the same work done inline.

Prints, for N learners: submit -> graded and pass -> certificate (rendered) through the broker
and a separate worker process, and the same services called in this process as the baseline;
the ratio is what the queue and the second process add. Run with `make bench`."""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from certificates import services as certificate_services  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from quizzes import services  # noqa: E402
from quizzes.models import Attempt, Quiz  # noqa: E402
from tests import factories  # noqa: E402
from tests.integration.conftest import worker_command  # noqa: E402

N = int(os.environ.get("BENCH_N", "20"))


def answers(attempt: Attempt) -> list[services.Answer]:
    return [
        services.Answer(question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"]))
        for q in attempt.version.spec["questions"]
    ]


def submitted_attempts(slug: str) -> tuple[list[Attempt], int]:
    course = factories.course(slug=slug, quizzes=1)
    quiz = Quiz.objects.get(module__course=course)
    attempts = []
    for _ in range(N):
        attempt = services.attempt_start(quiz=quiz, person=factories.person())
        services.attempt_save_answers(attempt=attempt, answers=answers(attempt))
        attempts.append(attempt)
    return attempts, course.pk


def summary(name: str, values: list[float]) -> float:
    values = sorted(values)
    median = statistics.median(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    print(f"  {name:<38} median {median * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   (n={len(values)})")
    return median


def wait(predicate, timeout: float = 60) -> float:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return time.perf_counter()
        time.sleep(0.005)
    raise TimeoutError


def inline_baseline() -> tuple[list[float], list[float]]:
    attempts, _ = submitted_attempts(f"bench-inline-{time.time_ns()}")
    grade, certify = [], []
    for attempt in attempts:
        t0 = time.perf_counter()
        services.attempt_submit(attempt=attempt)
        services.attempt_grade(attempt_id=attempt.pk)
        t1 = time.perf_counter()
        certificate = certificate_services.certificate_issue(enrolment_id=attempt.enrolment_id)
        assert certificate is not None
        certificate_services.certificate_render(certificate_id=certificate.pk)
        t2 = time.perf_counter()
        grade.append(t1 - t0)
        certify.append(t2 - t1)
    return grade, certify


def through_worker() -> tuple[list[float], list[float]]:
    attempts, course_id = submitted_attempts(f"bench-worker-{time.time_ns()}")
    grade, certify = [], []
    for attempt in attempts:
        t0 = time.perf_counter()
        services.attempt_submit(attempt=attempt)
        t1 = wait(lambda a=attempt: Attempt.objects.filter(pk=a.pk, status=Attempt.Status.GRADED).exists())
        t2 = wait(
            lambda a=attempt: Certificate.objects.filter(
                holder_id=a.person_id, course_id=course_id, rendered_at__isnull=False
            ).exists()
        )
        grade.append(t1 - t0)
        certify.append(t2 - t1)
    return grade, certify


def main() -> None:
    call_command("migrate", verbosity=0)
    broker = settings.CELERY_BROKER_URL.split(":")[0]
    print(f"database: {connection.vendor}; broker: {broker}; N={N}")
    # Inline runs would be picked up by a worker: measure them before one starts. Their
    # on-commit task messages stay queued and are drained (harmlessly) once it does.
    inline_grade, inline_cert = inline_baseline()
    log = open(ROOT / "var" / "bench-worker.log", "ab")  # noqa: SIM115
    worker = subprocess.Popen(
        worker_command(loglevel="WARNING"),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(4)
        worker_grade, worker_cert = through_worker()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print("inline (baseline, same process):")
    base_g = summary("submit + grade", inline_grade)
    base_c = summary("issue + render PDF + sign credential", inline_cert)
    print("through the broker and a worker process:")
    g = summary("submit -> graded", worker_grade)
    c = summary("graded -> certificate rendered", worker_cert)
    print(f"ratio worker/inline: grading {g / base_g:.1f}x, certificate {c / base_c:.1f}x")


if __name__ == "__main__":
    main()
