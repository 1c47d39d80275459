"""What the certificate app does with news of lower apps (and of its own)."""

import logging

from certificates import selectors, services
from certificates.models import Certificate, RevocationCategory
from courses.models import Enrolment
from events import registry, types
from events.models import Event
from quizzes import selectors as quiz_selectors

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


@registry.handler(types.CERTIFICATE_REVOKED, atomic=False)
def sign_status_list_after_revocation(event: Event) -> None:
    # The bit flipped with the revocation; sign the list now rather than on the next request.
    list_id = selectors.certificate_status_list_id(certificate_id=event.data["certificate_id"])
    if list_id is not None:
        services.status_list_signed(list_id=list_id)


@registry.handler(types.CERTIFICATE_EXPIRING, atomic=False)
def email_expiry_reminder(event: Event) -> None:
    # Outside a transaction: a mail server is slow. Should the worker die between the mail and
    # the delivery's record, the relay sends it again: at least once, as mail goes.
    services.certificate_expiring_notify(certificate_id=event.data["certificate_id"], days=event.data["days"])


@registry.handler(types.ATTEMPT_REGRADED)
def follow_regraded_attempt(event: Event) -> None:
    """A regrade turned a fail into a pass: the certificate follows if the course is complete.
    It turned a pass into a fail: the certificate whose evidence holds the attempt is revoked,
    with the regrade's reason."""
    data = event.data
    if data["passed"] and not data["was_passed"]:
        try:
            services.certificate_issue(enrolment_id=data["enrolment_id"])
        except Enrolment.DoesNotExist:
            logger.warning("enrolment %s no longer exists; nothing to issue", data["enrolment_id"])
    elif data["was_passed"] and not data["passed"]:
        why = quiz_selectors.regrade_reason(regrade_id=data["regrade_id"]) or ""
        reason = f"Regrade {data['regrade_id']}: attempt {data['attempt_id']} no longer passes. {why}"
        for certificate in selectors.certificates_with_evidence(attempt_id=data["attempt_id"]):
            services.certificate_revoke(
                certificate=certificate,
                reason=reason,
                category=RevocationCategory.ISSUED_IN_ERROR,
            )
