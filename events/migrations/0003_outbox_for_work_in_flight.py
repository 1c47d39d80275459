from django.db import migrations
from django.utils import timezone


def work_in_flight_into_the_outbox(apps, schema_editor):
    """Before the outbox, work in flight lived in broker messages and sweeps that are gone:
    attempts submitted but not graded, passes whose certificate was never issued, certificates
    never rendered. Each becomes the event that brings it home; the relay's first pass sends
    them, and every handler is safe to run on work already done."""
    Event = apps.get_model("events", "Event")
    Attempt = apps.get_model("quizzes", "Attempt")
    Enrolment = apps.get_model("courses", "Enrolment")
    Certificate = apps.get_model("certificates", "Certificate")
    now = timezone.now()
    events = [
        Event(
            type="attempt.submitted",
            data={"attempt_id": a.pk, "person_id": a.person_id, "quiz_id": a.quiz_id},
            created_at=now,
            relay_after=now,
        )
        for a in Attempt.objects.filter(status="submitted").iterator()
    ]
    waiting = Enrolment.objects.filter(certificate__isnull=True, attempts__passed=True).distinct()
    for enrolment in waiting.iterator():
        attempt = (
            Attempt.objects.filter(enrolment=enrolment, passed=True).select_related("quiz__module").latest("graded_at")
        )
        events.append(
            Event(
                type="attempt.graded",
                data={
                    "attempt_id": attempt.pk,
                    "person_id": attempt.person_id,
                    "quiz_id": attempt.quiz_id,
                    "course_id": attempt.quiz.module.course_id,
                    "enrolment_id": enrolment.pk,
                    "passed": True,
                },
                created_at=now,
                relay_after=now,
            )
        )
    events.extend(
        Event(
            type="certificate.issued",
            data={"certificate_id": c.pk, "person_id": c.holder_id, "course_id": c.course_id},
            created_at=now,
            relay_after=now,
        )
        for c in Certificate.objects.filter(rendered_at__isnull=True).iterator()
    )
    Event.objects.bulk_create(events, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_event_failed"),
        ("quizzes", "0003_attempt_enrolment_required"),
        ("certificates", "0004_certificate_enrolment_required"),
    ]

    operations = [migrations.RunPython(work_in_flight_into_the_outbox, migrations.RunPython.noop)]
