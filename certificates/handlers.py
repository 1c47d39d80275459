"""What the certificate app does with news of lower apps (and of its own)."""

from certificates import services
from events import registry, types
from events.models import Event


@registry.handler(types.ATTEMPT_GRADED)
def issue_when_course_completed(event: Event) -> None:
    if event.data["passed"]:
        services.certificate_issue(enrolment_id=event.data["enrolment_id"])  # once per cycle


@registry.handler(types.CERTIFICATE_ISSUED, atomic=False)
def render_issued_certificate(event: Event) -> None:
    # Outside any transaction: PDF and signing take tens of milliseconds; done once.
    services.certificate_render(certificate_id=event.data["certificate_id"])
