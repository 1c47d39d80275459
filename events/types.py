"""The catalogue of domain events. Payloads carry ids (and the few facts a subscriber routes on),
never copies of rows: a handler reads the current state."""

ATTEMPT_SUBMITTED = "attempt.submitted"  # attempt_id, person_id, quiz_id
ATTEMPT_GRADED = "attempt.graded"  # attempt_id, person_id, quiz_id, course_id, enrolment_id, passed
# A regrade changed the attempt's score or pass: attempt_id, person_id, quiz_id, course_id,
# enrolment_id, passed, was_passed (before it), regrade_id
ATTEMPT_REGRADED = "attempt.regraded"
REGRADE_REQUESTED = "regrade.requested"  # regrade_id
CERTIFICATE_ISSUED = "certificate.issued"  # certificate_id, person_id, course_id
CERTIFICATE_REVOKED = "certificate.revoked"  # certificate_id, person_id, course_id
CERTIFICATE_EXPIRING = "certificate.expiring"  # certificate_id, person_id, course_id, days, expires_at
CERTIFICATE_EXPIRED = "certificate.expired"  # certificate_id, person_id, course_id
EXPORT_REQUESTED = "export.requested"  # export_id
# The HR registry changed the people (or the place in the tree) of these units.
REGISTRY_CHANGED = "registry.changed"  # unit_ids
# A big registry sync was sent (people.sync.registry_sync_request): the worker runs it.
REGISTRY_SYNC_REQUESTED = "registry.sync_requested"  # sync_id

ALL = frozenset(
    {
        ATTEMPT_SUBMITTED,
        ATTEMPT_GRADED,
        ATTEMPT_REGRADED,
        REGRADE_REQUESTED,
        CERTIFICATE_ISSUED,
        CERTIFICATE_REVOKED,
        CERTIFICATE_EXPIRING,
        CERTIFICATE_EXPIRED,
        EXPORT_REQUESTED,
        REGISTRY_CHANGED,
        REGISTRY_SYNC_REQUESTED,
    }
)
