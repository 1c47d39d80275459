"""certificates.credentials: eddsa-rdfc-2022 Data Integrity proofs on Open Badges 3.0 credentials.

Pure Python, no database and no Django settings. The vector is the Open Badges 3.0
implementation guide's "Linked Data Proof Test Vector for Open Badges 3.0".
"""

import copy
import hashlib
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld  # type: ignore[import-untyped]

from certificates import credentials

VECTORS = Path(__file__).parent / "vectors"
VECTOR: dict[str, Any] = json.loads((VECTORS / "obv3p0-eddsa-rdfc-2022.json").read_text())
DOCUMENT_CANON = (VECTORS / "obv3p0-document-canon.nq").read_text(encoding="utf-8")
PROOF_CANON = (VECTORS / "obv3p0-proof-canon.nq").read_text(encoding="utf-8")

VECTOR_KEY = credentials.load_private_key(VECTOR["privateKeyHex"])
NARRATIVE = "Lulus semua kuis kursus ini / Passed every quiz of this course."
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"another issuer").digest())


def vector_proof_options() -> dict[str, Any]:
    return {"@context": VECTOR["unsigned"]["@context"], **VECTOR["proofOptions"]}


def vector_signed() -> dict[str, Any]:
    """The vector's credential with the vector's own proof, independent of our signer."""
    return copy.deepcopy(
        {
            **VECTOR["unsigned"],
            "proof": {**VECTOR["proofOptions"], "proofValue": VECTOR["proofValue"]},
        }
    )


def sign_vector() -> dict[str, Any]:
    return credentials.sign_credential(
        VECTOR["unsigned"],
        private_key=VECTOR_KEY,
        verification_method=VECTOR["proofOptions"]["verificationMethod"],
        created=VECTOR["proofOptions"]["created"],
    )


def badge(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "credential_id": "https://lencana.example/verify/ABCD-1234/",
        "issuer_id": "https://lencana.example/api/v1/issuer/",
        "issuer_name": "Lencana Training Centre",
        "issuer_url": "https://lencana.example",
        "holder_name": "Budi Santoso",
        "holder_identifier": "NRP 87050123",
        "achievement_id": "https://lencana.example/api/v1/courses/7/",
        "achievement_name": "Pengaturan Lalu Lintas Dasar",
        "achievement_description": "Basic traffic control for Lantas personnel.",
        "criteria_narrative": NARRATIVE,
        "issued_at": datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=UTC),
        "expires_at": datetime(2027, 3, 4, 5, 6, 7, tzinfo=UTC),
    }
    fields.update(overrides)
    return credentials.build_open_badge_credential(**fields)


def sign_badge(credential: dict[str, Any]) -> dict[str, Any]:
    return credentials.sign_credential(
        credential,
        private_key=VECTOR_KEY,
        verification_method="https://lencana.example/api/v1/issuer/#key-1",
        created="2025-03-04T05:06:07Z",
    )


# --- The Open Badges 3.0 test vector --------------------------------------------------------


def test_document_canonical_form_matches_ob3_vector_byte_for_byte() -> None:
    assert credentials.canonicalize(VECTOR["unsigned"]) == DOCUMENT_CANON


def test_proof_options_canonical_form_matches_ob3_vector_byte_for_byte() -> None:
    assert credentials.canonicalize(vector_proof_options()) == PROOF_CANON


def test_canonical_hashes_match_ob3_vector() -> None:
    document_hash = hashlib.sha256(credentials.canonicalize(VECTOR["unsigned"]).encode())
    proof_hash = hashlib.sha256(credentials.canonicalize(vector_proof_options()).encode())
    assert document_hash.hexdigest() == VECTOR["documentHashHex"]
    assert proof_hash.hexdigest() == VECTOR["proofHashHex"]


def test_vector_key_gives_vector_public_key_multibase() -> None:
    assert credentials.public_key_multibase(VECTOR_KEY.public_key()) == VECTOR["publicKeyMultibase"]
    public_hex = VECTOR_KEY.public_key().public_bytes_raw().hex()
    assert public_hex == VECTOR["publicKeyHex"]


def test_signer_reproduces_ob3_test_vector_byte_for_byte() -> None:
    signed = sign_vector()

    assert signed == vector_signed()
    assert signed["proof"]["proofValue"] == VECTOR["proofValue"]
    signature = base58.b58decode(signed["proof"]["proofValue"][1:])
    assert signature.hex() == VECTOR["signatureHex"]


def test_the_proof_options_of_a_batch_are_canonicalised_once_and_still_match_the_vector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credentials._canonical_hash.cache_clear()
    canonicalised: list[dict[str, Any]] = []
    canonicalize = credentials.canonicalize

    def counting(document: Any) -> str:
        canonicalised.append(document)
        return canonicalize(document)

    monkeypatch.setattr(credentials, "canonicalize", counting)
    assert sign_vector() == vector_signed()  # the cached hash is the vector's, byte for byte
    signed = [sign_badge(badge(holder_name=name)) for name in ("Budi", "Sari", "Wayan")]
    assert sign_vector() == vector_signed()
    # Two proof options (the vector's, the batch's), each once; every document each time.
    assert sum("proofPurpose" in d for d in canonicalised) == 2
    assert sum("proofPurpose" not in d for d in canonicalised) == 5
    assert all(credentials.verify_credential(c, public_key=VECTOR_KEY.public_key()) for c in signed)


def test_signer_returns_a_new_dict_and_leaves_the_input_alone() -> None:
    unsigned = copy.deepcopy(VECTOR["unsigned"])

    signed = sign_vector()
    signed["credentialSubject"]["achievement"]["name"] = "changed"

    assert VECTOR["unsigned"] == unsigned
    assert "proof" not in VECTOR["unsigned"]


def test_signer_refuses_an_already_signed_credential() -> None:
    with pytest.raises(ValueError, match="already has a proof"):
        credentials.sign_credential(
            vector_signed(),
            private_key=VECTOR_KEY,
            verification_method="https://example.edu/issuers/565049#key-1",
            created="2010-01-01T19:23:24Z",
        )


@pytest.mark.parametrize(
    "created", ["", "yesterday", "2010-01-01", "2010-01-01T19:23:24", "20100101T192324Z"]
)
def test_signer_refuses_a_created_that_is_not_an_xsd_datetime_with_zone(created: str) -> None:
    with pytest.raises(ValueError, match="created"):
        credentials.sign_credential(
            VECTOR["unsigned"],
            private_key=VECTOR_KEY,
            verification_method="https://example.edu/issuers/565049#key-1",
            created=created,
        )


def test_verifier_accepts_the_signed_ob3_vector() -> None:
    assert credentials.verify_credential(vector_signed(), public_key=VECTOR_KEY.public_key())


def test_verifier_accepts_the_vector_key_given_as_multibase() -> None:
    public_key = credentials.public_key_from_multibase(VECTOR["publicKeyMultibase"])
    assert credentials.verify_credential(vector_signed(), public_key=public_key)


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(credential: dict[str, Any]) -> None:
        target = credential
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def change(credential: dict[str, Any]) -> None:
        target = credential
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _flip_last_char(value: str) -> str:
    return value[:-1] + ("2" if value[-1] != "2" else "3")


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "achievement name": _set(("credentialSubject", "achievement", "name"), "Teamwork!"),
    "credentialSubject id": _set(("credentialSubject", "id"), "did:example:someone-else"),
    "criteria narrative": _set(("credentialSubject", "achievement", "criteria", "narrative"), "-"),
    "issuer name": _set(("issuer", "name"), "Evil Corp"),
    "issuer id": _set(("issuer", "id"), "https://evil.example/issuers/1"),
    "credential name": _set(("name",), "Teamwork Badge "),
    "validFrom": _set(("validFrom",), "2010-01-01T00:00:01Z"),
    "validUntil added": _set(("validUntil",), "2030-01-01T00:00:00Z"),
    "defined term added": _set(("description",), "An extra description."),
    "undefined term added": _set(("nickname",), "x"),
    "type removed": _set(("type",), ["VerifiableCredential"]),
    "ob context removed": _set(("@context",), [credentials.CREDENTIALS_V2_CONTEXT]),
    "unbundled context added": _set(
        ("@context",), [*VECTOR["unsigned"]["@context"], "https://example.com/ctx.jsonld"]
    ),
    "context removed": _delete(("@context",)),
    "proof created": _set(("proof", "created"), "2010-01-01T19:23:25Z"),
    "proof verificationMethod": _set(
        ("proof", "verificationMethod"), "https://example.edu/issuers/565049#key-2"
    ),
    "proof purpose": _set(("proof", "proofPurpose"), "authentication"),
    "proof cryptosuite": _set(("proof", "cryptosuite"), "eddsa-jcs-2022"),
    "proof type": _set(("proof", "type"), "Ed25519Signature2020"),
    "proofValue tampered": _set(("proof", "proofValue"), _flip_last_char(VECTOR["proofValue"])),
    "proofValue not base58": _set(("proof", "proofValue"), "z0OIl"),
    "proofValue without multibase prefix": _set(("proof", "proofValue"), VECTOR["proofValue"][1:]),
    "proofValue truncated": _set(("proof", "proofValue"), VECTOR["proofValue"][:-5]),
    "proofValue not a string": _set(("proof", "proofValue"), 42),
    "proofValue missing": _delete(("proof", "proofValue")),
    "proof created missing": _delete(("proof", "created")),
    "proof with foreign context": _set(("proof", "@context"), ["https://example.com/ctx"]),
    "proof is a string": _set(("proof",), "z" + "1" * 80),
    "proof is a list": _set(("proof",), [vector_signed()["proof"]]),
    "proof missing": _delete(("proof",)),
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_verifier_rejects_the_ob3_vector_after_any_change(
    tamper: Callable[[dict[str, Any]], None],
) -> None:
    credential = vector_signed()
    tamper(credential)

    assert credentials.verify_credential(credential, public_key=VECTOR_KEY.public_key()) is False


def test_verifier_rejects_the_ob3_vector_under_another_key() -> None:
    assert not credentials.verify_credential(vector_signed(), public_key=OTHER_KEY.public_key())


@pytest.mark.parametrize("credential", [None, "a string", 42, [], {}, {"proof": {}}])
def test_verifier_returns_false_rather_than_raising_on_garbage(credential: Any) -> None:
    assert credentials.verify_credential(credential, public_key=VECTOR_KEY.public_key()) is False


# --- Offline document loader and safe canonicalisation ---------------------------------------


@pytest.mark.parametrize("url", [credentials.CREDENTIALS_V2_CONTEXT, credentials.OB_V3P0_CONTEXT])
def test_loader_serves_the_bundled_contexts(url: str) -> None:
    remote = credentials.document_loader(url)

    assert remote["documentUrl"] == url
    assert "@context" in remote["document"]
    remote["document"]["@context"] = "mutated"
    assert credentials.document_loader(url)["document"]["@context"] != "mutated"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://www.w3.org/ns/credentials/v2/",
        "http://www.w3.org/ns/credentials/v2",
        "file:///etc/passwd",
    ],
)
def test_loader_refuses_unknown_urls(url: str) -> None:
    with pytest.raises(jsonld.JsonLdError, match="Refusing to load"):
        credentials.document_loader(url)


def test_canonicalize_with_an_unbundled_context_fails_without_touching_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    document = copy.deepcopy(VECTOR["unsigned"])
    document["@context"].append("https://example.com/contexts/extra.jsonld")

    with pytest.raises(jsonld.JsonLdError):
        credentials.canonicalize(document)


UNDEFINED = {
    "undefined top-level term": _set(("nickname",), "x"),
    "undefined subject term": _set(("credentialSubject", "nickname"), "x"),
    "undefined achievement term": _set(("credentialSubject", "achievement", "color"), "x"),
    "undefined type": _set(("credentialSubject", "type"), ["AchievementSubject", "Graduate"]),
    "relative id": _set(("id",), "credentials/3527"),
    "keyword-like key": _set(("@nickname",), "x"),
}


@pytest.mark.parametrize("change", UNDEFINED.values(), ids=UNDEFINED.keys())
def test_canonicalize_refuses_data_the_contexts_do_not_define(
    change: Callable[[dict[str, Any]], None],
) -> None:
    document = copy.deepcopy(VECTOR["unsigned"])
    change(document)

    with pytest.raises(credentials.UndefinedTermError):
        credentials.canonicalize(document)


def test_signer_refuses_data_the_contexts_do_not_define() -> None:
    unsigned = copy.deepcopy(VECTOR["unsigned"])
    unsigned["credentialSubject"]["nickname"] = "x"

    with pytest.raises(ValueError, match="nickname"):
        credentials.sign_credential(
            unsigned,
            private_key=VECTOR_KEY,
            verification_method="https://example.edu/issuers/565049#key-1",
            created="2010-01-01T19:23:24Z",
        )


# --- Open Badges 3.0 credentials built by the service ----------------------------------------


def test_built_open_badge_credential_has_the_ob3_shape() -> None:
    credential = badge()

    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": "https://lencana.example/api/v1/issuer/",
        "type": ["Profile"],
        "name": "Lencana Training Centre",
        "url": "https://lencana.example",
    }
    assert credential["validFrom"] == "2025-03-04T05:06:07Z"
    assert credential["validUntil"] == "2027-03-04T05:06:07Z"
    assert credential["name"] == "Pengaturan Lalu Lintas Dasar"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert {(i["identityType"], i["identityHash"], i["hashed"]) for i in subject["identifier"]} == {
        ("name", "Budi Santoso", False),
        ("identifier", "NRP 87050123", False),
    }
    assert subject["achievement"] == {
        "id": "https://lencana.example/api/v1/courses/7/",
        "type": ["Achievement"],
        "name": "Pengaturan Lalu Lintas Dasar",
        "description": "Basic traffic control for Lantas personnel.",
        "criteria": {"narrative": NARRATIVE},
    }


def test_built_open_badge_credential_without_expiry_has_no_valid_until() -> None:
    assert "validUntil" not in badge(expires_at=None)


def test_built_open_badge_credential_writes_datetimes_in_utc_with_z() -> None:
    jakarta = timezone(timedelta(hours=7))
    credential = badge(
        issued_at=datetime(2025, 3, 4, 12, 0, tzinfo=jakarta),
        expires_at=datetime(2026, 1, 1, 6, 30, tzinfo=jakarta),
    )

    assert credential["validFrom"] == "2025-03-04T05:00:00Z"
    assert credential["validUntil"] == "2025-12-31T23:30:00Z"


@pytest.mark.parametrize("field", ["issued_at", "expires_at"])
def test_built_open_badge_credential_refuses_naive_datetimes(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        badge(**{field: datetime(2025, 3, 4, 5, 6, 7)})  # naive on purpose


def test_built_open_badge_credential_canonicalises_every_field_it_contains() -> None:
    """Every term is defined: nothing is dropped and nothing falls back to a made-up IRI."""
    nquads = credentials.canonicalize(badge())

    ob = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    issuer = "https://lencana.example/api/v1/issuer/"
    lines = nquads.splitlines()
    for expected in [
        "<https://lencana.example/api/v1/courses/7/> <https://schema.org/name> "
        '"Pengaturan Lalu Lintas Dasar" .',
        f'<{issuer}> <https://schema.org/name> "Lencana Training Centre" .',
        "<https://lencana.example/verify/ABCD-1234/> <https://www.w3.org/2018/credentials#"
        f'validUntil> "2027-03-04T05:06:07Z"^^<{xsd}dateTime> .',
    ]:
        assert expected in lines
    # The identity objects are blank nodes: match the end of their quads.
    for blank_node_quad_end in [
        f'<{ob}identityHash> "Budi Santoso" .',
        f'<{ob}identityHash> "NRP 87050123" .',
        f'<{ob}identityType> "name" .',
        f'<{ob}identityType> "identifier" .',
    ]:
        assert any(line.endswith(blank_node_quad_end) for line in lines), blank_node_quad_end
    # The OB 3.0 context types `hashed` (and `url`) with https://www.w3.org/2001/XMLSchema#.
    hashed = f'<{ob}hashed> "false"^^<https://www.w3.org/2001/XMLSchema#boolean> .'
    assert sum(line.endswith(hashed) for line in lines) == 2
    assert f"<{ob}IdentityObject>" in nquads
    assert "Passed every quiz of this course." in nquads
    assert "example.org/base" not in nquads
    assert "relative-reference.invalid" not in nquads
    # Nothing silently dropped: credential 7 quads (2 types, name, issuer, subject, validFrom,
    # validUntil), issuer 3, subject 4 (type, achievement, 2 identifiers), identity objects
    # 2 x 4, achievement 4 (type, name, description, criteria), criteria 1.
    assert len(lines) == 7 + 3 + 4 + 2 * 4 + 4 + 1


def test_built_open_badge_credential_signs_and_verifies() -> None:
    signed = sign_badge(badge())

    assert signed["proof"]["proofValue"].startswith("z")
    assert credentials.verify_credential(signed, public_key=VECTOR_KEY.public_key())
    assert not credentials.verify_credential(signed, public_key=OTHER_KEY.public_key())
    signed["credentialSubject"]["identifier"][1]["identityHash"] = "NRP 87050124"
    assert not credentials.verify_credential(signed, public_key=VECTOR_KEY.public_key())


def test_signed_credential_survives_a_json_round_trip() -> None:
    signed = sign_badge(badge())

    stored = json.loads(json.dumps(signed))

    assert credentials.verify_credential(stored, public_key=VECTOR_KEY.public_key())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(min_size=1, max_size=40))
def test_any_achievement_name_signs_and_verifies_and_a_changed_char_fails(name: str) -> None:
    signed = sign_badge(badge(achievement_name=name))

    assert credentials.verify_credential(signed, public_key=VECTOR_KEY.public_key())
    changed = ("a" if name[0] != "a" else "b") + name[1:]
    signed["credentialSubject"]["achievement"]["name"] = changed
    assert not credentials.verify_credential(signed, public_key=VECTOR_KEY.public_key())


# --- Keys --------------------------------------------------------------------------------------


def test_public_key_multibase_round_trips() -> None:
    encoded = credentials.public_key_multibase(OTHER_KEY.public_key())

    assert encoded.startswith("z6Mk")
    decoded = credentials.public_key_from_multibase(encoded)
    assert decoded.public_bytes_raw() == OTHER_KEY.public_key().public_bytes_raw()


def test_private_key_multibase_round_trips() -> None:
    encoded = credentials.private_key_to_multibase(OTHER_KEY)

    assert encoded.startswith("z3u2")
    assert base58.b58decode(encoded[1:])[:2] == bytes([0x80, 0x26])
    decoded = credentials.load_private_key(encoded)
    assert decoded.private_bytes_raw() == OTHER_KEY.private_bytes_raw()


def test_load_private_key_accepts_a_hex_seed_and_the_vectors_seed_plus_public_hex() -> None:
    seed_hex = VECTOR["privateKeyHex"][:64]

    from_seed = credentials.load_private_key(seed_hex)
    from_vector = credentials.load_private_key(VECTOR["privateKeyHex"])
    from_multibase = credentials.load_private_key(credentials.private_key_to_multibase(from_seed))

    assert from_seed.private_bytes_raw().hex() == seed_hex
    assert from_vector.private_bytes_raw() == from_seed.private_bytes_raw()
    assert from_multibase.private_bytes_raw() == from_seed.private_bytes_raw()


BAD_PRIVATE_KEYS = {
    "empty": "",
    "short hex": "ab" * 31,
    "odd hex": "a" * 63,
    "not hex": "g" * 64,
    "public half mismatch": VECTOR["privateKeyHex"][:64] + "00" * 32,
    "public multikey": VECTOR["publicKeyMultibase"],
    "multibase not base58": "z0OIl",
    "multibase wrong prefix": "z" + base58.b58encode(bytes([0x80, 0x27]) + bytes(32)).decode(),
    "multibase short": "z" + base58.b58encode(bytes([0x80, 0x26]) + bytes(31)).decode(),
    "base64 multibase": "m" + "A" * 44,
}


@pytest.mark.parametrize("value", BAD_PRIVATE_KEYS.values(), ids=BAD_PRIVATE_KEYS.keys())
def test_load_private_key_refuses_bad_input(value: str) -> None:
    with pytest.raises(ValueError, match=r"[Pp]rivate key"):
        credentials.load_private_key(value)


BAD_PUBLIC_KEYS = {
    "empty": "",
    "no multibase prefix": VECTOR["publicKeyMultibase"][1:],
    "not base58": "z6Mk0OIl",
    "secret multikey": credentials.private_key_to_multibase(OTHER_KEY),
    "truncated": VECTOR["publicKeyMultibase"][:-3],
}


@pytest.mark.parametrize("value", BAD_PUBLIC_KEYS.values(), ids=BAD_PUBLIC_KEYS.keys())
def test_public_key_from_multibase_refuses_bad_input(value: str) -> None:
    with pytest.raises(ValueError, match="Public key"):
        credentials.public_key_from_multibase(value)


# --- eddsa-jcs-2022, the second suite, on the same test vector -----------------------------------


def sign_vector_jcs() -> dict[str, Any]:
    return credentials.sign_credential(
        VECTOR["unsigned"],
        private_key=VECTOR_KEY,
        verification_method=VECTOR["proofOptions"]["verificationMethod"],
        created=VECTOR["proofOptions"]["created"],
        cryptosuite=credentials.CRYPTOSUITE_JCS,
    )


def test_jcs_follows_rfc_8785_for_ordering_escapes_and_numbers():
    value = {"b": [1, 2.0, True, None], "a": 'é\n\u0001"', "\u20ac": 1, "\U0001f600": 2, "a\u0000": 0}
    expected = '{"a":"é\\n\\u0001\\"","a\\u0000":0,"b":[1,2,true,null],"\u20ac":1,"\U0001f600":2}'
    # UTF-16 code units: U+20AC (0x20AC) sorts before U+1F600 (0xD83D 0xDE00).
    assert credentials.jcs(value).decode() == expected
    with pytest.raises(ValueError):
        credentials.jcs({"x": 0.5})


def test_the_vector_signed_with_jcs_verifies_and_fails_after_any_change():
    signed = sign_vector_jcs()
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    public = VECTOR_KEY.public_key()
    assert credentials.verify_credential(signed, public_key=public)
    assert sign_vector_jcs() == signed  # Ed25519 is deterministic
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["achievement"]["name"] = "Other"
    assert not credentials.verify_credential(changed, public_key=public)
    as_rdfc = copy.deepcopy(signed)
    as_rdfc["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    assert not credentials.verify_credential(as_rdfc, public_key=public)
    assert not credentials.verify_credential(signed, public_key=OTHER_KEY.public_key())


def test_the_jcs_signature_is_over_the_jcs_hashes_of_proof_options_and_document():
    signed = sign_vector_jcs()
    document = {k: v for k, v in signed.items() if k != "proof"}
    options = {
        "@context": document["@context"],
        **{k: v for k, v in signed["proof"].items() if k != "proofValue"},
    }
    data = (
        hashlib.sha256(credentials.jcs(options)).digest() + hashlib.sha256(credentials.jcs(document)).digest()
    )
    signature = base58.b58decode(signed["proof"]["proofValue"][1:])
    VECTOR_KEY.public_key().verify(signature, data)  # raises if not


# --- eddsa-rdfc-2022 with the contexts processed once per process --------------------------------


def plain_canonical_form(document: dict[str, Any]) -> str:
    """pyld alone, from cold, as a verifier elsewhere runs it: its caches emptied, a loader whose
    documents carry no cache tag, one expansion inside normalize."""
    jsonld._resolved_context_cache.clear()

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {**credentials.document_loader(url), "tag": None}

    result: str = jsonld.normalize(
        copy.deepcopy(document),
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader},
    )
    return result


def varied_documents() -> list[dict[str, Any]]:
    status = {
        "id": "https://lencana.example/api/v1/status-lists/3/#77",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "77",
        "statusListCredential": "https://lencana.example/api/v1/status-lists/3/",
    }
    inline = copy.deepcopy(VECTOR["unsigned"])
    inline["@context"] = [*inline["@context"], {"nickname": "https://example.com/terms#nickname"}]
    inline["credentialSubject"]["nickname"] = "Budi"
    inline_other = copy.deepcopy(inline)
    inline_other["@context"][-1] = {"nickname": "https://example.org/other#nickname"}
    return [
        copy.deepcopy(VECTOR["unsigned"]),
        vector_proof_options(),
        badge(),
        badge(holder_name="Wayan Ş. Đorđević 😀", expires_at=None),
        badge(credential_status=status, holder_identifier_salt="00ff" * 8),
        badge(achievement_name="Lain", achievement_id="https://lencana.example/api/v1/courses/8/"),
        inline,
        inline_other,
    ]


def test_canonical_forms_with_contexts_kept_are_those_of_pyld_from_cold() -> None:
    documents = varied_documents()
    expected = [plain_canonical_form(d) for d in documents]
    assert expected[0] == DOCUMENT_CANON and expected[1] == PROOF_CANON
    assert expected[6] != expected[7]  # the inline contexts differ, and so do the forms
    credentials._processed.clear()
    jsonld._resolved_context_cache.clear()
    # From cold, then warm, in order and in reverse: each time pyld's form from cold.
    pairs = list(zip(documents, expected, strict=True))
    for document, form in [*pairs, *reversed(pairs)]:
        assert credentials.canonicalize(document) == form


def test_after_the_first_credential_the_contexts_are_not_processed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credentials.canonicalize(badge())  # the contexts processed once in this process
    calls = {"term definitions": 0, "expansions": 0}
    define, expand = jsonld.JsonLdProcessor._create_term_definition, jsonld.JsonLdProcessor.expand

    def counting_define(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["term definitions"] += 1
        return define(self, *args, **kwargs)

    def counting_expand(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["expansions"] += 1
        return expand(self, *args, **kwargs)

    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition", counting_define)
    monkeypatch.setattr(jsonld.JsonLdProcessor, "expand", counting_expand)
    for name in ("Sari", "Wayan", "Made"):
        credentials.canonicalize(badge(holder_name=name))
    # No term of either context defined again (pyld alone defines ~100 per credential: every
    # Open Badges class has a type-scoped context), and the document expanded once each.
    assert calls == {"term definitions": 0, "expansions": 3}


def test_credentials_signed_with_contexts_kept_verify_with_pyld_from_cold() -> None:
    public = VECTOR_KEY.public_key()
    for document in varied_documents()[2:6]:
        signed = sign_badge(document)
        unsigned = {k: v for k, v in signed.items() if k != "proof"}
        options = {
            "@context": unsigned["@context"],
            **{k: v for k, v in signed["proof"].items() if k != "proofValue"},
        }
        data = hashlib.sha256(plain_canonical_form(options).encode()).digest()
        data += hashlib.sha256(plain_canonical_form(unsigned).encode()).digest()
        public.verify(base58.b58decode(signed["proof"]["proofValue"][1:]), data)  # raises if not
        assert credentials.verify_credential(signed, public_key=public)
