"""The issuer's identity and keys: a `did:web` DID whose Multikey verification methods are every
key the issuer ever signed with, and the key that signs at a given time.

`key-1` is the bootstrap key (LENCANA_SIGNING_KEY, or in debug a key made once under var/). A
rotation (`manage.py signing_key_rotate`) adds an `IssuerKey` that signs from its `active_from`
on; its secret is kept in the database encrypted with a key derived from DJANGO_SECRET_KEY
(SECRET_KEY_FALLBACKS are tried too, so the Django secret can rotate), so every worker on every
machine signs with the same key from the same moment. Old public keys stay published: every
credential signed before still verifies."""

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from urllib.parse import quote, urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from certificates import credentials
from certificates.models import IssuerKey
from core.files import file_made_once

BOOTSTRAP_KID = "key-1"
BOOTSTRAP_ACTIVE_FROM = datetime(1970, 1, 1, tzinfo=UTC)


@cache
def signing_key() -> Ed25519PrivateKey:
    """The bootstrap key (`key-1`): LENCANA_SIGNING_KEY when set (required in production);
    otherwise a development key made once under var/, the same for every process."""
    if settings.LENCANA_SIGNING_KEY:
        return credentials.load_private_key(settings.LENCANA_SIGNING_KEY)
    made = file_made_once(
        settings.LENCANA_SIGNING_KEY_FILE,
        lambda: credentials.private_key_to_multibase(Ed25519PrivateKey.generate()),
    )
    return credentials.load_private_key(made)


def issuer_did() -> str:
    """`did:web` of PUBLIC_BASE_URL: the host (a port's colon percent-encoded), then any path
    segments joined by colons (did:web resolves that to <path>/did.json)."""
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    segments = [quote(s, safe="") for s in parts.path.strip("/").split("/") if s]
    return ":".join(["did:web", parts.netloc.replace(":", "%3A"), *segments])


def issuer_id() -> str:
    return issuer_did()


def issuer_profile_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/issuer/"


def verification_method_id(kid: str = BOOTSTRAP_KID) -> str:
    return f"{issuer_did()}#{kid}"


# --- secrets at rest ----------------------------------------------------------------------------


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(b"lencana.issuer-key\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernets() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(s) for s in secrets])


def seal(private_key: Ed25519PrivateKey) -> str:
    return _fernets().encrypt(credentials.private_key_to_multibase(private_key).encode()).decode()


def unseal(token: str) -> Ed25519PrivateKey:
    try:
        return credentials.load_private_key(_fernets().decrypt(token.encode()).decode())
    except InvalidToken as exc:
        raise RuntimeError("An issuer key cannot be decrypted: was DJANGO_SECRET_KEY changed?") from exc


# --- which key --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedKey:
    kid: str
    active_from: datetime
    public_key_multibase: str


def published_keys() -> list[PublishedKey]:
    """Every key the issuer has signed with or will sign with, oldest first."""
    bootstrap = PublishedKey(
        BOOTSTRAP_KID, BOOTSTRAP_ACTIVE_FROM, credentials.public_key_multibase(signing_key().public_key())
    )
    rotated = [
        PublishedKey(k.kid, k.active_from, k.public_key_multibase)
        for k in IssuerKey.objects.order_by("active_from", "pk")
    ]
    return [bootstrap, *rotated]


_unsealed: dict[str, Ed25519PrivateKey] = {}


def key_at(moment: datetime) -> tuple[str, Ed25519PrivateKey]:
    """The key that signs what is dated `moment`: the newest one active by then."""
    row = (
        IssuerKey.objects.filter(active_from__lte=moment)
        .order_by("-active_from", "-pk")
        .only("kid", "private_key_sealed")
        .first()
    )
    if row is None:
        return BOOTSTRAP_KID, signing_key()
    if row.private_key_sealed not in _unsealed:  # by the sealed text: a kid names one key per database
        _unsealed[row.private_key_sealed] = unseal(row.private_key_sealed)
    return row.kid, _unsealed[row.private_key_sealed]


def _verification_methods(keys: list[PublishedKey], controller: str) -> list[dict]:
    return [
        {
            "id": verification_method_id(k.kid),
            "type": "Multikey",
            "controller": controller,
            "publicKeyMultibase": k.public_key_multibase,
        }
        for k in keys
    ]


def did_document() -> dict:
    """The issuer's `did:web` document: a Multikey verification method per key, old keys
    included, each authorised for assertionMethod (what credential proofs name)."""
    did = issuer_did()
    keys = published_keys()
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [issuer_profile_url()],
        "verificationMethod": _verification_methods(keys, did),
        "assertionMethod": [verification_method_id(k.kid) for k in keys],
    }


def issuer_profile() -> dict:
    """The issuer's HTTPS profile (as before the DID), naming the DID and the same keys."""
    did = issuer_did()
    keys = published_keys()
    return {
        "id": issuer_profile_url(),
        "type": ["Profile"],
        "name": settings.LENCANA_ISSUER_NAME,
        "url": settings.PUBLIC_BASE_URL,
        "did": did,
        "verificationMethod": _verification_methods(keys, did),
        "assertionMethod": [verification_method_id(k.kid) for k in keys],
    }
