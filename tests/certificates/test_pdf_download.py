import pytest

from certificates import services
from tests import factories
from tests.certificates.test_issue import pass_every_quiz
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def certificate(course, learner):
    pass_every_quiz(learner, course)
    return services.certificate_issue(enrolment_id=factories.enrolment(learner, course).pk)


@pytest.mark.parametrize("accept", ["application/pdf", "*/*", BROWSER_ACCEPT, None])
def test_the_pdf_is_served_for_pdf_any_and_browser_accept_headers(certificate, learner, accept):
    services.certificate_render(certificate_id=certificate.pk)
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = client_for(learner).get(f"/api/v1/certificates/{certificate.pk}/pdf/", **headers)

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{certificate.code}.pdf"'
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("accept", ["application/pdf", "*/*", BROWSER_ACCEPT])
def test_a_pdf_not_rendered_yet_is_a_json_409(certificate, learner, accept):
    response = client_for(learner).get(f"/api/v1/certificates/{certificate.pk}/pdf/", HTTP_ACCEPT=accept)

    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert "prepared" in response.json()["detail"]


@pytest.mark.parametrize("accept", ["application/pdf", "*/*", BROWSER_ACCEPT])
def test_another_persons_pdf_is_a_json_404(certificate, accept):
    services.certificate_render(certificate_id=certificate.pk)
    other = factories.person()

    response = client_for(other).get(f"/api/v1/certificates/{certificate.pk}/pdf/", HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_an_anonymous_request_for_a_pdf_is_a_json_401(certificate, api):
    response = api.get(f"/api/v1/certificates/{certificate.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_asking_the_pdf_endpoint_for_json_only_is_a_json_406(certificate, learner):
    services.certificate_render(certificate_id=certificate.pk)

    response = client_for(learner).get(
        f"/api/v1/certificates/{certificate.pk}/pdf/", HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
