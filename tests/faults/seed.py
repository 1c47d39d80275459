"""The fault tests' data, made in the database DATABASE_URL names (the template the tests copy):
migrations, a course of one quiz, and N learners each with an attempt started and every answer
saved, ready to submit. Writes the attempts' ids and each learner's access token as JSON.

The first learner goes through the services (person, enrolment, attempt, answers); the others
are copies of its rows in one insert per table, as the services would have written them: a
thousand learners one at a time take minutes on a loaded machine, the copies seconds.

Run as `python -m tests.faults.seed OUT.json N` (tests/faults/conftest.py does)."""

import json
import os
import sys
from pathlib import Path
from typing import TypeVar

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import models, transaction  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from courses.models import Enrolment  # noqa: E402
from people.models import Person, Transfer  # noqa: E402
from people.tokens import PASSWORD_CLAIM, password_stamp  # noqa: E402
from quizzes import services  # noqa: E402
from quizzes.models import Attempt, Quiz, Response  # noqa: E402
from tests import factories  # noqa: E402


def correct(attempt: Attempt) -> list[services.Answer]:
    return [
        services.Answer(question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"]))
        for q in attempt.version.spec["questions"]
    ]


M = TypeVar("M", bound=models.Model)


def copy_of(row: M, new: dict[type[models.Model], models.Model], **fields: object) -> M:
    """A new row like `row`, pointing at the copies in `new` instead of the originals."""
    values = {}
    for f in row._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.is_relation and f.related_model in new:
            values[f.attname] = new[f.related_model].pk  # type: ignore[index]
        else:
            values[f.attname] = getattr(row, f.attname)
    return type(row)(**(values | fields))


def access_token(user: User | None) -> str:
    assert user is not None
    token = AccessToken.for_user(user)
    token[PASSWORD_CLAIM] = password_stamp(user)
    return str(token)


@transaction.atomic
def learners_like(attempt: Attempt, n: int) -> list[Attempt]:
    """N learners more, each with a copy of `attempt` (its person, user, transfer, enrolment and
    responses): one insert per table."""
    person = attempt.person
    user = person.user
    assert user is not None
    users = User.objects.bulk_create([copy_of(user, {}, username=f"flood{i}") for i in range(n)])
    groups = list(User.groups.through.objects.filter(user=user))
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=g.group_id) for u in users for g in groups]
    )
    people = Person.objects.bulk_create(
        [
            copy_of(person, {User: u}, nrp=f"{80000000 + i}", name=f"Personel Banjir {i}")
            for i, u in enumerate(users)
        ]
    )
    Transfer.objects.bulk_create(
        [copy_of(t, {Person: p}) for t in Transfer.objects.filter(person=person) for p in people]
    )
    enrolments = Enrolment.objects.bulk_create([copy_of(attempt.enrolment, {Person: p}) for p in people])
    attempts = Attempt.objects.bulk_create(
        [copy_of(attempt, {Person: p, Enrolment: e}) for p, e in zip(people, enrolments, strict=True)]
    )
    responses = list(Response.objects.filter(attempt=attempt))
    Response.objects.bulk_create([copy_of(r, {Attempt: a}) for a in attempts for r in responses])
    return attempts


def main(out: Path, n: int) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    # One quiz: each pass completes the course, so every graded attempt earns a certificate.
    course = factories.course(quizzes=1, time_limit=3 * 3600)
    quiz = Quiz.objects.get(module__course=course)
    first = services.attempt_start(quiz=quiz, person=factories.person())
    services.attempt_save_answers(attempt=first, answers=correct(first))
    attempts = [first, *learners_like(first, n - 1)]
    user_of = {p.pk: p.user for p in Person.objects.select_related("user").filter(attempts__in=attempts)}
    learners = [{"attempt": a.pk, "token": access_token(user_of[a.person_id])} for a in attempts]
    out.write_text(json.dumps({"course": course.pk, "quiz": quiz.pk, "learners": learners}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
