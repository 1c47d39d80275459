"""What the certificate app does with news of lower apps (and of its own)."""

import logging

from certificates import services
from certificates.models import Certificate
from courses.models import Enrolment
from events import registry, types
from events.models import Event

logger = logging.getLogger(__name__)


@registry.handler(types.ATTEMPT_GRADED)
def issue_when_course_completed(event: Event) -> None:
    if not event.data["passed"]:
        return
    try:
        services.certificate_issue(enrolment_id=event.data["enrolment_id"])  # once per cycle
    except Enrolment.DoesNotExist:
        logger.warning("enrolment %s no longer exists; nothing to issue", event.data["enrolment_id"])


@registry.handler(types.CERTIFICATE_ISSUED, atomic=False)
def render_issued_certificate(event: Event) -> None:
    # Outside any transaction: PDF and signing take tens of milliseconds; done once.
    try:
        services.certificate_render(certificate_id=event.data["certificate_id"])
    except Certificate.DoesNotExist:
        logger.warning("certificate %s no longer exists; nothing to render", event.data["certificate_id"])
