"""200 learners: each starts an attempt, saves answers one at a time, submits, and again.
Tokens and quiz id come from the files bench/flood.py writes (var/bench/locust-*.json)."""

import itertools
import json
import os
import random

from locust import HttpUser, constant, task

DATA = json.loads(open(os.environ["BENCH_LOCUST_DATA"]).read())  # noqa: SIM115
_ids = itertools.count()
SAVES = 5


class Learner(HttpUser):
    wait_time = constant(float(os.environ.get("BENCH_WAIT", "0")))

    def on_start(self) -> None:
        n = next(_ids) % len(DATA["tokens"])
        self.client.headers["Authorization"] = f"Bearer {DATA['tokens'][n]}"

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


class Bare(HttpUser):
    wait_time = constant(float(os.environ.get("BENCH_WAIT", "0")))

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="bare")
