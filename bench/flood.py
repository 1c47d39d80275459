"""Grading under a flood and the answer endpoints under load, each against its floor, in one run.

1. The Celery floor: N no-op tasks queued, then drained by a worker set up like the Procfile's
   grading worker (prefork, -c 2, queue `grading`); tasks/s from its first message to the last ack.
2. The flood: 1,000 attempts of 20 questions submitted with no worker running (their
   `attempt.submitted` deliveries wait on the grading queue), then the same worker; graded/s from
   its first message to the last attempt graded. Ratio: graded/s over no-op tasks/s.
3. Idle: attempts submitted one at a time; submit -> graded p50/p99, against a marked no-op
   task's send -> done round trip.
4. The web (BENCH_WEB=1): gunicorn as the Procfile (2 workers x 4 threads) with a bare DRF view
   beside the API. With wrk (BENCH_TOOL=wrk or both, the default; BENCH_CONNECTIONS, default
   200): the bare view, then answer saves (PATCH, one open attempt per learner); the bare view
   again, then public verify (JSON), its page, a course's detail, HR's certificate list, each
   right after its own bare-view run. With locust (BENCH_TOOL=locust or both; 200 users): the
   learners' flow (start, answer saves, submit; `both` runs only this one, for the submits),
   with BENCH_TOOL=locust also verify, course detail and HR's list. Each: p50/p99 and
   requests/s, ratio to the bare view measured just before. wrk is a C program, so it takes
   far less of the 2 cores than locust does.
5. Certificates (BENCH_CERTIFICATES=1): a flood of passes issued through the certificates
   worker, certificates/s against bare reportlab pages with a vector QR (bench/issuance.py).

Run with `make bench-flood` (PostgreSQL `lencana_h12` and Redis DB 12 by default)."""

import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from celery import current_app  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402

from certificates import services as certificate_services  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from courses.models import Course  # noqa: E402
from people.tokens import tokens_for  # noqa: E402
from quizzes import services  # noqa: E402
from quizzes.course_import import course_import  # noqa: E402
from quizzes.models import Attempt, Quiz  # noqa: E402
from tests import factories  # noqa: E402

FLOOD = int(os.environ.get("BENCH_FLOOD", "1000"))
NOOPS = int(os.environ.get("BENCH_NOOPS", "2000"))
IDLE = int(os.environ.get("BENCH_IDLE", "40"))
QUESTIONS = 20
USERS = int(os.environ.get("BENCH_USERS", "200"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
VAR = Path(settings.VAR_DIR) if hasattr(settings, "VAR_DIR") else ROOT / "var" / "bench"
VAR.mkdir(parents=True, exist_ok=True)
BIN = Path(sys.executable).parent
QUEUE = "grading"


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def course_with_20_questions(slug: str, max_attempts: int = 3) -> Course:
    data = factories.course_data(slug=slug, quizzes=1, max_attempts=max_attempts)
    three = data["modules"][0]["quiz"]["questions"]
    data["modules"][0]["quiz"]["questions"] = [{**three[i % 3], "key": f"k{i}"} for i in range(QUESTIONS)]
    return course_import(data=data)


def correct(attempt: Attempt) -> list[services.Answer]:
    return [
        services.Answer(question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"]))
        for q in attempt.version.spec["questions"]
    ]


def open_attempts(n: int, slug: str) -> list[Attempt]:
    quiz = Quiz.objects.get(module__course=course_with_20_questions(slug))
    attempts = []
    for _ in range(n):
        attempt = services.attempt_start(quiz=quiz, person=factories.person())
        services.attempt_save_answers(attempt=attempt, answers=correct(attempt))
        attempts.append(attempt)
    return attempts


def worker(log: Path, queues: str = QUEUE, concurrency: int = 2) -> subprocess.Popen:
    cmd = [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "WARNING", "--concurrency",
           str(concurrency), "-Q", queues, "-n", f"bench{time.time_ns()}@%h",
           "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def first_taken(r: redis.Redis, queued: int, timeout: float = 120) -> float:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if r.llen(QUEUE) < queued:
            return time.perf_counter()
        time.sleep(0.002)
    raise TimeoutError("the worker took nothing")


def until(predicate, timeout: float = 600, step: float = 0.005) -> float:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return time.perf_counter()
        time.sleep(step)
    raise TimeoutError


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def noop_floor(r: redis.Redis) -> float:
    for _ in range(NOOPS):
        current_app.send_task("events.tasks.noop_task", queue=QUEUE)
    w = worker(VAR / "bench-worker.log")
    try:
        t0 = first_taken(r, NOOPS)
        t1 = until(lambda: r.llen(QUEUE) == 0 and r.hlen("unacked") == 0, step=0.002)
    finally:
        stop(w)
    return NOOPS / (t1 - t0)


def flood(r: redis.Redis) -> tuple[float, float]:
    t = time.perf_counter()
    attempts = open_attempts(FLOOD, f"flood-{uuid.uuid4().hex[:8]}")
    print(f"  (made {FLOOD} attempts of {QUESTIONS} questions in {time.perf_counter() - t:.0f} s)")
    ids = [a.pk for a in attempts]
    for attempt in attempts:
        services.attempt_submit(attempt=attempt)
    queued = r.llen(QUEUE)
    w = worker(VAR / "bench-worker.log")
    try:
        t0 = first_taken(r, queued)
        graded = Attempt.objects.filter(pk__in=ids, status=Attempt.Status.GRADED)
        t1 = until(lambda: graded.count() == FLOOD, step=0.05)
    finally:
        stop(w)
    return FLOOD / (t1 - t0), t1 - t0


def idle() -> tuple[list[float], list[float]]:
    attempts = open_attempts(IDLE, f"idle-{uuid.uuid4().hex[:8]}")
    w = worker(VAR / "bench-worker.log")
    grade, floor = [], []
    try:
        time.sleep(3)
        mark = f"bench-warm-{uuid.uuid4().hex}"
        current_app.send_task("events.tasks.noop_task", args=[mark], queue=QUEUE)
        until(lambda: cache.get(mark) is not None, timeout=60)
        for attempt in attempts:
            mark = f"bench-{uuid.uuid4().hex}"
            t0 = time.perf_counter()
            current_app.send_task("events.tasks.noop_task", args=[mark], queue=QUEUE)
            floor.append(until(lambda m=mark: cache.get(m) is not None, timeout=60, step=0.001) - t0)
            time.sleep(0.05)
            t0 = time.perf_counter()
            services.attempt_submit(attempt=attempt)
            q = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.GRADED)
            grade.append(until(q.exists, timeout=60, step=0.001) - t0)
            time.sleep(0.05)
    finally:
        stop(w)
    return grade, floor


def number(text: str) -> float:
    return float("nan") if text == "N/A" else float(text)  # locust's figure of no request


def locust(user_class: str, data: Path, name: str, port: int) -> dict[str, dict[str, float]]:
    prefix = VAR / f"locust-{name}"
    env = {**os.environ, "BENCH_LOCUST_DATA": str(data)}
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            str(USERS),
            "-t",
            f"{SECONDS}s",
            "-H",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            user_class,
        ],
        env=env,
        cwd=ROOT,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=(VAR / "locust.log").open("ab"),
    )
    import csv

    out = {}
    with open(f"{prefix}_stats.csv") as f:
        for row in csv.DictReader(f):
            out[row["Name"]] = {
                "rps": number(row["Requests/s"]),
                "p50": number(row["50%"]),
                "p99": number(row["99%"]),
                "n": float(row["Request Count"]),
                "fail": float(row["Failure Count"]),
            }
    return out


def row(name: str, s: dict[str, float]) -> str:
    return (
        f"  {name:<14} {s['rps']:7.0f} req/s  p50 {s['p50']:5.0f} ms  p99 {s['p99']:5.0f} ms"
        f"  fail {s['fail']:.0f}/{s['n']:.0f}"
    )


def certified(quiz: Quiz, n: int) -> list[Certificate]:
    """`n` people who passed the web course, with their certificates (the first one rendered)."""
    out = []
    for _ in range(n):
        attempt = services.attempt_start(quiz=quiz, person=factories.person())
        services.attempt_submit(attempt=attempt, answers=correct(attempt))
        services.attempts_grade(attempt_ids=[attempt.pk])
        certificate = certificate_services.certificate_issue(enrolment_id=attempt.enrolment_id)
        assert certificate is not None
        out.append(certificate)
    certificate_services.certificate_render(certificate_id=out[0].pk)
    return out


# Each measured user class, run right after the bare view (its floor), with its goal: the
# share of the bare view's requests/s it should reach.
WEB = [
    ("Learner", "learners' flow", ("start", "answers", "submit"), 0.5),
    ("Verify", "public verify", ("verify",), 0.7),
    ("CourseDetail", "course detail", ("course",), 0.5),
    ("HrList", "HR cert. list", ("hr list",), 0.5),
]
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "200"))
WRK = os.environ.get("BENCH_WRK", "/usr/bin/wrk")


def wrk(lines: list[str], name: str, port: int) -> dict[str, float]:
    """`wrk` (2 threads, CONNECTIONS connections, SECONDS) over the requests of `lines` in turn
    (bench/wrk_requests.lua): requests/s, p50/p99 in ms, count and errors (non-2xx included)."""
    requests = VAR / f"wrk-{name}.tsv"
    requests.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s", "--latency",
         "-s", str(ROOT / "bench" / "wrk_requests.lua"), f"http://127.0.0.1:{port}"],
        env={**os.environ, "BENCH_WRK_REQUESTS": str(requests)},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    (VAR / f"wrk-{name}.out").write_text(out)
    fields: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("BENCH "):
            words = line.split()[1:]
            fields.update({k: float(v) for k, v in zip(words[::2], words[1::2], strict=True)})
    return {
        "rps": fields["n"] / fields["seconds"],
        "p50": fields["p50_us"] / 1000,
        "p99": fields["p99_us"] / 1000,
        "n": fields["n"],
        "fail": fields["errors"],
    }


def request_line(method: str, path: str, bearer: str | None = None, body: object = None) -> str:
    return "\t".join((method, path, bearer or "-", "-" if body is None else json.dumps(body)))


def wrk_endpoints(quiz: Quiz, course: Course, tokens: list[str], people: list, codes: list[str],
                  hr: str) -> list[tuple[str, list[str], float]]:  # fmt: skip
    """Each endpoint's requests for wrk, with its goal. The answer saves go to one open attempt
    per learner, each save a question of it with its first choice, the learners in turn."""
    attempts = [services.attempt_start(quiz=quiz, person=p) for p in people]
    saves = [
        request_line(
            "PATCH",
            f"/api/v1/attempts/{a.pk}/answers/",
            token,
            {"answers": [{"question": item["question"], "choices": [item["choices"][0]]}]},
        )
        for i in range(QUESTIONS)
        for a, token in zip(attempts, tokens, strict=True)
        for item in a.layout[i : i + 1]
    ]
    return [
        ("answer save", saves, 0.5),
        ("verify (JSON)", [request_line("GET", f"/api/v1/verify/{c}/") for c in codes], 0.7),
        ("verify (page)", [request_line("GET", f"/verify/{c}/") for c in codes], 0.7),
        ("course detail", [request_line("GET", f"/api/v1/courses/{course.pk}/", t) for t in tokens], 0.5),
        ("HR cert. list", [request_line("GET", f"/api/v1/hr/certificates/?course={course.pk}", hr)], 0.5),
    ]


def web() -> None:
    course = course_with_20_questions(f"web-{uuid.uuid4().hex[:8]}", max_attempts=30_000)
    quiz = Quiz.objects.get(module__course=course)
    people = [factories.person() for _ in range(USERS)]
    certificates = certified(quiz, 50)
    hr = factories.person(roles=("hr",), function="other")
    data = VAR / "locust-data.json"
    tokens = [tokens_for(p.user)["access"] for p in people]  # type: ignore[arg-type]
    hr_token = tokens_for(hr.user)["access"]  # type: ignore[arg-type]
    data.write_text(
        json.dumps(
            {
                "quiz": quiz.pk,
                "course": course.pk,
                "tokens": tokens,
                "code": certificates[0].code,
                "hr": hr_token,
            }
        )
    )
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT),
           "THROTTLE_ANSWERS": "1000000/min", "THROTTLE_SUBMIT": "1000000/min",
           "THROTTLE_VERIFY": "1000000/min"}  # fmt: skip
    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=(VAR / "gunicorn.log").open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(4)
        tool = os.environ.get("BENCH_TOOL", "both")
        if tool != "locust" and not Path(WRK).exists():
            print(f"web: no wrk at {WRK} (apt-get install wrk, or BENCH_WRK=...): locust only")
            tool = "locust"
        if tool in ("wrk", "both"):
            endpoints = wrk_endpoints(quiz, course, tokens, people, [c.code for c in certificates], hr_token)
            print(f"web: gunicorn 2 workers x 4 threads, wrk 2 threads {CONNECTIONS} connections, "
                  f"{SECONDS} s each; each after its own bare-view floor")  # fmt: skip
            bare_line = [request_line("GET", "/bench/bare/")]
            for title, lines, goal in endpoints:
                bare = wrk(bare_line, "bare", port)
                print(f"{row('bare DRF view', bare)}   ({load()})")
                s = wrk(lines, title.split()[0].lower() + ("-page" if "page" in title else ""), port)
                print(f"{row(title, s)}   ({load()})")
                print(f"  {title}: req/s over the bare view's {s['rps'] / bare['rps']:.2f}x (goal {goal}x)")
        if tool in ("locust", "both"):
            wait = os.environ.get("BENCH_WAIT", "0")
            print(f"web: gunicorn 2 workers x 4 threads, locust {USERS} users, {SECONDS} s each, "
                  f"wait {wait} s; each after its own bare-view floor")  # fmt: skip
            classes = WEB if tool == "locust" else WEB[:1]  # with wrk: the flow with its submits
            for user_class, title, names, goal in classes:
                bare = locust("Bare", data, "bare", port)["bare"]
                print(f"{row('bare DRF view', bare)}   ({load()})")
                measured = locust(user_class, data, user_class.lower(), port)
                print(f"  {title} ({load()})")
                for name in (*names, "Aggregated") if len(names) > 1 else names:
                    if name in measured:
                        s = measured[name]
                        print(f"{row(name, s)}  p50 bare/this {bare['p50'] / max(s['p50'], 1):.2f}x")
                agg = measured["Aggregated"]
                print(f"  {title}: req/s over the bare view's {agg['rps'] / bare['rps']:.2f}x (goal {goal}x)")
    finally:
        stop(gunicorn)


def main() -> None:
    call_command("migrate", verbosity=0)
    assert connection.vendor == "postgresql", "the flood bench wants PostgreSQL (DATABASE_URL)"
    assert settings.CELERY_BROKER_URL.startswith("redis"), "the flood bench wants Redis (REDIS_URL)"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # bench people only
    # People of earlier runs stay: number the new ones after them.
    factories._seq = itertools.count((User.objects.aggregate(m=Max("id"))["m"] or 0) + 1)
    r = broker()
    r.flushdb()  # the bench's own Redis database
    print(f"PostgreSQL {connection.pg_version}; broker {settings.CELERY_BROKER_URL}; {os.cpu_count()} cores")  # type: ignore[attr-defined]
    if os.environ.get("BENCH_GRADING", "1") == "1":
        floor = noop_floor(r)
        print(f"no-op floor       {floor:7.0f} tasks/s  (worker -c 2, {NOOPS} tasks; {load()})")
        rate, took = flood(r)
        print(f"flood             {rate:7.1f} graded/s ({FLOOD} attempts in {took:.1f} s; {load()})"
              f"  ratio {rate / floor:.2f}x")  # fmt: skip
        r.flushdb()
        grade, floor_rt = idle()
        fp50 = statistics.median(floor_rt)
        print(f"idle no-op round trip  p50 {fp50 * 1000:6.1f} ms  p99 {pct(floor_rt, 99) * 1000:6.1f} ms")
        print(f"idle submit->graded    p50 {statistics.median(grade) * 1000:6.1f} ms  "
              f"p99 {pct(grade, 99) * 1000:6.1f} ms  (n={IDLE}; {load()})  "
              f"ratio p50 {statistics.median(grade) / fp50:.1f}x")  # fmt: skip
    if os.environ.get("BENCH_WEB", "1") == "1":
        web()
    if os.environ.get("BENCH_CERTIFICATES", "1") == "1":
        certificates()
    r.flushdb()


def certificates() -> None:
    """5. Certificates issued per second through the certificates worker (row + PDF + QR +
    signed credential, both cryptosuites), each against its floor, a bare reportlab page with
    a vector QR code: the phase of bench/issuance.py (BENCH_N, default 200)."""
    from issuance import certificates_rates

    certificates_rates()


if __name__ == "__main__":
    main()
