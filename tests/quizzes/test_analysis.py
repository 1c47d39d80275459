"""Item analysis against the textbook formulas worked out here on the same answers."""

import csv
import io
import math
import statistics

import pytest

from quizzes import services
from quizzes.models import Attempt, Quiz
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Per learner: which of the three questions (single 2 pts, multiple 2 pts, true/false 1 pt)
# they answer right; the rest are answered with a wrong choice.
PATTERNS = [(1, 1, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 0, 0), (0, 0, 1), (0, 0, 0), (1, 1, 1)]


@pytest.fixture
def taken():
    course = factories.course(quizzes=1, max_attempts=1)
    quiz = Quiz.objects.get(module__course=course)
    version = services.quiz_publish(quiz=quiz)
    questions = sorted(version.spec["questions"], key=lambda q: q["key"])  # multi, single, tf
    order = [questions[1], questions[0], questions[2]]  # single, multiple, tf
    for pattern in PATTERNS:
        person = factories.person(roles=("learner",))
        attempt = services.attempt_start(quiz=quiz, person=person)
        answers = []
        for q, right in zip(order, pattern, strict=True):
            wanted = [c["id"] for c in q["choices"] if c["is_correct"] == bool(right)]
            answers.append(services.Answer(question=q["id"], choices=tuple(wanted if right else wanted[:1])))
        services.attempt_submit(attempt=attempt, answers=answers)
        services.attempt_grade(attempt_id=attempt.pk)
    return quiz, version, order


def _expected(quiz, order):
    attempts = list(Attempt.objects.filter(quiz=quiz).prefetch_related("responses"))
    totals = [float(a.score) for a in attempts]
    items = {}
    for q in order:
        items[q["id"]] = [
            float(next(r.score for r in a.responses.all() if r.question_ref == q["id"])) for a in attempts
        ]
    return totals, items


def test_the_figures_follow_the_formulas(taken, instructor):
    quiz, version, order = taken
    body = client_for(instructor).get(f"/api/v1/authoring/quizzes/{quiz.pk}/analysis/").json()
    totals, items = _expected(quiz, order)
    assert body["attempts"] == len(PATTERNS) and body["version"] == version.number
    assert body["sd"] == pytest.approx(statistics.pstdev(totals), abs=1e-4)
    k = len(items)
    alpha = (
        k
        / (k - 1)
        * (1 - sum(statistics.pvariance(v) for v in items.values()) / statistics.pvariance(totals))
    )
    assert body["cronbach_alpha"] == pytest.approx(alpha, abs=1e-4)
    by_id = {row["question"]: row for row in body["items"]}
    for q in order:
        row, scores = by_id[q["id"]], items[q["id"]]
        assert row["facility"] == pytest.approx(statistics.mean(scores) / q["points"], abs=1e-4)
        assert row["point_biserial"] == pytest.approx(statistics.correlation(scores, totals), abs=1e-4)
        assert row["sd"] == pytest.approx(statistics.pstdev(scores), abs=1e-4)
        # Upper and lower 27% of 8 attempts: the top and bottom 3 by total (ties included).
        ranked = sorted(totals)
        group = math.ceil(len(totals) * 0.27)
        up = [s for s, t in zip(scores, totals, strict=True) if t >= ranked[-group]]
        low = [s for s, t in zip(scores, totals, strict=True) if t <= ranked[group - 1]]
        expected = (statistics.mean(up) - statistics.mean(low)) / q["points"]
        assert row["discrimination"] == pytest.approx(expected, abs=1e-4)
        assert sum(c["count"] for c in row["choices"] if c["is_correct"]) >= sum(
            1 for s in scores if s == q["points"]
        )
    tf = by_id[order[2]["id"]]
    right = sum(1 for p in PATTERNS if p[2])
    assert [c["count"] for c in tf["choices"] if c["is_correct"]] == [right]
    assert [c["count"] for c in tf["choices"] if not c["is_correct"]] == [len(PATTERNS) - right]


def test_csv_has_a_row_per_question_and_per_choice(taken, instructor):
    quiz, _, order = taken
    response = client_for(instructor).get(f"/api/v1/authoring/quizzes/{quiz.pk}/analysis/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["question", "key", "type"]
    assert len(rows) == 1 + len(order) + sum(len(q["choices"]) for q in order)


def test_bad_version_is_404_bad_query_400_and_learners_403(taken, instructor, learner):
    quiz, _, _ = taken
    client = client_for(instructor)
    assert client.get(f"/api/v1/authoring/quizzes/{quiz.pk}/analysis/?version=99").status_code == 404
    assert client.get(f"/api/v1/authoring/quizzes/{quiz.pk}/analysis/?version=x").status_code == 400
    assert client_for(learner).get(f"/api/v1/authoring/quizzes/{quiz.pk}/analysis/").status_code == 403


def test_analysis_reads_a_fixed_number_of_queries(taken, django_assert_max_num_queries):
    from quizzes.analysis import quiz_version_analysis

    _, version, _ = taken
    with django_assert_max_num_queries(3):
        quiz_version_analysis(version=version)
