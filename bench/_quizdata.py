"""Test data for the quiz benchmarks: one quiz of 20 single-choice questions (4 choices, the
first right) and N graded attempts with every question answered, made by the database itself
(INSERT ... SELECT over generate_series), so a million answers take seconds, not minutes."""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from courses.models import Enrolment  # noqa: E402
from quizzes import services  # noqa: E402
from quizzes.models import Quiz, QuizVersion  # noqa: E402
from tests import factories  # noqa: E402

QUESTIONS = 20
PEOPLE = 20  # attempts are spread over them (the attempt number is a smallint)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        sys.exit(
            "This benchmark runs on PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1/lencana_h7)."
        )


def build(n: int) -> tuple[Quiz, QuizVersion]:
    """A fresh quiz and `n` graded attempts of its version; each answer is right with a chance
    that grows with the attempt's id (so totals spread and items discriminate)."""
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # the bench's own database, fresh each run
    slug = f"bench-{timezone.now():%Y%m%d%H%M%S%f}"
    course = factories.course(slug=slug, quizzes=1, max_attempts=30_000)
    quiz = Quiz.objects.get(module__course=course)
    quiz.questions.exclude(type="single").delete()
    while quiz.questions.count() < QUESTIONS:
        i = quiz.questions.count()
        services.question_create(
            quiz=quiz,
            key=f"more-{i}",
            type="single",
            text=f"Soal {i}?",
            choices=[{"text": t, "is_correct": t == "A"} for t in "ABCD"],
        )
    version = services.quiz_publish(quiz=quiz)
    people = [factories.person(roles=("learner",)) for _ in range(PEOPLE)]
    now = timezone.now()
    enrolments = [
        Enrolment.objects.get_or_create(person=p, course=course, cycle=1, defaults={"opened_at": now})[0]
        for p in people
    ]
    questions = version.spec["questions"]
    layout = [{"question": q["id"], "choices": [c["id"] for c in q["choices"]]} for q in questions]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO quizzes_attempt (quiz_id, version_id, person_id, enrolment_id, number, status,
                layout, started_at, deadline, submitted_at, auto_submitted, graded_at)
            SELECT %s, %s, (%s::bigint[])[1 + g %% %s], (%s::bigint[])[1 + g %% %s], 1 + g / %s, 'graded',
                %s::jsonb, now(), now(), now(), false, now()
            FROM generate_series(0, %s - 1) AS g
            """,
            [
                quiz.pk,
                version.pk,
                [p.pk for p in people],
                PEOPLE,
                [e.pk for e in enrolments],
                PEOPLE,
                PEOPLE,
                json.dumps(layout),
                n,
            ],
        )
        # Question k's choices as an array; the answer is the right one (the first) when a hash
        # of attempt and question falls under a share that grows with the attempt's id.
        cursor.execute(
            """
            WITH q AS (
                SELECT (e->>'id')::int AS qid, ord,
                       ARRAY(SELECT (c->>'id')::int FROM jsonb_array_elements(e->'choices') c) AS cs
                FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(e, ord)
            ), a AS (
                SELECT id, row_number() OVER (ORDER BY id) AS rn FROM quizzes_attempt WHERE version_id = %s
            )
            INSERT INTO quizzes_response (attempt_id, question_ref, choices, text, saved_at)
            SELECT a.id, q.qid,
                   jsonb_build_array(CASE WHEN (hashint8(a.id * 31 + q.ord) & 1023) < 300 + 600 * a.rn / %s
                       THEN q.cs[1]
                       ELSE q.cs[2 + abs(hashint8(a.id + q.ord)) %% (cardinality(q.cs) - 1)]
                   END),
                   '', now()
            FROM a CROSS JOIN q
            """,
            [json.dumps(questions), version.pk, n],
        )
        # Scores as grading gives them (a right single choice earns its point).
        cursor.execute(
            """
            WITH right_choice AS (
                SELECT (e->>'id')::int AS qid, (e->'choices'->0->>'id')::int AS cid,
                       (e->>'points')::int AS pts
                FROM jsonb_array_elements(%s::jsonb) AS e
            )
            UPDATE quizzes_response r
               SET score = CASE WHEN (r.choices->>0)::int = rc.cid THEN rc.pts ELSE 0 END,
                   correct = (r.choices->>0)::int = rc.cid
            FROM right_choice rc, quizzes_attempt a
            WHERE r.question_ref = rc.qid AND a.id = r.attempt_id AND a.version_id = %s
            """,
            [json.dumps(questions), version.pk],
        )
        max_score = sum(q["points"] for q in questions)
        cursor.execute(
            """
            UPDATE quizzes_attempt a SET score = s.total, max_score = %s,
                   percent = round(s.total * 100.0 / %s, 2), passed = s.total * 100.0 / %s >= %s
            FROM (SELECT r.attempt_id, sum(r.score) AS total FROM quizzes_response r
                  JOIN quizzes_attempt x ON x.id = r.attempt_id
                  WHERE x.version_id = %s GROUP BY r.attempt_id) s
            WHERE a.id = s.attempt_id
            """,
            [max_score, max_score, max_score, version.spec["pass_mark"], version.pk],
        )
        cursor.execute("ANALYZE quizzes_attempt; ANALYZE quizzes_response")
    return quiz, version
