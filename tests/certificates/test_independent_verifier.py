"""Done when: a verifier with only the published keys and the status list URL tells valid,
revoked and expired for every certificate, across a key rotation."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from tests.certificates import independent_verifier
from tests.certificates.test_status_list import certified

pytestmark = pytest.mark.django_db


@pytest.fixture
def fetch(api):
    """HTTP GET of a published URL, through the test client (the base URL is localhost:8000)."""

    def get(url: str) -> dict:
        parts = urlsplit(url)
        assert parts.netloc == "localhost:8000", url
        response = api.get(parts.path)
        assert response.status_code == 200, (url, response.status_code)
        return dict(response.json())

    return get


def credential_of(certificate: Certificate) -> dict:
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    return dict(certificate.credential or {})


def test_valid_revoked_and_expired_across_a_key_rotation(course, fetch):
    old_key_kept, old_key_revoked = certified(course), certified(course)
    services.issuer_key_rotate()
    new_key = certified(course)
    credentials = {c.pk: credential_of(c) for c in (old_key_kept, old_key_revoked, new_key)}
    assert credentials[old_key_kept.pk]["proof"]["verificationMethod"].endswith("#key-1")
    assert credentials[new_key.pk]["proof"]["verificationMethod"].endswith("#key-2")
    for credential in credentials.values():
        assert independent_verifier.status(credential, fetch) == "valid"

    services.certificate_revoke(certificate=old_key_revoked, reason="Data keliru", category="issued_in_error")

    assert independent_verifier.status(credentials[old_key_revoked.pk], fetch) == "revoked"
    assert independent_verifier.status(credentials[old_key_kept.pk], fetch) == "valid"
    assert independent_verifier.status(credentials[new_key.pk], fetch) == "valid"
    past_expiry = new_key.expires_at + timedelta(seconds=1)
    assert independent_verifier.status(credentials[new_key.pk], fetch, now=past_expiry) == "expired"
    assert independent_verifier.status(credentials[old_key_kept.pk], fetch, now=timezone.now()) == "valid"


def test_a_tampered_credential_or_an_unpublished_key_is_invalid(course, fetch):
    credential = credential_of(certified(course))
    tampered = {**credential, "name": "Something else"}
    assert independent_verifier.status(tampered, fetch) == "invalid"
    forged = {
        **credential,
        "proof": {**credential["proof"], "verificationMethod": "did:web:localhost%3A8000#key-9"},
    }
    assert independent_verifier.status(forged, fetch) == "invalid"


def test_credentials_signed_with_eddsa_jcs_2022_verify_too(course, fetch, settings):
    settings.LENCANA_CREDENTIAL_CRYPTOSUITE = "eddsa-jcs-2022"
    kept, revoked = certified(course), certified(course)
    credentials = {c.pk: credential_of(c) for c in (kept, revoked)}
    assert credentials[kept.pk]["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    services.certificate_revoke(certificate=revoked, reason="x")
    assert (
        fetch(credentials[revoked.pk]["credentialStatus"]["statusListCredential"])["proof"]["cryptosuite"]
        == "eddsa-jcs-2022"
    )
    assert independent_verifier.status(credentials[kept.pk], fetch) == "valid"
    assert independent_verifier.status(credentials[revoked.pk], fetch) == "revoked"
