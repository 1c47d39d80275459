"""What the quiz app does with news: a submitted attempt is graded (once: guarded by status)."""

from events import registry, types
from events.models import Event
from quizzes import services


@registry.handler(types.ATTEMPT_SUBMITTED)
def grade_submitted_attempt(event: Event) -> None:
    services.attempt_grade(attempt_id=event.data["attempt_id"])
