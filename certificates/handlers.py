"""What the certificate app does with news of lower apps (and of its own)."""

import logging
from decimal import Decimal

from django.db import transaction

from certificates import selectors, services
from certificates.models import RevocationCategory
from courses import selectors as course_selectors
from courses.models import Enrolment
from events import registry, types
from events import services as event_services
from events.models import Event
from quizzes import selectors as quiz_selectors

logger = logging.getLogger(__name__)


@registry.batch_handler(types.ATTEMPT_GRADED)
def issue_when_course_completed(events: list[Event]) -> None:
    """Issue the certificates of many passes in one transaction (once per cycle), then, once it
    has committed, render and sign them in the same worker pass. The rows come first: should
    rendering fail or the worker die, `certificate.issued` renders them (below), and nothing is
    lost or issued twice."""
    enrolment_ids = [e.data["enrolment_id"] for e in events if e.data.get("passed")]
    if not enrolment_ids:
        return
    issued = services.certificates_issue(enrolment_ids=enrolment_ids)
    left = set(enrolment_ids) - issued.certificates.keys()  # not complete yet, or gone: which are gone
    for enrolment_id in sorted(left - course_selectors.enrolments_existing(enrolment_ids=left)):
        logger.warning("enrolment %s no longer exists; nothing to issue", enrolment_id)
    waiting = [c.pk for c in issued.certificates.values() if not c.rendered_at]
    if waiting:
        transaction.on_commit(lambda: _render(waiting, issued.event_ids), robust=True)


def _render(certificate_ids: list[int], event_ids: list[int]) -> None:
    services.certificates_render(certificate_ids=certificate_ids)
    # Rendered: what the sweep below would do for these events is done.
    event_services.deliveries_record(event_ids=event_ids, handler_name=RENDER_SWEEP)


@registry.batch_handler(types.CERTIFICATE_ISSUED, atomic=False, queued=False)
def render_issued_certificate(events: list[Event]) -> None:
    """The sweep: render what was issued and is not rendered yet, outside any transaction
    (done once). Nothing is queued for it when a certificate is issued, since the issuing pass
    renders right after its commit and records this delivery; when it did not (the worker died,
    rendering failed), the relay's pass delivers the events here, many at once."""
    services.certificates_render(certificate_ids=[e.data["certificate_id"] for e in events])


RENDER_SWEEP = f"{__name__}.{render_issued_certificate.__qualname__}"


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
    """Certificates follow a regraded attempt by the course's results, under each quiz's grading
    method, not by the attempt alone. A score that rose (or a new pass) may complete the course:
    the certificate is issued if it now is. A score that fell (or a lost pass) may undo it: the
    cycle's certificate is revoked, with the regrade's reason, unless the cycle's results still
    pass every quiz (another attempt is now the highest, say)."""
    data = event.data
    gained = data["passed"] and not data["was_passed"]
    lost = data["was_passed"] and not data["passed"]
    if "score" in data:  # events recorded before the scores were in them say only the pass
        gained = gained or Decimal(data["score"]) > Decimal(data["was_score"])
        lost = lost or Decimal(data["score"]) < Decimal(data["was_score"])
    if gained:
        try:
            services.certificate_issue(enrolment_id=data["enrolment_id"])
        except Enrolment.DoesNotExist:
            logger.warning("enrolment %s no longer exists; nothing to issue", data["enrolment_id"])
    elif lost:
        why = quiz_selectors.regrade_reason(regrade_id=data["regrade_id"]) or ""
        reason = f"Regrade {data['regrade_id']}: attempt {data['attempt_id']} no longer completes the course."
        reason = f"{reason} {why}"
        # The cycle's certificate, whichever attempts its evidence named when issued: after an
        # earlier regrade kept it on another attempt's pass, that pass may be the one now lost.
        for certificate in selectors.certificates_of_enrolment(enrolment_id=data["enrolment_id"]):
            if quiz_selectors.enrolment_evidence(enrolment=certificate.enrolment) is not None:
                logger.info(
                    "certificate %s stands: regrade %s left its cycle's results passing",
                    certificate.pk,
                    data["regrade_id"],
                )
                continue
            services.certificate_revoke(
                certificate=certificate,
                reason=reason,
                category=RevocationCategory.ISSUED_IN_ERROR,
            )
