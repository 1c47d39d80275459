"""schemathesis against the OpenAPI document (issue 11): as anonymous, learner, instructor and
HR, every operation gets generated requests. Valid ones (positive) must get no server error and
an answer as the document says (status code, content type, body schema, headers); invalid ones
(negative: wrong types, missing fields, values out of range) must get no server error and a
documented status code.

It runs in `make test` (so in .ci/run): in this process, through the WSGI application, on the
test database with a course, its published quizzes, an attempt and a certificate in it."""

import contextlib
import time
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from people.tokens import tokens_for
from quizzes.models import Quiz
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Generated cases per operation and role: about 55 operations, so well over 1,000 in all.
EXAMPLES_PER_OPERATION = 10
CHECKS = {
    GenerationMode.POSITIVE: [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        response_headers_conformance,
    ],
    GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance],
}
CASES: Counter[tuple[str, str]] = Counter()


@pytest.fixture
def wsgi_app(world):
    """The WSGI application on the test's own database connection: Django's handler closes the
    connection at the end of each request, which would end the test's transaction (Django's test
    client keeps it open the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(course, learner, instructor, hr):
    """Real rows for the generated requests to reach: half of each operation's cases name them
    in the path, so the fuzzing goes past "not found" into the views' work."""
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    attempt = client_for(learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    certificate = factories.certificate(
        holder=learner, course=course, code="LNC-FUZZ-0001", issued_at=timezone.now()
    )
    question = quiz.questions.order_by("id")[0]
    module = quiz.module
    return {
        "learner": learner,
        "instructor": instructor,
        "hr": hr,
        "ids": {
            "attempt_id": attempt["id"],
            "quiz_id": quiz.pk,
            "course_id": course.pk,
            "certificate_id": certificate.pk,
            "code": certificate.code,
            "nrp": learner.nrp,
            "/authoring/courses/": course.pk,
            "/authoring/modules/": module.pk,
            "/authoring/lessons/": module.lessons.order_by("id")[0].pk,
            "/authoring/quizzes/": quiz.pk,
            "/authoring/questions/": question.pk,
        },
    }


def real_path_parameters(path: str, names: list[str], ids: dict) -> dict | None:
    found = {}
    for name in names:
        key = name if name != "id" else next((k for k in ids if k.startswith("/") and k in path), None)
        if key is None or key not in ids:
            return None
        found[name] = ids[key]
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("role", ["anonymous", "learner", "instructor", "hr"])
def test_every_operation_answers_as_documented(wsgi_app, world, role, mode):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {tokens_for(world[role].user)['access']}"
    started = time.monotonic()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = [p.name for p in operation.path_parameters]
        real = real_path_parameters(operation.path, names, world["ids"]) if names else None
        strategy = operation.as_strategy(mode)
        if real:
            strategy = strategy | operation.as_strategy(mode, path_parameters=real)

        @given(case=strategy)
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,  # the same cases every run: CI is repeatable
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            CASES[role, mode.value] += 1
            case.call_and_validate(headers=headers, checks=CHECKS[mode])

        # Negative: an operation with nothing to make invalid (no body, no parameter) has no case.
        with contextlib.suppress(Unsatisfiable):
            run()
    elapsed = time.monotonic() - started
    count = CASES[role, mode.value]
    print(f"\nschemathesis {role} {mode.value}: {count} cases, {operations} operations, {elapsed:.1f} s")
    assert count >= 250
