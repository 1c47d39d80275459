"""The Ed25519 key that signs credentials, and the issuer profile that publishes it."""

from functools import cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from certificates import credentials
from core.files import file_made_once


@cache
def signing_key() -> Ed25519PrivateKey:
    """LENCANA_SIGNING_KEY when set (required in production); otherwise a development key made
    once under var/, the same for every process."""
    if settings.LENCANA_SIGNING_KEY:
        return credentials.load_private_key(settings.LENCANA_SIGNING_KEY)
    made = file_made_once(
        settings.LENCANA_SIGNING_KEY_FILE,
        lambda: credentials.private_key_to_multibase(Ed25519PrivateKey.generate()),
    )
    return credentials.load_private_key(made)


def issuer_id() -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/issuer/"


def verification_method_id() -> str:
    return f"{issuer_id()}#key-1"


def issuer_profile() -> dict:
    """The issuer's profile with its public key as a Multikey verification method."""
    return {
        "id": issuer_id(),
        "type": ["Profile"],
        "name": settings.LENCANA_ISSUER_NAME,
        "url": settings.PUBLIC_BASE_URL,
        "verificationMethod": [
            {
                "id": verification_method_id(),
                "type": "Multikey",
                "controller": issuer_id(),
                "publicKeyMultibase": credentials.public_key_multibase(signing_key().public_key()),
            }
        ],
        "assertionMethod": [verification_method_id()],
    }
