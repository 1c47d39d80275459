"""Faults under a flood, against a PostgreSQL and a Redis of the tests' own (tests/faults/conftest.py),
with the service as it runs: gunicorn as the Procfile, real `celery worker` processes, beat.

1. SIGKILL the worker three times while 1,000 attempts are submitted, graded and certified.
2. Restart Redis (the broker and the cache) during a flood of submits.
3. Restart PostgreSQL during a flood of submits.
4. Poison: messages no task can use on the real broker, and requests no view can use on the web.

Each ends with every attempt graded once and one rendered certificate per pass, and prints what
it measured (times to recover, status codes seen during the outage)."""

import base64
import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.faults.conftest import FLOOD, OUTAGE_FLOOD, Stack
from tests.faults.servers import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]

RECOVERY_BOUND = 1500  # seconds: a bound on waiting (a loaded machine), never a measure of speed
OUTAGE = 8  # seconds a server stays away, long enough for every process to meet it


def assert_nothing_lost_nothing_twice(stack: Stack, attempts: int) -> None:
    assert stack.scalar("SELECT count(*) FROM quizzes_attempt WHERE status = 'graded'") == attempts
    assert stack.scalar("SELECT count(*) FROM certificates_certificate") == attempts
    assert stack.exactly_once() == {
        "submitted, not graded": 0,
        "graded twice": 0,
        "duplicate certificates": 0,
        "certificates issued twice": 0,
        "passes without a certificate": 0,
        "certificates not rendered": 0,
    }


def wait_all_done(stack: Stack, attempts: int, since: float) -> dict[str, float]:
    """Wait until every attempt is graded, then every certificate rendered, then the outbox
    empty; the seconds each took from `since`."""
    times = {}
    wait_until(
        lambda: stack.graded() == attempts, timeout=RECOVERY_BOUND, what="every attempt graded", step=0.2
    )
    times["graded"] = time.monotonic() - since
    wait_until(
        lambda: stack.rendered() == attempts,
        timeout=RECOVERY_BOUND,
        what="every certificate rendered",
        step=0.2,
    )
    times["certified"] = time.monotonic() - since
    wait_until(
        lambda: not stack.scalar("SELECT count(*) FROM events_event WHERE done_at IS NULL"),
        timeout=RECOVERY_BOUND,
        what="every event delivered",
        step=0.2,
    )
    times["outbox empty"] = time.monotonic() - since
    return times


def test_three_sigkills_of_the_worker_during_a_flood_lose_nothing_and_do_nothing_twice(stack, fault_servers):
    learners = fault_servers.learners[:FLOOD]
    started = time.monotonic()
    worker = stack.start_worker()
    submitting = ThreadPoolExecutor(1).submit(stack.submit_all, learners)
    kills: list[dict[str, float]] = []
    # Kill while grading, while grading and issuing, while certificates are rendered.
    points = [
        ("graded", stack.graded, FLOOD // 10),
        ("graded", stack.graded, FLOOD // 2),
        ("rendered", stack.rendered, FLOOD // 10),
    ]
    for what, counter, at in points:
        wait_until(lambda c=counter, n=at: c() >= n, timeout=RECOVERY_BOUND, what=f"{at} {what}", step=0.05)
        held = stack.redis().hlen("unacked")  # messages the worker had taken and not acknowledged
        worker.kill()
        last_kill = time.monotonic()
        kills.append(
            {"at": last_kill - started, "graded": stack.graded(), "rendered": stack.rendered(), "held": held}
        )
        worker = stack.start_worker()  # as a supervisor restarts it
    statuses = Counter(r.status_code for r in submitting.result())
    recovery = wait_all_done(stack, FLOOD, since=last_kill)

    print(f"\nfaults/sigkill: {FLOOD} attempts, total {time.monotonic() - started:.1f} s")
    for n, kill in enumerate(kills, 1):
        print(
            f"  kill {n} at {kill['at']:.1f} s: {kill['graded']} graded, {kill['rendered']} rendered, "
            f"{kill['held']} messages held unacknowledged"
        )
    print("  recovery after the last kill: " + ", ".join(f"{k} {v:.1f} s" for k, v in recovery.items()))
    assert statuses == {202: FLOOD}
    assert all(kill["held"] >= 1 for kill in kills), "each kill must land while the worker holds work"
    assert kills[-1]["rendered"] < FLOOD, "the last kill must land before every certificate is made"
    assert_nothing_lost_nothing_twice(stack, FLOOD)


def outage_statuses(responses: list) -> Counter:
    return Counter(r.status_code for r in responses)


def assert_unavailable_never_a_traceback(responses: list) -> None:
    """A refusal during an outage is a 503 with a retry hint and a JSON error, never a 500 and
    never a traceback."""
    for r in responses:
        assert r.status_code != 500 and "Traceback" not in r.text, r.text[:2000]
        if r.status_code == 503:
            assert r.headers.get("Retry-After", "").isdigit(), r.headers
            body = r.json()  # an API error, or readiness saying what is away
            said = body.get("code") or body.get("status")
            assert said in {"unavailable", "throttle_unavailable"}, r.text


@dataclass
class Outage:
    seconds: float
    during: list  # the submits sent while the server was away
    submits: list  # every submit before it returned
    probes: list
    afterwards: list  # the refused ones sent again, and the last third
    recovery: dict[str, float]


def flood_through_outage(stack: Stack, learners: list[dict], stop: Callable[[], None],
                         start: Callable[[], None], probes: Callable[[], list]) -> Outage:  # fmt: skip
    """A third of the learners submit while grading is under way, a third while the server is
    away (`stop` to `start`, at least OUTAGE seconds, then `probes`), a third after it returned,
    with those refused sent again (a client obeying Retry-After); then wait for every attempt
    graded and certified, timing it from the server's return."""
    n = len(learners)
    before, during, after = learners[: n // 3], learners[n // 3 : 2 * n // 3], learners[2 * n // 3 :]
    flood = ThreadPoolExecutor(1).submit(stack.submit_all, before)
    wait_until(lambda: stack.graded() >= 10, timeout=RECOVERY_BOUND, what="grading under way", step=0.05)
    stop()
    down = time.monotonic()
    submitted_during = stack.submit_all(during)
    time.sleep(max(0.0, OUTAGE - (time.monotonic() - down)))
    probed = probes()
    seconds = time.monotonic() - down
    start()
    up = time.monotonic()
    submits = flood.result() + submitted_during
    refused = [lr for lr, r in zip(before + during, submits, strict=True) if r.status_code == 503]
    afterwards = (stack.submit_all(refused) if refused else []) + stack.submit_all(after)
    return Outage(seconds, submitted_during, submits, probed, afterwards, wait_all_done(stack, n, since=up))


def print_outage(name: str, n: int, outage: Outage) -> None:
    statuses = dict(outage_statuses(outage.submits))
    probes = [p.status_code for p in outage.probes]
    print(f"\nfaults/{name}: {n} attempts; away {outage.seconds:.1f} s; submits then: {statuses}; ", end="")
    print(f"probes: {probes}")
    print(
        f"  recovery after {name} returned: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in outage.recovery.items())
    )


def test_a_redis_restart_during_a_flood_answers_202_or_503_never_500_and_grades_every_attempt(
    stack, fault_servers
):
    learners = fault_servers.learners[:OUTAGE_FLOOD]
    worker = stack.start_worker()
    token = {"Authorization": f"Bearer {learners[0]['token']}"}
    outage = flood_through_outage(
        stack,
        learners,
        stop=fault_servers.redis.stop,  # the broker and the cache, with every message they held
        start=fault_servers.redis.start,  # empty: nothing saved
        probes=lambda: [
            stack.request("GET", "/readyz/"),
            stack.request("POST", "/api/v1/auth/token/", json={"username": "flood1", "password": "x"}),
            stack.request("GET", f"/api/v1/attempts/{learners[0]['attempt']}/", headers=token),
        ],
    )
    print_outage("redis", len(learners), outage)
    assert_unavailable_never_a_traceback(outage.submits + outage.probes)
    assert set(outage_statuses(outage.submits)) <= {202, 503}
    readyz, sign_in, read = outage.probes
    assert readyz.status_code == 503 and readyz.json()["broker"] != "ok"
    assert sign_in.status_code == 503  # sign-in has no throttle counter: refused for now
    assert read.status_code == 200  # reads need no Redis
    assert outage_statuses(outage.afterwards) == {202: len(outage.afterwards)}
    assert worker.alive() and all(s.alive() for s in stack.services)
    assert_nothing_lost_nothing_twice(stack, len(learners))


def test_a_postgresql_restart_during_a_flood_answers_503_and_everything_reconnects_by_itself(
    stack, fault_servers
):
    learners = fault_servers.learners[:OUTAGE_FLOOD]
    worker = stack.start_worker()
    web = stack.services[0]
    token = {"Authorization": f"Bearer {learners[0]['token']}"}
    outage = flood_through_outage(
        stack,
        learners,
        stop=lambda: fault_servers.postgres.stop(mode="fast"),  # every connection cut
        start=fault_servers.postgres.start,
        probes=lambda: [
            stack.request("GET", "/readyz/"),
            stack.request("GET", f"/api/v1/attempts/{learners[0]['attempt']}/", headers=token),
            stack.request("GET", "/api/v1/courses/", headers=token),
            stack.request("GET", "/accounts/login/"),
        ],
    )
    print_outage("postgres", len(learners), outage)
    assert_unavailable_never_a_traceback(outage.submits + outage.probes)
    assert outage_statuses(outage.during) == {503: len(outage.during)}
    assert set(outage_statuses(outage.submits)) <= {202, 503}
    assert [p.status_code for p in outage.probes[:3]] == [503, 503, 503]
    assert outage.probes[3].status_code in {200, 503}  # the sign-in page needs no database until posted
    assert outage_statuses(outage.afterwards) == {202: len(outage.afterwards)}
    # Reconnected by themselves: the same processes, no restart, no error logged as a 500.
    assert worker.alive() and web.alive() and all(s.alive() for s in stack.services)
    assert b"Internal Server Error" not in web.log.read_bytes()
    assert_nothing_lost_nothing_twice(stack, len(learners))


GRADER = "quizzes.handlers.grade_submitted_attempt"


def raw_message(body: bytes, task: str | None = None) -> str:
    """A message as Celery puts it on a Redis list, with any body and task name."""
    headers = {"task": task, "id": f"poison-{time.time_ns()}"} if task else {}
    properties = {"delivery_tag": f"poison-{time.time_ns()}", "body_encoding": "base64", "priority": 0,
                  "delivery_info": {"exchange": "", "routing_key": "grading"}}  # fmt: skip
    envelope = {"body": base64.b64encode(body).decode(), "content-encoding": "utf-8",
                "content-type": "application/json", "headers": headers, "properties": properties}  # fmt: skip
    return json.dumps(envelope)


def test_poison_on_the_broker_and_the_web_kills_neither_and_what_follows_is_done_once(stack, fault_servers):
    """The integration test (tests/integration/test_faults.py) sends poison through Celery's own
    client; here it comes raw onto Redis too, and as requests no view can use, to gunicorn."""
    n = 20
    learners = fault_servers.learners[:n]
    worker = stack.start_worker()
    web = stack.services[0]
    # Events no handler can use: a row that does not exist, a malformed payload.
    poison_events = [
        stack.scalar(
            "INSERT INTO events_event (type, data, created_at, relay_after, relays)"
            " VALUES ('attempt.submitted', %s::jsonb, now(), now(), 0) RETURNING id",
            data,
        )
        for data in ('{"attempt_id": 987654321}', '{"attempt_id": "not-a-number"}', '{"nothing": null}')
    ]
    deliver = "events.tasks.deliver_event_task"
    for raw in (
        b"not json at all",
        b"\xff\xfe\x00garbage",
        raw_message(b"{not json"),  # a body Celery cannot decode
        raw_message(b"[[1], {}, {}]"),  # no task name
        raw_message(b"[[1], {}, {}]", "lencana.no_such_task"),
        raw_message(b'[["x"], {}, {}]', deliver),  # wrong arguments
        raw_message(json.dumps([[poison_events[0], GRADER], {}, {}]).encode(), deliver),
        raw_message(json.dumps([[987654321, GRADER], {}, {}]).encode(), deliver),  # no such event
    ):
        stack.redis().lpush("grading", raw)
    token = {"Authorization": f"Bearer {learners[0]['token']}"}
    as_json = {**token, "Content-Type": "application/json"}
    submit = f"/api/v1/attempts/{learners[0]['attempt']}/submit/"
    unusable = [
        stack.request("POST", submit, data=b"{not json", headers=as_json),
        stack.request("POST", submit, data=b"\xff\xfe", headers=as_json),
        stack.request("POST", submit, json={"answers": "all of them"}, headers=token),
        stack.request("POST", submit, json={"answers": [{"question": 2**70}]}, headers=token),
        stack.request("PATCH", submit.replace("submit", "answers"), json=[[[[[[[[]]]]]]]], headers=token),
        stack.request("POST", "/api/v1/attempts/99999999999999999999999/submit/", headers=token),
        stack.request("GET", "/api/v1/attempts/1%00/", headers=token),
        stack.request("POST", "/api/v1/auth/token/", data=b"\x00" * 1000, headers=as_json),
        stack.request("POST", "/api/v1/quizzes/1/attempts/", headers={"Authorization": "Bearer not.a.token"}),
    ]
    statuses = [r.status_code for r in unusable]

    submitted = stack.submit_all(learners)
    wait_all_done(stack, n, since=time.monotonic())
    wait_until(
        lambda: (
            stack.scalar(
                "SELECT count(*) FROM events_delivery WHERE handler = %s AND event_id = ANY(%s)",
                GRADER,
                poison_events,
            )
            == len(poison_events)
        ),
        timeout=RECOVERY_BOUND,
        what="the poison events delivered as nothing to do",
    )
    print(f"\nfaults/poison: the web answered {statuses}; {n} attempts graded and certified after the poison")
    assert all(400 <= s < 500 for s in statuses), [r.text[:300] for r in unusable]
    assert outage_statuses(submitted) == {202: n}
    assert worker.alive() and web.alive()
    log = worker.log.read_bytes()
    assert b"exited with exitcode" not in log and b"WorkerLostError" not in log  # no pool process died
    assert b"Internal Server Error" not in web.log.read_bytes()
    assert_nothing_lost_nothing_twice(stack, n)
