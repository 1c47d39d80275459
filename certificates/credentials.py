"""Sign and verify W3C Verifiable Credentials 2.0 / Open Badges 3.0 credentials.

The proof is a ``DataIntegrityProof`` of cryptosuite ``eddsa-rdfc-2022`` (W3C vc-di-eddsa):
RDFC-1.0 (URDNA2015) canonical N-Quads of the credential and of the proof options are hashed
with SHA-256 and ``proofHash || documentHash`` is signed with Ed25519.

Pure Python: no Django import. JSON-LD contexts are served from files bundled in
``certificates/vc_contexts/``; any other URL is refused, so nothing here touches the network.

pyld 3.3 has no ``safe`` option for ``normalize``, so :func:`canonicalize` implements the safe
mode of JSON-LD processors itself: expansion fails on any property that the contexts do not
define (which plain JSON-LD would silently drop), and on any ``@id`` or ``@type`` that is not an
absolute IRI or blank node (which pyld would quietly resolve against a made-up base IRI).
"""

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld  # type: ignore[import-untyped]

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
# The second suite: JSON Canonicalization (RFC 8785) instead of RDF canonicalization; the same
# Ed25519 signature over proofHash || documentHash, much faster (no JSON-LD processing).
CRYPTOSUITE_JCS = "eddsa-jcs-2022"
CRYPTOSUITES = (CRYPTOSUITE, CRYPTOSUITE_JCS)
PROOF_PURPOSE = "assertionMethod"

CONTEXTS_DIR = Path(__file__).resolve().parent / "vc_contexts"
_CONTEXT_FILES: dict[str, str] = {
    CREDENTIALS_V2_CONTEXT: "credentials-v2.jsonld",
    OB_V3P0_CONTEXT: "ob-v3p0-context-3.0.3.json",
}

# Multicodec varint prefixes used by Multikey (https://www.w3.org/TR/cid-1.0/#Multikey).
_ED25519_PUB_PREFIX = bytes([0xED, 0x01])  # ed25519-pub, 0xed
_ED25519_PRIV_PREFIX = bytes([0x80, 0x26])  # ed25519-priv, 0x1300
_KEY_LENGTH = 32
_SIGNATURE_LENGTH = 64

# Base IRI for expansion: pyld would resolve relative references against its own default base
# (http://example.org/base/); this reserved (.invalid) base makes them recognisable so that
# canonicalize() can refuse them.
_RELATIVE_BASE = "https://relative-reference.invalid/"

# xsd:dateTime with a mandatory time zone, as VC 2.0 requires for `created`.
_DATE = r"-?\d{4,}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(\.\d+)?"
_XSD_DATETIME = re.compile(rf"{_DATE}T{_TIME}(Z|[+-]\d{{2}}:\d{{2}})", re.ASCII)


# --- JSON-LD -----------------------------------------------------------------------------------


@cache
def _context_text(url: str) -> str:
    return (CONTEXTS_DIR / _CONTEXT_FILES[url]).read_text(encoding="utf-8")


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves only the bundled contexts and refuses every other URL.

    The files are read once and kept in memory; each call returns a fresh copy of the document
    so that no caller can alter the cached one.
    """
    if url not in _CONTEXT_FILES:
        raise jsonld.JsonLdError(
            f"Refusing to load {url!r}: only the bundled JSON-LD contexts "
            f"({', '.join(sorted(_CONTEXT_FILES))}) are available offline.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(_context_text(url)),
        # pyld keeps a context whose document is tagged in its cache shared by every operation
        # (resolved once, then processed once per active context), as jsonld.js does for a
        # static loader; without a tag it fetches and processes the context again every time.
        "tag": "static",
    }


class UndefinedTermError(ValueError):
    """The document uses a term or IRI that canonicalisation would silently drop."""


def _raise_on_dropped_property(expanded_property: str | None) -> None:
    name = "A property" if expanded_property is None else f"Property {expanded_property!r}"
    message = f"{name} is not defined by the document's @context"
    raise UndefinedTermError(f"{message}; it would be dropped from the signed data.")


def _is_absolute_iri_or_blank_node(value: str) -> bool:
    if value.startswith("_:"):
        return True
    if value.startswith(_RELATIVE_BASE):
        return False
    scheme, sep, _ = value.partition(":")
    return bool(sep) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def _check_iri(value: Any, *, what: str) -> None:
    if isinstance(value, str) and not _is_absolute_iri_or_blank_node(value):
        relative = value.removeprefix(_RELATIVE_BASE)
        raise UndefinedTermError(
            f"{what} {relative!r} is neither a term defined by the @context nor an absolute IRI."
        )


def _check_node_references(element: Any) -> None:
    """Refuse relative ``@id``/``@type`` references in an expanded document.

    Undefined types and relative ids would otherwise be resolved against a made-up base IRI, or
    dropped by RDF conversion, without a word.
    """
    if isinstance(element, list):
        for item in element:
            _check_node_references(item)
        return
    if not isinstance(element, dict):
        return
    if "@value" in element:  # a literal; its @type is a datatype IRI
        if element.get("@type") != "@json":
            _check_iri(element.get("@type"), what="Datatype")
        return
    _check_iri(element.get("@id"), what="@id")
    for node_type in element.get("@type", []):
        _check_iri(node_type, what="Type")
    for key, value in element.items():
        if key not in ("@id", "@type"):
            _check_node_references(value)


# Contexts processed on top of an active context, kept across operations (see _Processor):
# (active context's id, the local context, the flags, base) -> (the local context held, result).
_processed: dict[tuple[Any, ...], tuple[Any, Any]] = {}
_PROCESSED_MAX = 4096
_FROZEN = type(jsonld.freeze({}))  # what pyld makes a processed context into


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with the same output, two things kept that pyld throws away:

    - A context processed on top of an active context is kept for the next operation. pyld keeps
      processed contexts by the id (`_uuid`) of the active context they were processed on, but a
      type-scoped context (every Open Badges class has one) is processed on a fresh copy of the
      active context each time, whose new id never hits that cache: each credential processed
      the same handful of contexts again (half of the canonicalisation's time). Here the result
      is kept by the id of the active context itself and the identity of the local context (held,
      so it cannot be reused), only when pyld returned a frozen context (immutable; pyld's own
      cache hands out the same objects) and no context URLs are being dereferenced.
    - The expanded form of the document that `normalize` converts, for the safe-mode check: the
      document is expanded once, not once for the check and again by `normalize`.
    """

    expanded: Any = None

    def expand(self, input_: Any, options: Any) -> Any:
        self.expanded = super().expand(input_, options)
        return self.expanded

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        uuid = active_ctx.get("_uuid")
        key = None
        if uuid is not None and not cycles:
            # Context URLs by their text (each names one bundled document); an embedded context
            # by its identity, and the same object must be the one kept.
            urls = _urls(local_ctx)
            held = None if urls is not None else local_ctx
            what = urls if urls is not None else id(local_ctx)
            key = (uuid, what, override_protected, propagate, validate_scoped, options.get("base"))
            kept = _processed.get(key)
            if kept is not None and kept[0] is held:
                return kept[1]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if key is not None and isinstance(result, _FROZEN):
            if len(_processed) >= _PROCESSED_MAX:
                _processed.clear()
            _processed[key] = (held, result)
        return result


def _urls(local_ctx: Any) -> tuple[str, ...] | None:
    """The context URLs a local context is made of, or None if it is (or holds) an object."""
    if isinstance(local_ctx, str):
        return (local_ctx,)
    if isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
        return tuple(local_ctx)
    return None


def canonicalize(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, in safe mode.

    Raises :class:`UndefinedTermError` (a ``ValueError``) when the document uses a term its
    contexts do not define, and ``pyld.jsonld.JsonLdError`` when it is not valid JSON-LD or
    needs a context that is not bundled.
    """
    processor = _Processor(on_property_dropped=_raise_on_dropped_property)
    result: str = processor.normalize(
        copy.deepcopy(dict(document)),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
            "base": _RELATIVE_BASE,
        },
    )
    # The document normalize converted, expanded: refuse it if an @id or @type was relative
    # (resolved against the made-up base, or dropped from the N-Quads).
    _check_node_references(processor.expanded)
    return result


# --- Keys --------------------------------------------------------------------------------------


def _decode_multibase_base58btc(value: str, *, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError(f"{what} must be a multibase base58btc string starting with 'z'.")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise ValueError(f"{what} is not valid base58btc.") from exc


def _raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """Multikey ``publicKeyMultibase``: ``z`` + base58btc(0xed01 + 32 raw bytes), ``z6Mk...``."""
    return "z" + base58.b58encode(_ED25519_PUB_PREFIX + _raw_public_bytes(public_key)).decode()


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Inverse of :func:`public_key_multibase`; ``ValueError`` on anything else."""
    raw = _decode_multibase_base58btc(value, what="Public key")
    prefix, key = raw[: len(_ED25519_PUB_PREFIX)], raw[len(_ED25519_PUB_PREFIX) :]
    if prefix != _ED25519_PUB_PREFIX or len(key) != _KEY_LENGTH:
        raise ValueError("Public key is not an Ed25519 Multikey (expected z6Mk...).")
    return Ed25519PublicKey.from_public_bytes(key)


def private_key_to_multibase(private_key: Ed25519PrivateKey) -> str:
    """Multikey ``secretKeyMultibase``: ``z`` + base58btc(0x8026 + 32-byte seed), ``z3u2...``."""
    seed = private_key.private_bytes_raw()
    return "z" + base58.b58encode(_ED25519_PRIV_PREFIX + seed).decode()


def load_private_key(value: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from text.

    Accepts a Multikey ``secretKeyMultibase`` (``z`` + base58btc(0x8026 + 32-byte seed)), a
    64-character hex seed, or the 128-character hex ``seed || public key`` form used by the
    Open Badges 3.0 test vector (whose public half must match the seed).
    """
    if not isinstance(value, str):
        raise ValueError("Private key must be a string.")
    value = value.strip()
    if value.startswith("z"):
        raw = _decode_multibase_base58btc(value, what="Private key")
        prefix, seed = raw[: len(_ED25519_PRIV_PREFIX)], raw[len(_ED25519_PRIV_PREFIX) :]
        if prefix != _ED25519_PRIV_PREFIX or len(seed) != _KEY_LENGTH:
            raise ValueError(
                "Private key is not an Ed25519 Multikey secret key "
                "(expected 'z' + base58btc(0x8026 + 32-byte seed))."
            )
        return Ed25519PrivateKey.from_private_bytes(seed)
    if len(value) not in (2 * _KEY_LENGTH, 4 * _KEY_LENGTH):
        raise ValueError(
            "Private key must be a multibase Multikey secret key (z...) or a hex Ed25519 seed "
            "of 64 characters (or 128 characters: seed followed by public key)."
        )
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise ValueError("Private key is not valid hexadecimal.") from exc
    key = Ed25519PrivateKey.from_private_bytes(raw[:_KEY_LENGTH])
    if len(raw) == 2 * _KEY_LENGTH and raw[_KEY_LENGTH:] != _raw_public_bytes(key.public_key()):
        raise ValueError("Private key's public half does not match its seed.")
    return key


# --- Proofs ------------------------------------------------------------------------------------


def _check_xsd_datetime(value: str, *, what: str) -> None:
    if not isinstance(value, str) or not _XSD_DATETIME.fullmatch(value):
        example = "2010-01-01T19:23:24Z"
        raise ValueError(f"{what} must be an xsd:dateTime with a time zone ({example}): {value!r}")


def jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme, for JSON without fractional numbers (credentials
    have none): members sorted by their UTF-16 code units, no whitespace, ECMAScript string
    escaping (which Python's json module matches). A fractional or non-finite number is
    refused rather than risk a serialisation other than ECMAScript's."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda item: item[0].encode("utf-16-be"))
        return "{" + ",".join(f"{_jcs_string(k)}:{_jcs(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, str):
        return _jcs_string(value)
    if value is True or value is False or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError("JCS: integers beyond 2^53 are not I-JSON")
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return str(int(value))
    raise ValueError(f"JCS: cannot canonicalise {value!r}")


def _jcs_string(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError("JCS: member names must be strings")
    return _encode_string(value)


# What json.dumps(value, ensure_ascii=False) does with a string, without making an encoder per
# call (the C function, where the json module has it).
_encode_string = json.encoder.encode_basestring


def _hash_data(
    *, document: Mapping[str, Any], proof_options: Mapping[str, Any], cryptosuite: str = CRYPTOSUITE
) -> bytes:
    """``SHA-256(canon(proof options)) || SHA-256(canon(document))``, the data that is signed;
    canon is RDFC-1.0 for eddsa-rdfc-2022 and JCS for eddsa-jcs-2022."""
    if cryptosuite == CRYPTOSUITE_JCS:
        return hashlib.sha256(jcs(proof_options)).digest() + hashlib.sha256(jcs(document)).digest()
    proof_hash = _canonical_hash(json.dumps(proof_options, sort_keys=True, ensure_ascii=False))
    document_hash = hashlib.sha256(canonicalize(document).encode()).digest()
    return proof_hash + document_hash


@lru_cache(maxsize=64)
def _canonical_hash(document_json: str) -> bytes:
    """SHA-256 of the RDFC-1.0 form of a JSON-LD document (given as JSON), kept: the proof
    options of a batch (one context, one key, one `created` second) are the same for every
    credential in it, so they are canonicalised once. A pure function of the text (the contexts
    are bundled), so the cached bytes are those canonicalising again would give."""
    return hashlib.sha256(canonicalize(json.loads(document_json)).encode()).digest()


def sign_credential(
    credential: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    cryptosuite: str = CRYPTOSUITE,
) -> dict[str, Any]:
    """A new credential: a copy of ``credential`` with an ``eddsa-rdfc-2022`` proof added (or
    ``eddsa-jcs-2022``, given as `cryptosuite`).

    ``created`` is the proof's xsd:dateTime, e.g. ``"2010-01-01T19:23:24Z"``. Raises
    ``ValueError`` if the credential already has a proof, lacks an ``@context``, or uses terms its
    contexts do not define (:class:`UndefinedTermError`); ``pyld.jsonld.JsonLdError`` if it needs
    a context that is not bundled.
    """
    if "proof" in credential:
        raise ValueError("Credential already has a proof; sign the unsigned credential.")
    if "@context" not in credential:
        raise ValueError("Credential has no @context.")
    _check_xsd_datetime(created, what="created")
    if cryptosuite not in CRYPTOSUITES:
        raise ValueError(f"Unknown cryptosuite {cryptosuite!r}.")
    document = copy.deepcopy(dict(credential))
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    proof_options = {"@context": copy.deepcopy(document["@context"]), **proof}
    signature = private_key.sign(
        _hash_data(document=document, proof_options=proof_options, cryptosuite=cryptosuite)
    )
    proof["proofValue"] = "z" + base58.b58encode(signature).decode()
    return {**document, "proof": proof}


def _context_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def verify_credential(credential: Mapping[str, Any], *, public_key: Ed25519PublicKey) -> bool:
    """True only if ``credential`` carries a valid ``eddsa-rdfc-2022`` (or ``eddsa-jcs-2022``)
    proof by ``public_key``.

    Never raises: a missing or malformed proof, another cryptosuite or proof purpose, bad
    base58, undefined terms or any change to the signed data all give False. A proof set (a list
    of proofs) is not supported and gives False. It does not resolve ``verificationMethod`` nor
    check ``validFrom``/``validUntil``: the caller supplies the key it trusts and judges dates.
    """
    try:
        return _verify(credential, public_key=public_key)
    except Exception:  # any failure at all means "not verified"
        return False


def _verify(credential: Mapping[str, Any], *, public_key: Ed25519PublicKey) -> bool:
    if not isinstance(credential, Mapping):
        return False
    proof = credential.get("proof")
    if not isinstance(proof, Mapping) or "@context" not in credential:
        return False
    if (
        proof.get("type") != PROOF_TYPE
        or proof.get("cryptosuite") not in CRYPTOSUITES
        or proof.get("proofPurpose") != PROOF_PURPOSE
        or not isinstance(proof.get("verificationMethod"), str)
        or not isinstance(proof.get("created"), str)
    ):
        return False
    _check_xsd_datetime(proof["created"], what="created")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return False
    signature = base58.b58decode(proof_value[1:])
    if len(signature) != _SIGNATURE_LENGTH:
        return False

    document = {key: value for key, value in credential.items() if key != "proof"}
    proof_options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in proof_options:
        # vc-di-eddsa: the document's @context must start with the proof's @context.
        proof_context = _context_list(proof_options["@context"])
        if _context_list(document["@context"])[: len(proof_context)] != proof_context:
            return False
    else:
        proof_options = {"@context": document["@context"], **proof_options}

    try:
        public_key.verify(
            signature,
            _hash_data(document=document, proof_options=proof_options, cryptosuite=proof["cryptosuite"]),
        )
    except InvalidSignature:
        return False
    return True


# --- Open Badges 3.0 ---------------------------------------------------------------------------


def _xsd_datetime(value: datetime, *, what: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware.")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_open_badge_credential(
    *,
    credential_id: str,
    issuer_id: str,
    issuer_name: str,
    issuer_url: str,
    holder_name: str,
    holder_identifier: str,
    achievement_id: str,
    achievement_name: str,
    achievement_description: str,
    criteria_narrative: str,
    issued_at: datetime,
    expires_at: datetime | None,
    credential_status: Mapping[str, Any] | None = None,
    holder_identifier_salt: str | None = None,
) -> dict[str, Any]:
    """An unsigned Open Badges 3.0 ``OpenBadgeCredential``.

    The holder has no DID, so the subject is identified the OB 3.0 way, by ``identifier``
    entries (``IdentityObject``): one of identityType ``name`` for the holder's name (in clear)
    and one of identityType ``identifier`` for ``holder_identifier``, which is hashed
    (:func:`identity_hash`, ``hashed: true`` with its ``salt``) when a salt is given. Every
    term used is defined by the bundled contexts. Datetimes must be timezone-aware; they are
    written in UTC with ``Z`` and whole seconds.
    """
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT, OB_V3P0_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": issuer_name,
            "url": issuer_url,
        },
        "validFrom": _xsd_datetime(issued_at, what="issued_at"),
    }
    if expires_at is not None:
        credential["validUntil"] = _xsd_datetime(expires_at, what="expires_at")
    if credential_status is not None:
        credential["credentialStatus"] = dict(credential_status)
    credential["name"] = achievement_name
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": holder_name,
                "identityType": "name",
                "hashed": False,
            },
            _identifier_object(holder_identifier, salt=holder_identifier_salt),
        ],
        "achievement": {
            "id": achievement_id,
            "type": ["Achievement"],
            "name": achievement_name,
            "description": achievement_description,
            "criteria": {"narrative": criteria_narrative},
        },
    }
    return credential


def identity_hash(value: str, *, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()


def _identifier_object(value: str, *, salt: str | None) -> dict[str, Any]:
    if salt is None:
        return {
            "type": "IdentityObject",
            "identityHash": value,
            "identityType": "identifier",
            "hashed": False,
        }
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(value, salt=salt),
        "identityType": "identifier",
        "hashed": True,
        "salt": salt,
    }
