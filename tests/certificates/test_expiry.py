"""Validity in months, the recertification window, reminders before expiry, and expiry itself."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, ExpiryReminder
from courses import services as course_services
from courses.models import Course
from events import types
from events.models import Event
from tests import factories
from tests.certificates.test_issue import issue, pass_every_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def yearly(course) -> Course:
    Course.objects.filter(pk=course.pk).update(certificate_validity_months=12, recertification_window_days=30)
    course.refresh_from_db()
    return course


def certified(course, person=None) -> Certificate:
    person = person or factories.person()
    pass_every_quiz(person, course)
    certificate = issue(person, course)
    assert certificate is not None
    return certificate


def test_validity_is_in_calendar_months(yearly):
    on = datetime(2027, 1, 31, 3, 0, tzinfo=UTC)
    assert course_services.certificate_expiry(course=yearly, issued_at=on) == datetime(
        2028, 1, 31, 3, 0, tzinfo=UTC
    )
    Course.objects.filter(pk=yearly.pk).update(certificate_validity_months=1)
    yearly.refresh_from_db()
    assert course_services.certificate_expiry(course=yearly, issued_at=on) == datetime(
        2027, 2, 28, 3, 0, tzinfo=UTC
    )
    Course.objects.filter(pk=yearly.pk).update(
        certificate_validity_months=None, certificate_validity_days=None
    )
    yearly.refresh_from_db()
    assert course_services.certificate_expiry(course=yearly, issued_at=on) is None


def test_the_next_cycle_opens_with_the_recertification_window(yearly):
    certificate = certified(yearly)
    assert certificate.expires_at.year == certificate.issued_at.year + 1
    enrolment = certificate.enrolment
    enrolment.refresh_from_db()
    assert enrolment.next_cycle_at == certificate.expires_at - timedelta(days=30)


def test_inside_the_window_a_retake_earns_a_new_certificate_and_the_old_runs_to_its_date(yearly):
    person = factories.person()
    old = certified(yearly, person)
    enrolment = old.enrolment
    # Not before the window: the attempts still count in the completed cycle.
    before_window = old.expires_at - timedelta(days=31)
    assert (
        course_services.enrolment_current(person=person, course=yearly, now=before_window).pk == enrolment.pk
    )
    # In the window: a new cycle, whose passes earn a new certificate.
    in_window = old.expires_at - timedelta(days=29)
    new_cycle = course_services.enrolment_current(person=person, course=yearly, now=in_window)
    assert new_cycle.cycle == 2
    pass_every_quiz(person, yearly)
    new = issue(person, yearly)
    assert new is not None and new.pk != old.pk and new.enrolment.cycle == 2
    old.refresh_from_db()
    assert old.current_status == Certificate.Status.VALID and old.expires_at < new.expires_at
    assert Certificate.objects.filter(holder=person, course=yearly).count() == 2  # history kept


def test_reminders_go_once_per_threshold_by_mail_and_as_events(yearly, settings):
    settings.LENCANA_EXPIRY_REMINDER_DAYS = [60, 30, 7]
    certificate = certified(yearly)
    certificate.holder.user.email = "rina@example.org"
    certificate.holder.user.save()
    expires = certificate.expires_at

    assert services.certificates_remind_expiring(now=expires - timedelta(days=61)) == 0
    assert services.certificates_remind_expiring(now=expires - timedelta(days=59)) == 1
    assert services.certificates_remind_expiring(now=expires - timedelta(days=58)) == 0  # sent once
    assert services.certificates_remind_expiring(now=expires - timedelta(days=29)) == 1
    factories.deliver_events()
    assert services.certificates_remind_expiring(now=expires - timedelta(days=6)) == 1
    assert services.certificates_remind_expiring(now=expires - timedelta(days=5)) == 0
    factories.deliver_events()

    events = Event.objects.filter(type=types.CERTIFICATE_EXPIRING).order_by("pk")
    assert [e.data["days"] for e in events] == [60, 30, 7]
    assert {e.data["certificate_id"] for e in events} == {certificate.pk}
    assert len(mail.outbox) == 3 and mail.outbox[0].to == ["rina@example.org"]
    assert "60" in mail.outbox[0].subject and certificate.code in mail.outbox[0].body


def test_a_late_pass_sends_only_the_nearest_reminder(yearly, settings):
    settings.LENCANA_EXPIRY_REMINDER_DAYS = [60, 30, 7]
    certificate = certified(yearly)
    assert services.certificates_remind_expiring(now=certificate.expires_at - timedelta(days=3)) == 1
    [event] = Event.objects.filter(type=types.CERTIFICATE_EXPIRING)
    assert event.data["days"] == 7
    assert ExpiryReminder.objects.filter(certificate=certificate).count() == 3
    assert services.certificates_remind_expiring(now=certificate.expires_at - timedelta(days=2)) == 0


def test_a_renewed_certificate_gets_no_reminder(yearly, settings):
    settings.LENCANA_EXPIRY_REMINDER_DAYS = [30]
    person = factories.person()
    old = certified(yearly, person)
    Certificate.objects.filter(pk=old.pk).update(expires_at=timezone.now() + timedelta(days=10))
    factories.certificate(
        holder=person,
        course=yearly,
        issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=365),
    )
    assert services.certificates_remind_expiring() == 0


def test_the_periodic_pass_marks_expired_once_and_says_so(yearly):
    certificate, later = certified(yearly), certified(yearly)
    Certificate.objects.filter(pk=later.pk).update(expires_at=timezone.now() + timedelta(days=1))
    revoked = certified(yearly)
    services.certificate_revoke(certificate=revoked, reason="x")
    after = certificate.expires_at + timedelta(seconds=1)
    assert services.certificates_expire(now=after) == 2  # certificate and later; not the revoked
    assert services.certificates_expire(now=after) == 0
    certificate.refresh_from_db()
    revoked.refresh_from_db()
    assert certificate.status == Certificate.Status.EXPIRED and revoked.status == Certificate.Status.REVOKED
    expired = Event.objects.filter(type=types.CERTIFICATE_EXPIRED)
    assert {e.data["certificate_id"] for e in expired} == {certificate.pk, later.pk}


def test_the_beat_schedule_runs_the_expiry_tasks(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "certificates.tasks.expire_certificates_task",
        "certificates.tasks.remind_expiring_certificates_task",
    } <= tasks
