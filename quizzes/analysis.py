"""Item analysis of a quiz version, as classical test theory has it: per question the facility
index, the discrimination index (upper against lower 27% by total score), the point-biserial
correlation with the total, the standard deviation and how often each choice was picked; for
the test Cronbach's alpha, KR-20 and the standard deviation of the totals.

Two reads whatever the number of attempts: the graded attempts' totals with their layout (which
questions each attempt had: random draws give attempts different questions), and one GROUP BY
over the answers; choices are counted by the database (`json_each` / `jsonb_array_elements`).
The rest is arithmetic on sums, so 10,000 attempts answer well under a second."""

import csv
import io
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, FloatField, Q, Sum
from django.db.models.functions import Cast

from quizzes.models import Attempt, QuizVersion, Response

GROUP_SHARE = 0.27  # Kelley's upper and lower groups


@dataclass
class _Sums:
    n: int = 0
    sy: float = 0.0  # totals of the attempts that had the question
    syy: float = 0.0
    upper: int = 0
    lower: int = 0


@dataclass
class ItemRow:
    question: int
    key: str
    type: str
    text: str
    points: int
    attempts: int
    facility: float | None
    discrimination: float | None
    point_biserial: float | None
    sd: float | None
    choices: list[dict[str, Any]] = field(default_factory=list)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or math.isnan(x) else round(x, digits)


def quiz_version_analysis(*, version: QuizVersion) -> dict[str, Any]:
    graded_attempts = Attempt.objects.filter(version=version, status=Attempt.Status.GRADED)
    drawn = bool(version.spec.get("draws"))
    # Without random draws every attempt has every question: the totals alone give each
    # question's sums, and no attempt's layout needs reading.
    attempts = list(
        graded_attempts.values_list("score", "layout")
        if drawn
        else ((s, None) for s in graded_attempts.values_list("score", flat=True))
    )
    n = len(attempts)
    totals = sorted(float(s or 0) for s, _ in attempts)
    specs = {q["id"]: q for q in version.spec["questions"]}
    mean = sum(totals) / n if n else 0.0
    var_total = sum((t - mean) ** 2 for t in totals) / n if n else 0.0
    group = max(1, math.ceil(n * GROUP_SHARE)) if n else 0
    upper_cut = totals[-group] if n else 0.0
    lower_cut = totals[group - 1] if n else 0.0

    sums: dict[int, _Sums] = defaultdict(_Sums)
    if drawn:
        for score, layout in attempts:
            y = float(score or 0)
            for item in layout or ():
                s = sums[item["question"]]
                s.n += 1
                s.sy += y
                s.syy += y * y
                s.upper += y >= upper_cut
                s.lower += y <= lower_cut
    elif n:
        everyone = _Sums(
            n=n,
            sy=sum(totals),
            syy=sum(t * t for t in totals),
            upper=sum(1 for t in totals if t >= upper_cut),
            lower=sum(1 for t in totals if t <= lower_cut),
        )
        sums = defaultdict(_Sums, dict.fromkeys(specs, everyone))

    item_score = Cast("score", FloatField())
    total = Cast("attempt__score", FloatField())
    graded = Response.objects.filter(attempt__in=graded_attempts)
    per_question = {
        row["question_ref"]: row
        for row in graded.values("question_ref").annotate(
            sx=Sum(item_score),
            sxx=Sum(item_score * item_score),
            sxy=Sum(item_score * total),
            right=Count("pk", filter=Q(correct=True)),
            up=Sum(item_score, filter=Q(attempt__score__gte=upper_cut)),
            low=Sum(item_score, filter=Q(attempt__score__lte=lower_cut)),
        )
    }
    picked = _choice_counts(version)

    items: list[ItemRow] = []
    sum_item_var = sum_pq = 0.0
    for qid, spec in specs.items():
        if qid not in sums:
            continue  # a question of a pool no attempt drew
        s = sums[qid]
        row: Mapping[str, Any] = per_question.get(qid) or {}
        points = float(spec["points"])
        sx, sxx, sxy = (float(row.get(k) or 0) for k in ("sx", "sxx", "sxy"))
        mx = sx / s.n
        var_x = max(sxx / s.n - mx * mx, 0.0)
        var_y = max(s.syy / s.n - (s.sy / s.n) ** 2, 0.0)
        cov = sxy / s.n - mx * (s.sy / s.n)
        r = cov / math.sqrt(var_x * var_y) if var_x > 0 and var_y > 0 else None
        up = float(row.get("up") or 0) / s.upper / points if s.upper else None
        low = float(row.get("low") or 0) / s.lower / points if s.lower else None
        p_right = (row.get("right") or 0) / s.n
        sum_item_var += var_x
        sum_pq += p_right * (1 - p_right)
        choices = []
        for c in spec.get("choices") or ():
            count = picked.get((qid, c["id"]), 0)
            choices.append(
                {
                    "id": c["id"],
                    "text": c.get("text", ""),
                    "is_correct": bool(c.get("is_correct")),
                    "count": count,
                    "percent": _r(100 * count / s.n, 2),
                }
            )
        items.append(
            ItemRow(
                question=qid,
                key=spec.get("key", ""),
                type=spec["type"],
                text=spec["text"],
                points=int(points),
                attempts=s.n,
                facility=_r(mx / points),
                discrimination=_r(up - low) if up is not None and low is not None else None,
                point_biserial=_r(r),
                sd=_r(math.sqrt(var_x)),
                choices=choices,
            )
        )
    k = len(items)
    reliable = k > 1 and var_total > 0
    return {
        "quiz": version.quiz_id,
        "version": version.number,
        "attempts": n,
        "mean": _r(mean),
        "sd": _r(math.sqrt(var_total)),
        "max_score": float(sum(Decimal(q["points"]) for q in specs.values())) if specs else 0.0,
        "cronbach_alpha": _r(k / (k - 1) * (1 - sum_item_var / var_total)) if reliable else None,
        "kr20": _r(k / (k - 1) * (1 - sum_pq / var_total)) if reliable else None,
        "items": [vars(i) for i in items],
    }


def _choice_counts(version: QuizVersion) -> dict[tuple[int, int], int]:
    """How often each choice was picked, counted by the database over the answers' JSON lists."""
    table, attempts = Response._meta.db_table, Attempt._meta.db_table
    if connection.vendor == "postgresql":
        each = "jsonb_array_elements_text(r.choices) AS c(value)"
        value = "c.value::integer"
    else:
        each = "json_each(r.choices) AS c"
        value = "c.value"
    # The names are the models' own tables; the values are parameters.
    select = f"SELECT r.question_ref, {value}, COUNT(*) FROM {table} r"  # noqa: S608
    sql = (
        f"{select} JOIN {attempts} a ON a.id = r.attempt_id, {each} "
        f"WHERE a.version_id = %s AND a.status = %s GROUP BY r.question_ref, {value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [version.pk, Attempt.Status.GRADED])
        return {(int(q), int(c)): int(count) for q, c, count in cursor.fetchall() if c is not None}


CSV_COLUMNS = [
    "question",
    "key",
    "type",
    "points",
    "attempts",
    "facility",
    "discrimination",
    "point_biserial",
    "sd",
    "choice",
    "choice_text",
    "is_correct",
    "picked",
    "picked_percent",
]


def analysis_csv_rows(report: dict[str, Any]) -> list[list[Any]]:
    """One row per question, then one per choice of it (the question's columns repeated)."""
    rows: list[list[Any]] = []
    for item in report["items"]:
        head = [item[c] for c in CSV_COLUMNS[:9]]
        rows.append([*head, "", "", "", "", ""])
        for c in item["choices"]:
            rows.append([*head, c["id"], c["text"], c["is_correct"], c["count"], c["percent"]])
    return rows


def analysis_csv(report: dict[str, Any]) -> str:
    """The report as CSV text: the header, then `analysis_csv_rows`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(analysis_csv_rows(report))
    return out.getvalue()
