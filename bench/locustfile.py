"""200 learners: each starts an attempt, saves answers one at a time, submits, and again; or
200 users of one endpoint (verify, course detail, HR's list); or the bare DRF view.
Tokens and quiz id come from the files bench/flood.py writes (var/bench/locust-*.json)."""

import itertools
import json
import os
import random

from locust import HttpUser, constant, task

DATA = json.loads(open(os.environ["BENCH_LOCUST_DATA"]).read())  # noqa: SIM115
_ids = itertools.count()
SAVES = 5


class BenchUser(HttpUser):
    abstract = True
    wait_time = constant(float(os.environ.get("BENCH_WAIT", "0")))
    signed_in_as = ""  # "": anonymous; "tokens": a learner's each; else the one token under that key

    def on_start(self) -> None:
        if self.signed_in_as == "tokens":
            token = DATA["tokens"][next(_ids) % len(DATA["tokens"])]
        elif self.signed_in_as:
            token = DATA[self.signed_in_as]
        else:
            return
        self.client.headers["Authorization"] = f"Bearer {token}"


class Learner(BenchUser):
    signed_in_as = "tokens"

    @task
    def take_quiz(self) -> None:
        r = self.client.post(f"/api/v1/quizzes/{DATA['quiz']}/attempts/", name="start")
        if r.status_code != 201:
            return
        body = r.json()
        questions = body["questions"]
        for q in random.sample(questions, min(SAVES, len(questions))):
            answer = {"question": q["id"], "choices": [q["choices"][0]["id"]]}
            self.client.patch(
                f"/api/v1/attempts/{body['id']}/answers/", json={"answers": [answer]}, name="answers"
            )
        self.client.post(f"/api/v1/attempts/{body['id']}/submit/", name="submit")


class Verify(BenchUser):
    """Anyone checking a certificate's code (no sign-in)."""

    @task
    def verify(self) -> None:
        self.client.get(f"/api/v1/verify/{DATA['code']}/", name="verify")


class CourseDetail(BenchUser):
    signed_in_as = "tokens"

    @task
    def course(self) -> None:
        self.client.get(f"/api/v1/courses/{DATA['course']}/", name="course")


class HrList(BenchUser):
    """HR's certificate list of a course (the first page, 50 certificates)."""

    signed_in_as = "hr"

    @task
    def hr_list(self) -> None:
        self.client.get(f"/api/v1/hr/certificates/?course={DATA['course']}", name="hr list")


class Bare(BenchUser):
    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="bare")
