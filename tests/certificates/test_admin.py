import pytest

from certificates.models import Certificate
from events import types
from events.models import Event
from tests import factories
from tests.certificates.test_issue import pass_every_quiz

pytestmark = pytest.mark.django_db


def test_revoking_in_the_admin_goes_through_the_service(client, course, learner, staff):
    pass_every_quiz(learner, course)
    factories.deliver_events()
    certificate = Certificate.objects.get(holder=learner)
    staff.user.is_superuser = True
    staff.user.save()
    client.force_login(staff.user)
    page = client.get(f"/admin/certificates/certificate/{certificate.pk}/change/")
    assert page.status_code == 200 and b'name="status"' not in page.content  # read-only
    response = client.post(
        "/admin/certificates/certificate/", {"action": "revoke", "_selected_action": [certificate.pk]}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.enrolment.next_cycle_at is not None  # the holder may take the course again
    assert Event.objects.filter(type=types.CERTIFICATE_REVOKED, data__certificate_id=certificate.pk).exists()
