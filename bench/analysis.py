"""Item analysis of N graded attempts (BENCH_N, default 10,000) of 20 questions on PostgreSQL:
the time of `quiz_version_analysis` (what the API answers), best of 5, against the goal of one
second; the floor, in the same run, is one bare read of all the answers (SELECT count(*))."""

import os
import time

from _quizdata import build, require_postgresql
from django.db import connection

from quizzes.analysis import quiz_version_analysis

N = int(os.environ.get("BENCH_N", "10000"))


def main() -> None:
    require_postgresql()
    _, version = build(N)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        report = quiz_version_analysis(version=version)
        times.append(time.perf_counter() - t0)
    best = min(times)
    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute(
            "SELECT count(*) FROM quizzes_response r JOIN quizzes_attempt a ON a.id = r.attempt_id "
            "WHERE a.version_id = %s",
            [version.pk],
        )
        answers = cursor.fetchone()[0]
        floor = time.perf_counter() - t0
    print(
        f"item analysis of {report['attempts']} attempts ({answers} answers): best {best * 1000:.0f} ms, "
        f"median {sorted(times)[2] * 1000:.0f} ms; alpha {report['cronbach_alpha']}"
    )
    print(
        f"floor: one count over the answers {floor * 1000:.0f} ms; ratio {best / floor:.1f}x; "
        f"goal < 1 s: {'met' if best < 1 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
