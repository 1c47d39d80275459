"""Bitstring Status List: an entry per certificate, given once; revocation flips its bit in the
same transaction; the list credential is signed once per change and served with validators."""

from unittest import mock

import pytest
from django.db import transaction

from certificates import credentials, keys, services, status_lists
from certificates.models import Certificate, RevocationCategory, StatusList
from tests import factories
from tests.certificates.test_issue import issue, pass_every_quiz
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def certified(course, person=None) -> Certificate:
    person = person or factories.person()
    pass_every_quiz(person, course)
    certificate = issue(person, course)
    assert certificate is not None
    return certificate


def fetch_list(api, list_id: int, **headers):
    return api.get(f"/api/v1/status-lists/{list_id}/", **headers)


def test_the_bitstring_encodes_as_gzip_multibase_base64url_with_index_zero_leftmost():
    bits = status_lists.with_bit(status_lists.empty(), 0)
    bits = status_lists.with_bit(bits, status_lists.SIZE - 1)
    encoded = status_lists.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    decoded = status_lists.decode(encoded)
    assert len(decoded) == 16 * 1024 and decoded[0] == 0x80 and decoded[-1] == 0x01
    assert status_lists.bit(decoded, 0) and not status_lists.bit(decoded, 1)


def test_a_list_hands_out_every_index_once():
    offset = 12345
    indexes = {status_lists.index_for(n, offset=offset) for n in range(status_lists.SIZE)}
    assert indexes == set(range(status_lists.SIZE))


def test_each_certificate_gets_its_own_entry_and_its_credential_names_it(course):
    first, second = certified(course), certified(course)
    assert first.status_list_id == second.status_list_id
    assert first.status_index != second.status_index
    services.certificate_render(certificate_id=first.pk)
    first.refresh_from_db()
    status = first.credential["credentialStatus"]
    url = f"http://localhost:8000/api/v1/status-lists/{first.status_list_id}/"
    assert status == {
        "id": f"{url}#{first.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(first.status_index),
        "statusListCredential": url,
    }
    assert credentials.verify_credential(first.credential, public_key=keys.signing_key().public_key())


def test_a_full_list_is_followed_by_a_new_one_and_no_index_is_reused(course):
    first = certified(course)
    StatusList.objects.filter(pk=first.status_list_id).update(allocated=StatusList.SIZE - 1)
    last_of_first = certified(course)
    on_new_list = certified(course)
    assert last_of_first.status_list_id == first.status_list_id
    assert on_new_list.status_list_id != first.status_list_id
    assert StatusList.objects.get(pk=first.status_list_id).allocated == StatusList.SIZE


def test_an_index_rolled_back_with_its_certificate_is_not_handed_out_again(course):
    person = factories.person()
    pass_every_quiz(person, course)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(person, course)
        raise RuntimeError("rolled back")
    certificate = issue(person, course)
    status_list = StatusList.objects.get(pk=certificate.status_list_id)
    # The allocation rolled back with it, so the counter names each index once among the rows.
    assert Certificate.objects.filter(status_list=status_list).count() == status_list.allocated


def test_revocation_flips_the_bit_in_the_same_transaction_and_the_list_is_signed_once(course, api):
    keep, revoke = certified(course), certified(course)
    signed = mock.patch.object(credentials, "sign_credential", wraps=credentials.sign_credential)
    with signed as sign:
        body = fetch_list(api, keep.status_list_id).json()
        fetch_list(api, keep.status_list_id)
        assert sign.call_count == 1
        with transaction.atomic():
            services.certificate_revoke(
                certificate=revoke, reason="Data NRP keliru", category=RevocationCategory.ISSUED_IN_ERROR
            )
            bits = bytes(StatusList.objects.get(pk=revoke.status_list_id).bits)
            assert status_lists.bit(bits, revoke.status_index)  # before commit, with the revocation
        for _ in range(3):
            after = fetch_list(api, keep.status_list_id).json()
        assert sign.call_count == 2  # once per change, not per request
    before = status_lists.decode(body["credentialSubject"]["encodedList"])
    now = status_lists.decode(after["credentialSubject"]["encodedList"])
    assert not status_lists.bit(before, revoke.status_index)
    assert status_lists.bit(now, revoke.status_index) and not status_lists.bit(now, keep.status_index)
    assert after["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credentials.verify_credential(after, public_key=keys.signing_key().public_key())


def test_the_list_is_signed_by_the_revocation_handler_after_commit(course):
    certificate = certified(course)
    services.certificate_revoke(certificate=certificate, reason="Curang", category="exam_irregularity")
    factories.deliver_events()
    status_list = StatusList.objects.get(pk=certificate.status_list_id)
    assert status_list.signed_version == status_list.version
    assert status_lists.bit(
        status_lists.decode(status_list.credential["credentialSubject"]["encodedList"]),
        certificate.status_index,
    )


def test_the_list_is_served_with_etag_and_last_modified_and_answers_304(course, api):
    certificate = certified(course)
    first = fetch_list(api, certificate.status_list_id)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert "max-age" in first["Cache-Control"]
    again = fetch_list(api, certificate.status_list_id, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    since = fetch_list(api, certificate.status_list_id, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    services.certificate_revoke(certificate=certificate, reason="x")
    changed = fetch_list(api, certificate.status_list_id, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_an_unknown_list_is_404(api):
    assert fetch_list(api, 999).status_code == 404


def test_hr_revokes_with_a_category_and_verification_shows_it_without_the_reason(course, hr, api):
    certificate = certified(course)
    response = client_for(hr).post(
        f"/api/v1/certificates/{certificate.pk}/revoke/",
        {"reason": "Nilai dipalsukan oleh operator", "category": "exam_irregularity"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    public = api.get(f"/api/v1/verify/{certificate.code}/").json()
    assert public["status"] == "revoked"
    assert public["revocation"]["category"] == "exam_irregularity"
    page = api.get(f"/verify/{certificate.code}/").content.decode()
    assert "Exam irregularity" in page and "dipalsukan" not in page
    assert "dipalsukan" not in str(public)


def test_an_unknown_category_is_a_400(course, hr):
    certificate = certified(course)
    response = client_for(hr).post(
        f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "x", "category": "bad"}, format="json"
    )
    assert response.status_code == 400


def test_a_batch_across_the_end_of_a_list_goes_on_in_a_new_one_without_reusing_an_index(course):
    first = certified(course)
    StatusList.objects.filter(pk=first.status_list_id).update(allocated=StatusList.SIZE - 2)
    enrolments = []
    for _ in range(5):
        person = factories.person()
        pass_every_quiz(person, course)
        enrolments.append(factories.enrolment(person, course).pk)
    issued = list(services.certificates_issue(enrolment_ids=enrolments).certificates.values())
    old = StatusList.objects.get(pk=first.status_list_id)
    new = StatusList.objects.exclude(pk=old.pk)
    assert old.allocated == StatusList.SIZE and [s.allocated for s in new] == [3]
    assert sorted(c.status_list_id for c in issued) == [old.pk] * 2 + [new[0].pk] * 3
    entries = {(c.status_list_id, c.status_index) for c in Certificate.objects.all()}
    assert len(entries) == 6
    expected = {status_lists.index_for(StatusList.SIZE - n, offset=old.offset) for n in (1, 2)}
    assert {c.status_index for c in issued if c.status_list_id == old.pk} == expected
