"""What the reports app does with news of lower apps (and of its own).

The compliance roll-up follows the news: a graded attempt, a certificate issued or revoked,
the registry's changes each refresh the units they touch (idempotent: a refresh rewrites)."""

from events import registry, types
from events.models import Event
from events.registry import handler
from reports import services


@registry.handler(types.EXPORT_REQUESTED, atomic=False)
def build_requested_export(event: Event) -> None:
    # Outside any transaction: it reads many rows and writes a file; building again is harmless.
    services.export_build(export_id=event.data["export_id"])


@handler(types.ATTEMPT_GRADED)
def compliance_after_grading(event: Event) -> None:
    services.compliance_refresh_for_person(
        person_id=event.data["person_id"], course_id=event.data["course_id"]
    )


@handler(types.CERTIFICATE_ISSUED)
def compliance_after_issue(event: Event) -> None:
    services.compliance_refresh_for_person(
        person_id=event.data["person_id"], course_id=event.data["course_id"]
    )


@handler(types.CERTIFICATE_REVOKED)
def compliance_after_revocation(event: Event) -> None:
    services.compliance_refresh_for_person(
        person_id=event.data["person_id"], course_id=event.data["course_id"]
    )


@handler(types.REGISTRY_CHANGED)
def compliance_after_registry_change(event: Event) -> None:
    services.compliance_refresh(unit_ids=event.data["unit_ids"])
    if event.data.get("moved"):  # units changed place in the tree: their ancestors changed
        services.compliance_rollups_rebuild()
