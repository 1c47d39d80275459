from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import credentials, keys, services
from certificates.models import Certificate
from courses.models import Enrolment
from events import registry, types
from events import services as events_services
from events.models import Delivery, Event
from quizzes import services as quiz_services
from quizzes.models import Attempt, Quiz
from tests import factories

pytestmark = pytest.mark.django_db


def correct(attempt: Attempt) -> list[quiz_services.Answer]:
    return [
        quiz_services.Answer(
            question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"])
        )
        for q in attempt.version.spec["questions"]
    ]


def pass_every_quiz(person, course) -> None:
    for quiz in Quiz.objects.filter(module__course=course):
        attempt = quiz_services.attempt_start(quiz=quiz, person=person)
        quiz_services.attempt_submit(attempt=attempt, answers=correct(attempt))
        quiz_services.attempt_grade(attempt_id=attempt.pk)


def issue(person, course) -> Certificate | None:
    return services.certificate_issue(enrolment_id=factories.enrolment(person, course).pk)


def test_no_certificate_until_every_quiz_is_passed(course, learner):
    first = Quiz.objects.filter(module__course=course).order_by("id")[0]
    attempt = quiz_services.attempt_start(quiz=first, person=learner)
    quiz_services.attempt_submit(attempt=attempt)
    quiz_services.attempt_grade(attempt_id=attempt.pk)
    assert issue(learner, course) is None
    assert not Certificate.objects.exists()


def test_issuing_twice_issues_once_with_the_passes_as_evidence(course, learner):
    pass_every_quiz(learner, course)
    first = issue(learner, course)
    second = issue(learner, course)
    assert first is not None and first == second
    assert Certificate.objects.filter(holder=learner, course=course).count() == 1
    assert first.expires_at == first.issued_at + timedelta(days=365)
    passes = Attempt.objects.filter(person=learner, passed=True)
    assert set(first.evidence.all()) == set(passes) and passes.count() == 2
    assert Event.objects.filter(type=types.CERTIFICATE_ISSUED, data__certificate_id=first.pk).count() == 1


def test_the_database_allows_one_certificate_per_cycle(course, learner):
    pass_every_quiz(learner, course)
    certificate = issue(learner, course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            holder=learner, course=course, enrolment=certificate.enrolment, issued_at=timezone.now()
        )


def test_passing_every_quiz_issues_and_renders_through_the_events(course, learner):
    pass_every_quiz(learner, course)
    factories.deliver_events()
    certificate = Certificate.objects.get(holder=learner, course=course)
    assert certificate.rendered_at is not None and bytes(certificate.pdf).startswith(b"%PDF")
    assert not Event.objects.filter(done_at__isnull=True).exists()


def test_revocation_sticks_when_issuance_runs_again(course, learner):
    pass_every_quiz(learner, course)
    factories.deliver_events()
    certificate = Certificate.objects.get(holder=learner)
    services.certificate_revoke(certificate=certificate, reason="Data keliru")
    # A redelivered issuance, a replayed event, another pass of the relay: nothing new.
    assert issue_again_from_every_pass(learner) == {certificate.pk}
    for event in Event.objects.filter(type=types.ATTEMPT_GRADED):
        Delivery.objects.filter(event=event).delete()
        Event.objects.filter(pk=event.pk).update(done_at=None)
    factories.deliver_events()
    assert list(Certificate.objects.filter(holder=learner)) == [certificate]
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


def issue_again_from_every_pass(person) -> set[int]:
    enrolments = {a.enrolment_id for a in Attempt.objects.filter(person=person, passed=True)}
    issued = [services.certificate_issue(enrolment_id=e) for e in enrolments]
    return {c.pk for c in issued if c is not None}


def test_after_revocation_only_passes_of_a_new_cycle_earn_a_certificate(course, learner):
    pass_every_quiz(learner, course)
    factories.deliver_events()
    old = Certificate.objects.get(holder=learner)
    services.certificate_revoke(certificate=old, reason="Ujian diulang")
    pass_every_quiz(learner, course)
    factories.deliver_events()
    new = Certificate.objects.exclude(pk=old.pk).get(holder=learner)
    assert new.enrolment.cycle == 2 and new.status == Certificate.Status.VALID
    assert set(new.evidence.values_list("enrolment__cycle", flat=True)) == {2}


def test_an_expired_certificate_is_not_reissued_from_old_passes_and_the_course_can_be_retaken(
    course, learner
):
    pass_every_quiz(learner, course)
    factories.deliver_events()
    old = Certificate.objects.get(holder=learner)
    lapsed = timezone.now() - timedelta(days=1)
    Certificate.objects.filter(pk=old.pk).update(expires_at=lapsed)
    Enrolment.objects.filter(pk=old.enrolment_id).update(next_cycle_at=lapsed)
    assert issue_again_from_every_pass(learner) == {old.pk}
    assert Certificate.objects.filter(holder=learner).count() == 1
    pass_every_quiz(learner, course)  # allowed again: a new cycle
    factories.deliver_events()
    new = Certificate.objects.exclude(pk=old.pk).get(holder=learner)
    assert new.enrolment.cycle == 2 and new.current_status == Certificate.Status.VALID
    old.refresh_from_db()
    assert old.current_status == Certificate.Status.EXPIRED


def test_partial_passes_leave_nothing_for_the_relay_to_send_again(learner, settings):
    """The old certificate sweep re-sent every (person, course) with a pass of any quiz on every
    run. Now each event is delivered once and then done: the relay has nothing to resend."""
    course = factories.course(quizzes=2)
    first = Quiz.objects.filter(module__course=course).order_by("id")[0]
    people = [learner] + [factories.person() for _ in range(88)]
    for person in people:
        attempt = quiz_services.attempt_start(quiz=first, person=person)
        quiz_services.attempt_submit(attempt=attempt, answers=correct(attempt))
    factories.deliver_events()
    assert Attempt.objects.filter(passed=True).count() == 89
    assert not Certificate.objects.exists()
    later = timezone.now() + timedelta(days=3)
    with mock.patch("events.outbox.current_app") as celery:
        assert events_services.events_relay(now=later).deliveries == 0
    celery.send_task.assert_not_called()
    # The same pass does send what is really undelivered: one grading lost on its way.
    lost = Event.objects.filter(type=types.ATTEMPT_GRADED).first()
    Delivery.objects.filter(event=lost).delete()
    Event.objects.filter(pk=lost.pk).update(done_at=None)
    expected = len(registry.handlers_for(types.ATTEMPT_GRADED))  # every subscriber of it
    assert events_services.events_relay(now=later).deliveries == expected


def test_the_revoke_event_names_the_certificate(course, learner):
    pass_every_quiz(learner, course)
    certificate = issue(learner, course)
    services.certificate_revoke(certificate=certificate, reason="Data keliru")
    services.certificate_revoke(certificate=certificate, reason="Lagi")
    certificate.refresh_from_db()
    assert certificate.current_status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == "Data keliru"
    [event] = Event.objects.filter(type=types.CERTIFICATE_REVOKED)
    assert event.data == {"certificate_id": certificate.pk, "person_id": learner.pk, "course_id": course.pk}


def test_render_makes_a_pdf_and_a_credential_that_verifies(course, learner):
    pass_every_quiz(learner, course)
    certificate = issue(learner, course)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert bytes(certificate.pdf).startswith(b"%PDF")
    credential = certificate.credential
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].endswith(f"/verify/{certificate.code}/")
    assert credentials.verify_credential(credential, public_key=keys.signing_key().public_key())
    credential["credentialSubject"]["achievement"]["name"] = "Something else"
    assert not credentials.verify_credential(credential, public_key=keys.signing_key().public_key())


def test_verification_codes_are_unique_and_unguessable():
    codes = {Certificate._meta.get_field("code").default() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 23 and c.startswith("LNC-") for c in codes)


def test_signing_key_command_prints_a_loadable_key(capsys):
    from django.core.management import call_command

    call_command("signing_key_new")
    line = capsys.readouterr().out.strip()
    assert line.startswith("LENCANA_SIGNING_KEY=z")
    assert credentials.load_private_key(line.split("=", 1)[1])


def test_a_development_signing_key_is_made_once_under_var(settings, tmp_path):
    settings.LENCANA_SIGNING_KEY = ""
    settings.LENCANA_SIGNING_KEY_FILE = tmp_path / "signing-key.txt"
    keys.signing_key.cache_clear()
    try:
        first = credentials.public_key_multibase(keys.signing_key().public_key())
        keys.signing_key.cache_clear()
        second = credentials.public_key_multibase(keys.signing_key().public_key())
    finally:
        keys.signing_key.cache_clear()

    assert first == second
    assert settings.LENCANA_SIGNING_KEY_FILE.stat().st_mode & 0o077 == 0


def passed_graded_events(course, count: int) -> list[Event]:
    """`count` people who passed every quiz of the course: their attempt.graded events, not
    delivered yet."""
    for _ in range(count):
        pass_every_quiz(factories.person(), course)
    return list(Event.objects.filter(type=types.ATTEMPT_GRADED, done_at__isnull=True).order_by("pk"))


ISSUER = "certificates.handlers.issue_when_course_completed"
RENDERER = "certificates.handlers.render_issued_certificate"


def test_one_delivery_issues_every_waiting_pass_once_then_renders_them_after_commit(
    course, django_capture_on_commit_callbacks
):
    graded = passed_graded_events(course, 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert events_services.event_deliver(event_id=graded[0].pk, handler_name=ISSUER) is True
    certificates = list(Certificate.objects.filter(course=course))
    assert len(certificates) == 6 and len({c.holder_id for c in certificates}) == 6
    # Rendered in the same pass, which recorded the render sweep's deliveries: nothing left.
    assert all(c.rendered_at and bytes(c.pdf).startswith(b"%PDF") for c in certificates)
    issued = Event.objects.filter(type=types.CERTIFICATE_ISSUED)
    assert Delivery.objects.filter(handler=RENDERER, event__in=issued).count() == 6
    assert all(events_services.event_deliver(event_id=e.pk, handler_name=RENDERER) is False for e in issued)
    public_key = keys.signing_key().public_key()
    for certificate in certificates:
        assert credentials.verify_credential(certificate.credential, public_key=public_key)
        assert set(certificate.evidence.values_list("enrolment_id", flat=True)) == {certificate.enrolment_id}
    # Every other message of the flood finds its delivery done and issues nothing more.
    for event in graded[1:]:
        assert events_services.event_deliver(event_id=event.pk, handler_name=ISSUER) is False
    assert Certificate.objects.count() == 6
    assert Event.objects.filter(type=types.CERTIFICATE_ISSUED).count() == 6


def test_a_crash_in_rendering_loses_nothing_and_certificate_issued_renders_them(
    course, django_capture_on_commit_callbacks
):
    graded = passed_graded_events(course, 3)
    with (
        mock.patch("certificates.services.render_certificate_pdf", side_effect=RuntimeError("boom")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        events_services.event_deliver(event_id=graded[0].pk, handler_name=ISSUER)
    issued = Certificate.objects.filter(course=course)
    assert issued.count() == 3 and not issued.filter(rendered_at__isnull=False).exists()
    # Nothing was queued for the sweep when they were issued; the relay's pass sends it.
    later = timezone.now() + timedelta(hours=1)
    with (
        mock.patch("events.outbox.current_app") as celery,
        django_capture_on_commit_callbacks(execute=True),
    ):
        events_services.events_relay(now=later)
    sent = [call.kwargs["args"][1] for call in celery.send_task.call_args_list]
    assert any(names == RENDERER or RENDERER in names for names in sent)
    [first, *others] = Event.objects.filter(type=types.CERTIFICATE_ISSUED).order_by("pk")
    assert events_services.event_deliver(event_id=first.pk, handler_name=RENDERER) is True
    assert issued.filter(rendered_at__isnull=False).count() == 3  # one delivery, the whole batch
    assert Delivery.objects.filter(handler=RENDERER).count() == 3
    assert all(events_services.event_deliver(event_id=e.pk, handler_name=RENDERER) is False for e in others)
    assert Certificate.objects.count() == 3


def test_issuing_a_batch_costs_the_same_queries_whatever_its_size(course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 2, 20):
        enrolments = []
        for _ in range(size):
            person = factories.person()
            pass_every_quiz(person, course)
            enrolments.append(factories.enrolment(person, course).pk)
        with CaptureQueriesContext(connection) as queries:
            issued = services.certificates_issue(enrolment_ids=enrolments)
        assert len(issued.certificates) == size
        counts.append(len(queries))
    # The first opened the status list. After that, the evidence of the whole batch is read in
    # two queries and every write is one insert or update: nothing per certificate.
    assert counts[1] == counts[2]


def take(person, quiz, *, right: bool) -> Attempt:
    attempt = quiz_services.attempt_start(quiz=quiz, person=person)
    quiz_services.attempt_submit(attempt=attempt, answers=correct(attempt) if right else [])
    quiz_services.attempt_grade(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return attempt


def test_the_evidence_of_a_batch_is_each_enrolments_own(course):
    from quizzes import selectors as quiz_selectors

    other = factories.course(slug="other-course", quizzes=1)
    first, second = Quiz.objects.filter(module__course=course).order_by("pk")
    [only] = Quiz.objects.filter(module__course=other)
    failed_then_passed, half, elsewhere, nothing = (factories.person() for _ in range(4))
    take(failed_then_passed, first, right=False)
    passes = [take(failed_then_passed, first, right=True), take(failed_then_passed, second, right=True)]
    take(half, first, right=True)
    take(half, second, right=False)
    passed_elsewhere = take(elsewhere, only, right=True)
    take(elsewhere, first, right=True)  # the other course's quiz counts only there
    quiz_services.attempt_start(quiz=first, person=nothing)  # started, never graded
    enrolments = [
        factories.enrolment(failed_then_passed, course),
        factories.enrolment(half, course),
        factories.enrolment(elsewhere, other),
        factories.enrolment(elsewhere, course),
        factories.enrolment(nothing, course),
    ]

    batch = quiz_selectors.enrolments_evidence(enrolments=enrolments)

    assert batch == {
        enrolments[0].pk: sorted(a.pk for a in passes),  # the failed attempt is not evidence
        enrolments[1].pk: None,
        enrolments[2].pk: [passed_elsewhere.pk],
        enrolments[3].pk: None,
        enrolments[4].pk: None,
    }
    assert batch == {e.pk: quiz_selectors.enrolment_evidence(enrolment=e) for e in enrolments}
    assert quiz_selectors.enrolments_evidence(enrolments=[]) == {}


def test_issuing_a_batch_records_each_certificates_own_evidence(course):
    people = [factories.person() for _ in range(3)]
    for person in people:
        pass_every_quiz(person, course)
    issued = services.certificates_issue(enrolment_ids=[factories.enrolment(p, course).pk for p in people])
    for certificate in issued.certificates.values():
        mine = Attempt.objects.filter(enrolment=certificate.enrolment_id, status=Attempt.Status.GRADED)
        assert sorted(certificate.evidence.values_list("pk", flat=True)) == sorted(
            mine.values_list("pk", flat=True)
        )


def test_rendered_certificates_are_written_once_and_a_late_render_changes_nothing(course):
    from core import bulk

    people = [factories.person() for _ in range(3)]
    for person in people:
        pass_every_quiz(person, course)
    issued = services.certificates_issue(enrolment_ids=[factories.enrolment(p, course).pk for p in people])
    first, *others = sorted(issued.certificates.values(), key=lambda c: c.pk)
    stale = list(Certificate.objects.filter(pk__in=[c.pk for c in others]))  # read before rendering

    services.certificates_render(certificate_ids=[c.pk for c in others])
    rendered = {
        c.pk: (bytes(c.pdf), c.credential, c.rendered_at)
        for c in Certificate.objects.filter(pk__in=[c.pk for c in others])
    }
    assert all(pdf.startswith(b"%PDF") and credential["proof"] for pdf, credential, _ in rendered.values())

    # A second pass that read the rows before the first wrote them: its writes change nothing.
    late = timezone.now() + timedelta(minutes=1)
    for certificate in stale:
        certificate.pdf, certificate.credential, certificate.rendered_at = b"%PDF-late", {"late": 1}, late
    bulk.update_each(Certificate, stale, ["pdf", "credential", "rendered_at"], unless_set="rendered_at")
    assert {
        c.pk: (bytes(c.pdf), c.credential, c.rendered_at) for c in Certificate.objects.filter(pk__in=rendered)
    } == rendered
    # One not rendered yet takes each value as given, bytes as they are.
    first.pdf, first.credential, first.rendered_at = b"%PDF\x00\xff", {"a": [1, "b"]}, late
    bulk.update_each(Certificate, [first], ["pdf", "credential", "rendered_at"], unless_set="rendered_at")
    first.refresh_from_db()
    assert (bytes(first.pdf), first.credential, first.rendered_at) == (b"%PDF\x00\xff", {"a": [1, "b"]}, late)
