"""Bulk regrade on PostgreSQL: N attempts (BENCH_N, default 100,000) of 20 questions each, after
the key of one question is fixed, through `regrade_run` (batches, as the worker runs it: the
answers rescored, the changed attempts, their `RegradeChange` rows and `attempt.regraded` events
written, the events handed to the broker after each batch's commit). The floor, in the same run:
the same number of single-row UPDATEs of the attempts, one statement each in one transaction.

Then it checks the result: as many attempts changed as the data says (every attempt that had
chosen the old key or the new one), one event each, and a sample of attempts graded from
scratch by the pure grading under the fixed spec equals what the regrade wrote, answer by
answer; item analysis of the regraded version is timed too. Run: `make bench-regrade` with
DATABASE_URL set to a PostgreSQL database (and REDIS_URL for a real broker)."""

import os
import random
import time
from decimal import Decimal

from _quizdata import build, require_postgresql
from django.db import connection, transaction

from events import types
from events.models import Event
from quizzes import grading, regrading, services
from quizzes.analysis import quiz_version_analysis
from quizzes.models import Attempt, Question, QuizVersion, Regrade, Response

N = int(os.environ.get("BENCH_N", "100000"))
SAMPLE = 1000


def main() -> None:
    require_postgresql()
    t0 = time.perf_counter()
    quiz, version = build(N)
    print(f"built {N} attempts x 20 answers in {time.perf_counter() - t0:.1f} s")

    # The floor: one UPDATE per attempt.
    ids = list(version.attempts.values_list("pk", flat=True))
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for pk in ids:
            cursor.execute("UPDATE quizzes_attempt SET percent = percent WHERE id = %s", [pk])
    floor = time.perf_counter() - t0

    # The key of the first question was wrong: B, not A.
    first = Question.objects.get(pk=version.spec["questions"][0]["id"])
    old_key, new_key = (c["id"] for c in version.spec["questions"][0]["choices"][:2])
    # Whoever chose A loses its point and whoever chose B gains one: exactly those change.
    expected = Response.objects.filter(
        attempt__version=version, question_ref=first.pk, choices__in=[[old_key], [new_key]]
    ).count()
    services.question_update(
        question=first,
        data={},
        choices=[{"text": c.text, "is_correct": c.text == "B"} for c in first.choices.all()],
    )
    regrade = regrading.regrade_start(
        quiz=quiz, version=version, reason="bench: key of question 1", requested_by_id=None
    )
    t0 = time.perf_counter()
    regrading.regrade_run(regrade_id=regrade.pk)
    took = time.perf_counter() - t0
    regrade = Regrade.objects.get(pk=regrade.pk)

    assert regrade.done == N, (regrade.done, N)
    assert regrade.changed == expected, (regrade.changed, expected)
    events = Event.objects.filter(type=types.ATTEMPT_REGRADED, data__regrade_id=regrade.pk).count()
    assert events == expected, (events, expected)
    checked = check_sample(QuizVersion.objects.get(pk=version.pk))

    rate, floor_rate = N / took, N / floor
    print(
        f"regrade: {N:,} attempts in {took:.2f} s = {rate:,.0f} attempts/s "
        f"({regrade.changed:,} changed, as expected; {events:,} attempt.regraded events)"
    )
    print(f"floor:   {N:,} single-row UPDATEs in {floor:.2f} s = {floor_rate:,.0f} rows/s")
    verdict = "met" if rate >= 5000 else "NOT met"
    print(f"ratio:   {rate / floor_rate:.2f}x the floor; goal 5,000 attempts/s: {verdict}")
    print(f"checked: {checked} attempts graded from scratch under the fixed key equal the regrade's")

    t0 = time.perf_counter()
    report = quiz_version_analysis(version=QuizVersion.objects.get(pk=version.pk))
    print(
        f"item analysis of the regraded version ({report['attempts']:,} attempts): "
        f"{(time.perf_counter() - t0) * 1000:.0f} ms"
    )


def check_sample(version: QuizVersion) -> int:
    """Grade a random sample of attempts from scratch (pure grading, the fixed spec) and compare
    every answer's score and the attempt's total, percent and pass with what the regrade wrote."""
    specs = [grading.QuestionSpec.from_spec(q) for q in version.spec["questions"]]
    pool = list(version.attempts.values_list("pk", flat=True))
    sample = random.Random(7).sample(pool, min(SAMPLE, len(pool)))
    attempts = Attempt.objects.filter(pk__in=sample).prefetch_related("responses")
    for attempt in attempts:
        given = {r.question_ref: r for r in attempt.responses.all()}
        result = grading.grade_attempt(
            specs, {q: r.choices for q, r in given.items()}, pass_mark=version.spec["pass_mark"]
        )
        for g in result.questions:
            r = given[g.question_id]
            assert (r.score, r.correct) == (g.score, g.correct), (attempt.pk, g, r.score, r.correct)
        got = (attempt.score, attempt.max_score, attempt.percent, attempt.passed)
        assert got == (result.score, result.max_score, result.percent, result.passed), (
            attempt.pk,
            got,
            result,
        )
        assert isinstance(attempt.score, Decimal)
    return len(sample)


if __name__ == "__main__":
    main()
