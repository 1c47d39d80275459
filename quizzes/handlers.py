"""What the quiz app does with news: a submitted attempt is graded (once: guarded by status)."""

import logging

from events import registry, types
from events.models import Event
from quizzes import services
from quizzes.models import Attempt

logger = logging.getLogger(__name__)


@registry.handler(types.ATTEMPT_SUBMITTED)
def grade_submitted_attempt(event: Event) -> None:
    try:
        services.attempt_grade(attempt_id=event.data["attempt_id"])
    except Attempt.DoesNotExist:
        logger.warning("attempt %s no longer exists; nothing to grade", event.data["attempt_id"])
