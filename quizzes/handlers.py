"""What the quiz app does with news: a submitted attempt is graded (once: guarded by status)."""

import logging

from events import registry, types
from events.models import Event
from quizzes import regrading, selectors, services
from quizzes.models import Regrade

logger = logging.getLogger(__name__)


@registry.batch_handler(types.ATTEMPT_SUBMITTED)
def grade_submitted_attempt(events: list[Event]) -> None:
    """Grade the attempts of many events in one transaction (attempts_grade skips those graded
    already or gone); an event without an attempt id is logged and left, never retried."""
    ids = []
    for event in events:
        attempt_id = event.data.get("attempt_id") if isinstance(event.data, dict) else None
        if isinstance(attempt_id, int):
            ids.append(attempt_id)
        else:
            logger.error("event %s has no attempt id (%r); nothing to grade", event.pk, event.data)
    graded = {a.pk for a in services.attempts_grade(attempt_ids=ids)}
    if len(graded) < len(ids):  # graded already (a redelivery), or gone: say which are gone
        left = set(ids) - graded
        for attempt_id in sorted(left - set(selectors.attempt_ids_existing(attempt_ids=left))):
            logger.warning("attempt %s no longer exists; nothing to grade", attempt_id)


@registry.handler(types.REGRADE_REQUESTED, atomic=False)
def run_requested_regrade(event: Event) -> None:
    # Outside one transaction: a batch per transaction, so progress shows and a cut-short run
    # resumes where it stood when the relay delivers the event again.
    try:
        regrading.regrade_run(regrade_id=event.data["regrade_id"])
    except Regrade.DoesNotExist:
        logger.warning("regrade %s no longer exists; nothing to run", event.data["regrade_id"])
