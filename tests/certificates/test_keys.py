"""The issuer as did:web, key rotation, and the holder's hashed identifier."""

import hashlib
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from certificates import credentials, keys, services
from certificates.models import IssuerKey
from tests.certificates.test_status_list import certified

pytestmark = pytest.mark.django_db


def test_the_did_is_the_public_base_url_as_did_web(settings):
    settings.PUBLIC_BASE_URL = "https://lencana.polri.example"
    assert keys.issuer_did() == "did:web:lencana.polri.example"
    settings.PUBLIC_BASE_URL = "http://localhost:8000"
    assert keys.issuer_did() == "did:web:localhost%3A8000"
    settings.PUBLIC_BASE_URL = "https://example.org/lencana"
    assert keys.issuer_did() == "did:web:example.org:lencana"


def test_the_did_document_publishes_the_key_as_multikey(api):
    document = api.get("/.well-known/did.json").json()
    did = "did:web:localhost%3A8000"
    public = credentials.public_key_multibase(keys.signing_key().public_key())
    assert document["id"] == did
    assert document["verificationMethod"] == [
        {"id": f"{did}#key-1", "type": "Multikey", "controller": did, "publicKeyMultibase": public}
    ]
    assert document["assertionMethod"] == [f"{did}#key-1"]


def test_rotation_signs_new_credentials_with_the_new_key_and_keeps_the_old_one_published(course, api):
    before = certified(course)
    services.certificate_render(certificate_id=before.pk)
    call_command("signing_key_rotate")
    after = certified(course)
    services.certificate_render(certificate_id=after.pk)
    before.refresh_from_db()
    after.refresh_from_db()
    assert before.credential["proof"]["verificationMethod"].endswith("#key-1")
    assert after.credential["proof"]["verificationMethod"].endswith("#key-2")
    published = {m["id"]: m for m in api.get("/.well-known/did.json").json()["verificationMethod"]}
    for certificate in (before, after):
        method = published[certificate.credential["proof"]["verificationMethod"]]
        public = credentials.public_key_from_multibase(method["publicKeyMultibase"])
        assert credentials.verify_credential(certificate.credential, public_key=public)
    new_key = IssuerKey.objects.get()
    assert "private" not in str(api.get("/.well-known/did.json").json())
    assert credentials.private_key_to_multibase(keys.unseal(new_key.private_key_sealed)) not in str(
        new_key.private_key_sealed
    )


def test_a_key_rotated_for_a_later_date_signs_only_from_then(course):
    later = timezone.now() + timedelta(days=10)
    call_command("signing_key_rotate", "--from", later.isoformat())
    assert keys.key_at(timezone.now())[0] == "key-1"
    assert keys.key_at(later)[0] == "key-2"
    with pytest.raises(CommandError):
        call_command("signing_key_rotate", "--from", timezone.now().isoformat())  # before key-2
    with pytest.raises(CommandError):
        call_command("signing_key_rotate", "--from", "2030-01-01T00:00:00")  # no offset


def test_sealed_keys_open_after_the_django_secret_is_rotated(settings):
    key = services.issuer_key_rotate()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-django-secret-" + "x" * 40
    keys._unsealed.clear()
    assert keys.key_at(timezone.now())[0] == key.kid


def test_the_holder_is_identified_by_a_salted_hash_of_the_nrp_not_in_clear(course):
    certificate = certified(course)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    name, identifier = certificate.credential["credentialSubject"]["identifier"]
    assert name["identityHash"] == certificate.holder.name and name["identityType"] == "name"
    nrp, salt = certificate.holder.nrp, identifier["salt"]
    assert identifier["hashed"] is True and identifier["identityType"] == "identifier"
    assert identifier["identityHash"] == "sha256$" + hashlib.sha256((nrp + salt).encode()).hexdigest()
    assert nrp not in str(certificate.credential)
    other = certified(course)
    assert other.identity_salt != certificate.identity_salt


def test_the_admin_lists_keys_without_their_secret_and_lets_none_be_deleted(client, settings):
    from django.contrib.auth import get_user_model

    key = services.issuer_key_rotate()
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    page = client.get("/admin/certificates/issuerkey/")
    assert page.status_code == 200 and key.kid in page.content.decode()
    detail = client.get(f"/admin/certificates/issuerkey/{key.pk}/change/").content.decode()
    assert key.private_key_sealed not in detail
    assert client.post(f"/admin/certificates/issuerkey/{key.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/certificates/statuslist/").status_code == 200
