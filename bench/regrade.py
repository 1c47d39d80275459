"""Bulk regrade on PostgreSQL: N attempts (BENCH_N, default 100,000) of 20 questions each, after
the key of one question is fixed, through `regrade_run` (batches, as the worker runs it: the
answers rescored, the changed attempts and their `attempt.regraded` events written). The floor,
in the same run: the same number of single-row UPDATEs of the attempts, one statement each in
one transaction. Run: `make bench-regrade` with DATABASE_URL set to a PostgreSQL database."""

import os
import time

from _quizdata import build, require_postgresql
from django.db import connection, transaction

from quizzes import services
from quizzes.models import Question, Regrade

N = int(os.environ.get("BENCH_N", "100000"))


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
    services.question_update(
        question=first,
        data={},
        choices=[{"text": c.text, "is_correct": c.text == "B"} for c in first.choices.all()],
    )
    regrade = services.regrade_start(
        quiz=quiz, version=version, reason="bench: key of question 1", requested_by_id=None
    )
    t0 = time.perf_counter()
    services.regrade_run(regrade_id=regrade.pk)
    took = time.perf_counter() - t0
    regrade = Regrade.objects.get(pk=regrade.pk)
    assert regrade.done == N, (regrade.done, N)

    rate, floor_rate = N / took, N / floor
    print(f"regrade: {N} attempts in {took:.2f} s = {rate:,.0f} attempts/s ({regrade.changed:,} changed)")
    print(f"floor:   {N} single-row UPDATEs in {floor:.2f} s = {floor_rate:,.0f} rows/s")
    verdict = "met" if rate >= 5000 else "NOT met"
    print(f"ratio:   {rate / floor_rate:.2f}x the floor; goal 5,000 attempts/s: {verdict}")


if __name__ == "__main__":
    main()
