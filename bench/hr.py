"""HR at the size of the force: 500,000 personnel in 2,653 units and about 2,000,000 enrolment rows
(enrolments, attempts, certificates) written straight into PostgreSQL with COPY, then:

- compliance for the whole force and for one Polda, a person's transcript and one Polsek's list
  of personnel (the compliance drill-down): server time through Django's whole request stack in
  this process, signed in with a JWT as HR systems are (BENCH_HR_RUNS requests each, 200 by
  default), each request in turn with the floor, a bare DRF view through the same stack, so both
  see the same machine load: median, p95, this process's CPU time, queries, the ratio of p95s;
  a bare view with the JWT and the role check is timed the same way (the authentication's share:
  the token's user and roles come from the cache, so no query once warm);
- the naive per-request GROUP BY over the same data for the two compliance questions;
- a bulk personnel sync of 100,000 rows: new, the same again, and with transfers.

Run with `make bench-hr`, with the service's production settings (DJANGO_DEBUG=0: no query log,
no browsable API, production middleware; the cache is Redis when REDIS_URL is set, as in
production, else local memory). DATABASE_URL must be PostgreSQL; the generator empties the
registry, courses and HR tables of that database first, so give it a database of its own. Data is made
once and kept: run again with BENCH_HR_REGENERATE=1 to make it anew; BENCH_HR_QUICK=1 times the
API only (no naive baseline, no sync)."""

import io
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")  # the service, and the bare views

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from courses.models import Course  # noqa: E402
from people.models import Person, Unit  # noqa: E402
from people.services import user_create  # noqa: E402
from people.sync import personnel_sync  # noqa: E402
from people.tokens import tokens_for  # noqa: E402
from quizzes.models import Quiz  # noqa: E402
from reports import selectors, services  # noqa: E402
from reports.models import ComplianceRollup  # noqa: E402
from tests import factories  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_HR_PEOPLE", "500000"))
SYNC_ROWS = 100_000
RUNS = 30
API_RUNS = int(os.environ.get("BENCH_HR_RUNS", "200"))  # per API endpoint, in turns with the floor
QUICK = os.environ.get("BENCH_HR_QUICK") == "1"  # the API timings only: no naive baseline, no sync
FUNCTIONS = ["lantas"] * 15 + ["spkt"] * 15 + ["samapta"] * 30 + ["reskrim"] * 15 + ["intelkam"] * 10
FUNCTIONS += ["binmas"] * 10 + ["other"] * 5
RANKS = ["Bripda", "Briptu", "Brigpol", "Bripka", "Aipda", "Aiptu", "Ipda", "Iptu", "AKP"]


def copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY rows (tuples of str/None) into a table, in one stream."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
        stream.write(buffer.getvalue())


class Copier:
    """Rows for several tables, sent with COPY in chunks, parents before children (so memory stays
    small and every foreign key finds its row)."""

    def __init__(self, tables: dict[str, list[str]], chunk: int = 200_000):
        self.tables, self.chunk = tables, chunk
        self.rows: dict[str, list[tuple]] = {t: [] for t in tables}
        self.counts: dict[str, int] = dict.fromkeys(tables, 0)

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)
        if len(self.rows[table]) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for table, columns in self.tables.items():
            if self.rows[table]:
                copy(table, columns, self.rows[table])
                self.counts[table] += len(self.rows[table])
                self.rows[table] = []


def units_tree() -> list[tuple[int, str, str, str, int | None, str]]:
    """Mabes, 34 Polda, 16 Polres each (with a Sat Lantas), 2 or 3 Polsek per Polres."""
    rows: list[tuple[int, str, str, str, int | None, str]] = []

    def add(code: str, name: str, level: str, parent: tuple | None) -> tuple:
        pk = len(rows) + 1
        row = (pk, code, name, level, parent[0] if parent else None, f"{parent[5] if parent else ''}{pk}/")
        rows.append(row)
        return row

    mabes = add("MABES", "Mabes Polri", "mabes", None)
    for d in range(1, 35):
        polda = add(f"P{d:02}", f"Polda {d:02}", "polda", mabes)
        for r in range(1, 17):
            polres = add(f"P{d:02}-R{r:02}", f"Polres {d:02}-{r:02}", "polres", polda)
            add(f"P{d:02}-R{r:02}-SL", "Sat Lantas", "satuan", polres)
            for s in range(1, 4 if r % 10 < 7 else 3):
                add(f"P{d:02}-R{r:02}-S{s}", f"Polsek {d:02}-{r:02}-{s}", "polsek", polres)
    return rows


def generate() -> dict[str, int]:
    rnd = random.Random(10)
    now = timezone.now()
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE people_unit, people_person, people_transfer, courses_course, courses_enrolment, "
            "quizzes_attempt, certificates_certificate, reports_compliancestatus, reports_compliancecount, "
            "reports_expirycount, reports_compliancerollup, reports_expiryrollup, reports_assignment, "
            "events_event, auth_user RESTART IDENTITY CASCADE"
        )
    course_a = factories.course(slug="bench-humanis")
    course_b = factories.course(slug="bench-etika")
    Course.objects.filter(pk=course_a.pk).update(
        title="Pelayanan Humanis", required_functions=["lantas", "spkt"], due_date=today - timedelta(days=30)
    )
    Course.objects.filter(pk=course_b.pk).update(
        title="Etika Profesi", required_functions=["lantas", "spkt", "samapta", "reskrim"]
    )
    quizzes = {
        c.pk: [(q.pk, q.versions.order_by("-id")[0].pk) for q in Quiz.objects.filter(module__course=c)]
        for c in (course_a, course_b)
    }

    units = units_tree()
    copy("people_unit", ["id", "code", "name", "level", "parent_id", "path"], units)
    scale = min(1.0, PEOPLE / 500_000)
    weights = {
        k: int(v * scale) for k, v in {"mabes": 2000, "polda": 1000, "polres": 200, "satuan": 150}.items()
    }
    polsek = [u for u in units if u[3] == "polsek"]
    counts = {u[0]: weights.get(u[3], 0) for u in units}
    rest = PEOPLE - sum(counts.values())
    for i, u in enumerate(polsek):
        counts[u[0]] = rest // len(polsek) + (1 if i < rest % len(polsek) else 0)
    level_of = {u[0]: u[3] for u in units}

    out = Copier(
        {
            "people_person": ["id", "user_id", "nrp", "name", "rank", "unit_id", "function", "active",
                              "joined_on", "unit_since", "left_at", "created_at"],
            "courses_enrolment": ["id", "person_id", "course_id", "cycle", "opened_at", "completed_at",
                                  "next_cycle_at"],
            "quizzes_attempt": ["id", "quiz_id", "version_id", "person_id", "enrolment_id", "number",
                                "status", "layout", "started_at", "deadline", "submitted_at",
                                "auto_submitted", "graded_at", "score", "max_score", "percent", "passed"],
            "certificates_certificate": ["id", "code", "holder_id", "course_id", "enrolment_id", "issued_at",
                                         "expires_at", "status", "revoked_at", "revocation_reason",
                                         "revocation_category", "identity_salt"],
        }
    )  # fmt: skip
    pk = enrolment_pk = attempt_pk = certificate_pk = 0
    joined = (today - timedelta(days=400)).isoformat()
    for unit_id, n in counts.items():
        for _ in range(n):
            pk += 1
            function = (
                "lantas" if level_of[unit_id] == "satuan" and rnd.random() < 0.9 else rnd.choice(FUNCTIONS)
            )
            out.add(
                "people_person",
                (pk, None, f"{60000000 + pk}", f"Personel {pk}", rnd.choice(RANKS), unit_id, function, "t",
                 joined, joined, None, now.isoformat()),
            )  # fmt: skip
            for course_id, share in ((course_a.pk, 0.6), (course_b.pk, 0.4)):
                if rnd.random() >= share:
                    continue
                enrolment_pk += 1
                opened = now - timedelta(days=rnd.randint(30, 700))
                certified = rnd.random() < 0.55
                issued = opened + timedelta(days=2)
                completed = issued.isoformat() if certified else None
                enrolment = (enrolment_pk, pk, course_id, 1, opened.isoformat(), completed, None)
                out.add("courses_enrolment", enrolment)
                for number_of_quiz, (quiz_id, version_id) in enumerate(quizzes[course_id]):
                    tries = 2 if rnd.random() < 0.25 else 1
                    for number in range(1, tries + 1):
                        attempt_pk += 1
                        started = opened + timedelta(days=number_of_quiz, hours=number)
                        passed = certified or number == tries
                        out.add(
                            "quizzes_attempt",
                            (attempt_pk, quiz_id, version_id, pk, enrolment_pk, number, "graded", "[]",
                             started.isoformat(), (started + timedelta(minutes=10)).isoformat(),
                             (started + timedelta(minutes=8)).isoformat(), "f",
                             (started + timedelta(minutes=8)).isoformat(), "5", "5",
                             "100" if passed else "40", "t" if passed else "f"),
                        )  # fmt: skip
                if certified:
                    certificate_pk += 1
                    revoked = rnd.random() < 0.02
                    out.add(
                        "certificates_certificate",
                        (certificate_pk, f"BENCH-{certificate_pk:010d}", pk, course_id, enrolment_pk,
                         issued.isoformat(), (issued + timedelta(days=730)).isoformat(),
                         "revoked" if revoked else "valid", None, "", "", f"{rnd.getrandbits(128):032x}"),
                    )  # fmt: skip
    out.flush()
    with connection.cursor() as cursor:
        for table in ("people_unit", "people_person", "courses_enrolment", "quizzes_attempt",
                      "certificates_certificate"):  # fmt: skip
            cursor.execute(  # table names from the list above
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        cursor.execute("ANALYZE")
    return {"units": len(units), **{t.split("_", 1)[1]: n for t, n in out.counts.items()}}


def timed(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    if not runs:
        return float("nan"), float("nan")
    fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return stats(times)


def stats(times: list[float]) -> tuple[float, float]:
    """Median and p95 of milliseconds."""
    times = sorted(times)
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


@dataclass
class Timing:
    """One endpoint timed in turns with the two floors, so all three see the same load."""

    name: str
    wall: tuple[float, float]  # median, p95 of the wall time, ms
    cpu: float  # median CPU time of this process (Django, DRF, the driver), ms
    floor: tuple[float, float]  # the bare view's median, p95 in the same turns
    hr_floor: float  # the bare view with the JWT and the role check: median in the same turns
    queries: int
    load: float

    def row(self) -> str:
        (median, p95), (floor_median, floor_p95) = self.wall, self.floor
        return (
            f"{self.name:<42} {median:7.2f} {p95:7.2f} {self.cpu:6.2f} {self.queries:4d}"
            f" {floor_median:6.2f} {floor_p95:6.2f} {p95 / floor_p95:5.1f}x {self.hr_floor:7.2f}"
            f" {median - self.hr_floor:6.2f} {self.load:5.1f}"
        )


def count_queries(fn: Callable[[], object]) -> int:
    count = 0

    def counted(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        fn()
    return count


def timed_with_floor(
    name: str,
    fn: Callable[[], object],
    floor: Callable[[], object],
    hr_floor: Callable[[], object],
    runs: int,
) -> Timing:
    """`fn` and the floors in turns: wall time, this process's CPU time, and the queries."""
    fn(), floor(), hr_floor()  # warm
    walls: list[float] = []
    cpus: list[float] = []
    floors: list[float] = []
    hr_floors: list[float] = []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        for call, times in ((floor, floors), (hr_floor, hr_floors)):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
    return Timing(
        name,
        stats(walls),
        statistics.median(cpus),
        stats(floors),
        statistics.median(hr_floors),
        count_queries(fn),
        os.getloadavg()[0],
    )


def get(client: APIClient, url: str) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        reset_queries()
        return response

    return call


def main() -> None:
    assert connection.vendor == "postgresql", (
        "bench-hr needs DATABASE_URL to a PostgreSQL database of its own"
    )
    call_command("migrate", verbosity=0)
    print(f"HR benchmark on {connection.settings_dict['NAME']} ({connection.vendor})")
    if os.environ.get("BENCH_HR_REGENERATE") == "1" or Person.objects.count() < PEOPLE:
        start = time.perf_counter()
        counts = generate()
        total = counts["enrolment"] + counts["attempt"] + counts["certificate"]
        print(f"generated in {time.perf_counter() - start:.1f} s: {counts} ({total:,} enrolment rows)")
        start = time.perf_counter()
        written = services.compliance_refresh()
        print(f"roll-up built from scratch: {written:,} status rows in {time.perf_counter() - start:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if not ComplianceRollup.objects.exists():
        start = time.perf_counter()
        services.compliance_rollups_rebuild()
        print(f"subtree totals rebuilt from the per-unit counters in {time.perf_counter() - start:.1f} s")
    course = Course.objects.get(slug="bench-humanis")
    polda = Unit.objects.get(code="P07")
    polsek = Unit.objects.get(code="P07-R03-S1")
    hr = user_create(username=f"bench-hr-{time.time_ns()}", password=secrets.token_urlsafe(16), roles=["hr"])
    client = APIClient(HTTP_HOST="localhost")
    # Signed in as HR systems are: a bearer JWT, through the service's own authentication.
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(hr)['access']}")
    started_in_debug = settings.DEBUG
    settings.DEBUG = False  # as in production: no query log, no debug pages
    print(f"{Person.objects.count():,} people, {Unit.objects.count():,} units, course {course.title!r}")
    print(
        f"settings: DJANGO_DEBUG {'on (switched off for the timings)' if started_in_debug else 'off'}, "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    print(f"load average at the start {os.getloadavg()[0]:.1f} (2 cores)")

    nrp = Person.objects.filter(unit=polsek, certificates__isnull=False).values_list("nrp", flat=True).first()
    people = f"/api/v1/hr/compliance/people/?course={course.pk}&unit={polsek.code}"
    endpoints = [
        ("bare HR view (JWT + role check)", "/bench/bare-hr/"),
        ("compliance, whole force (roll-up)", f"/api/v1/hr/compliance/?course={course.pk}"),
        ("compliance, one Polda (roll-up)", f"/api/v1/hr/compliance/?course={course.pk}&unit={polda.pk}"),
        ("transcript", f"/api/v1/hr/personnel/{nrp}/transcript/"),
        ("one Polsek's personnel, first page of 100", people),
        ("one Polsek's personnel, all as CSV", f"{people}&format=csv"),
    ]
    floor, hr_floor = get(client, "/bench/bare/"), get(client, "/bench/bare-hr/")
    timings = [timed_with_floor(name, get(client, url), floor, hr_floor, API_RUNS) for name, url in endpoints]
    print()
    print(f"server time in this process (Django's whole request stack), {API_RUNS} requests each, in")
    print("turns with the floors: a bare DRF view (no authentication, no query) through the same stack,")
    print("and the same with the JWT and the role check (the user and their roles from the cache)")
    print(f"{'ms':<42} {'median':>7} {'p95':>7} {'cpu':>6} {'SQL':>4} {'floor':>6} {'fl p95':>6} "
          f"{'ratio':>6} {'HR fl.':>7} {'own':>6} {'load':>5}")  # fmt: skip
    for timing in timings:
        print(timing.row())
    print("cpu: this process's CPU time per request (median); SQL: queries per request; ratio: p95")
    print("over the bare floor's p95; HR fl.: the JWT + role floor's median; own: median minus it")

    if QUICK:
        return
    courses = Course.objects.filter(pk=course.pk)
    naive_force = timed(lambda: selectors.compliance_by_scan(courses=courses), runs=5)
    naive_polda = timed(lambda: selectors.compliance_by_scan(courses=courses, unit=polda), runs=5)
    force, in_polda = timings[1].wall, timings[2].wall
    print()
    print(f"{'naive per-request GROUP BY, ms (5 runs)':<46} {'median':>7} {'p95':>7}")
    print(f"{'compliance, whole force':<46} {naive_force[0]:7.0f} {naive_force[1]:7.0f}")
    print(f"{'compliance, one Polda':<46} {naive_polda[0]:7.0f} {naive_polda[1]:7.0f}")
    print(f"ratio naive/roll-up p95: whole force {naive_force[1] / force[1]:.0f}x, "
          f"one Polda {naive_polda[1] / in_polda[1]:.0f}x (load {os.getloadavg()[0]:.1f})")  # fmt: skip
    sync_bench(polsek)


def sync_bench(polsek: Unit) -> None:
    codes = list(Unit.objects.filter(level__in=["polsek", "satuan"]).values_list("code", flat=True))
    rnd = random.Random(11)
    base = 70000000 + (int(time.time()) % 100) * 100_000  # new NRPs every run
    rows = [
        {"nrp": str(base + i), "name": f"Sync {i}", "rank": "Bripda", "unit_code": rnd.choice(codes),
         "function": rnd.choice(FUNCTIONS), "active": True}
        for i in range(SYNC_ROWS)
    ]  # fmt: skip
    moved = [dict(r, unit_code=rnd.choice(codes)) if i % 10 == 0 else r for i, r in enumerate(rows)]
    print()
    print(f"personnel sync of {SYNC_ROWS:,} rows (service, one transaction)")
    for label, batch in (("new", rows), ("the same again (unchanged)", rows), ("10% transferred", moved)):
        start = time.perf_counter()
        with transaction.atomic():
            result = personnel_sync(rows=batch)
        seconds = time.perf_counter() - start
        print(f"  {label:<28} {seconds:6.2f} s  {SYNC_ROWS / seconds:9,.0f} rows/s  {result.as_dict()}")


if __name__ == "__main__":
    main()
