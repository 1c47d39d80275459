"""A verifier that knows nothing of Lencana's code: it reads only what is published (the
issuer's did:web document and the status list credential, fetched by URL) and checks with
pyld, cryptography and base58 directly. It answers valid, revoked, expired or invalid."""

import copy
import gzip
import hashlib
import json
from base64 import urlsafe_b64decode
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld  # type: ignore[import-untyped]

# Published JSON-LD contexts, as any verifier bundles them (data, not Lencana's code).
_CONTEXTS = Path(__file__).resolve().parents[2] / "certificates" / "vc_contexts"
_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
}

Fetch = Callable[[str], dict[str, Any]]


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    document = json.loads((_CONTEXTS / _FILES[url]).read_text())
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": document,
    }


def _canon(document: dict[str, Any]) -> bytes:
    nquads = jsonld.normalize(
        copy.deepcopy(document),
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
    )
    return nquads.encode()


def _jcs(document: dict[str, Any]) -> bytes:
    # RFC 8785 for documents of ASCII member names and no fractional numbers.
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def did_web_url(did: str) -> str:
    parts = [unquote(p) for p in did.removeprefix("did:web:").split(":")]
    path = "/".join(parts[1:]) + "/did.json" if len(parts) > 1 else ".well-known/did.json"
    return f"http://{parts[0]}/{path}"


def _public_key(verification_method: str, fetch: Fetch) -> Ed25519PublicKey | None:
    did = verification_method.split("#", 1)[0]
    document = fetch(did_web_url(did))
    if document.get("id") != did or verification_method not in document.get("assertionMethod", []):
        return None
    for method in document.get("verificationMethod", []):
        if method["id"] == verification_method and method["type"] == "Multikey":
            raw = base58.b58decode(method["publicKeyMultibase"][1:])
            if raw[:2] == bytes([0xED, 0x01]):
                return Ed25519PublicKey.from_public_bytes(raw[2:])
    return None


def proof_ok(credential: dict[str, Any], fetch: Fetch) -> bool:
    proof = credential.get("proof") or {}
    suite = proof.get("cryptosuite")
    if suite not in ("eddsa-rdfc-2022", "eddsa-jcs-2022") or proof.get("proofPurpose") != "assertionMethod":
        return False
    issuer = credential["issuer"] if isinstance(credential["issuer"], str) else credential["issuer"]["id"]
    if not proof["verificationMethod"].startswith(issuer + "#"):
        return False
    key = _public_key(proof["verificationMethod"], fetch)
    if key is None:
        return False
    document = {k: v for k, v in credential.items() if k != "proof"}
    options = {"@context": document["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
    canon = _canon if suite == "eddsa-rdfc-2022" else _jcs
    data = hashlib.sha256(canon(options)).digest() + hashlib.sha256(canon(document)).digest()
    try:
        key.verify(base58.b58decode(proof["proofValue"][1:]), data)
    except InvalidSignature:
        return False
    return True


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def status(credential: dict[str, Any], fetch: Fetch, *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if not proof_ok(credential, fetch):
        return "invalid"
    entry = credential.get("credentialStatus")
    if entry is not None:
        status_list = fetch(entry["statusListCredential"])
        if not proof_ok(status_list, fetch) or status_list["issuer"] != credential["issuer"]["id"]:
            return "invalid"
        subject = status_list["credentialSubject"]
        if subject["statusPurpose"] != entry["statusPurpose"]:
            return "invalid"
        encoded = subject["encodedList"][1:]
        bits = gzip.decompress(urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        index = int(entry["statusListIndex"])
        if bits[index // 8] & (0x80 >> (index % 8)):
            return "revoked"
    if _when(credential["validFrom"]) > now:
        return "invalid"
    if "validUntil" in credential and _when(credential["validUntil"]) <= now:
        return "expired"
    return "valid"
