"""What the quiz app does with news: a submitted attempt is graded (once: guarded by status)."""

import logging

from events import registry, types
from events.models import Event
from quizzes import services
from quizzes.models import Attempt, Regrade

logger = logging.getLogger(__name__)


@registry.handler(types.ATTEMPT_SUBMITTED)
def grade_submitted_attempt(event: Event) -> None:
    try:
        services.attempt_grade(attempt_id=event.data["attempt_id"])
    except Attempt.DoesNotExist:
        logger.warning("attempt %s no longer exists; nothing to grade", event.data["attempt_id"])


@registry.handler(types.REGRADE_REQUESTED, atomic=False)
def run_requested_regrade(event: Event) -> None:
    # Outside one transaction: a batch per transaction, so progress shows and a cut-short run
    # resumes where it stood when the relay delivers the event again.
    try:
        services.regrade_run(regrade_id=event.data["regrade_id"])
    except Regrade.DoesNotExist:
        logger.warning("regrade %s no longer exists; nothing to run", event.data["regrade_id"])
