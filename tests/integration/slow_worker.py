"""A Celery worker whose grading is slow and announces itself, so a test can kill it in the
middle of grading. Run as `python -m tests.integration.slow_worker -A config worker ...`."""

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from quizzes import grading  # noqa: E402

_grade = grading.grade_attempt
MARKERS = Path(os.environ["LENCANA_TEST_MARKERS"])


def slow_grade_attempt(*args, **kwargs):  # type: ignore[no-untyped-def]
    (MARKERS / f"grading-{time.time_ns()}").touch()
    time.sleep(3)  # inside the grading transaction: a kill now must lose nothing
    return _grade(*args, **kwargs)


grading.grade_attempt = slow_grade_attempt

if __name__ == "__main__":
    from celery.__main__ import main

    sys.argv[0] = "celery"
    main()
