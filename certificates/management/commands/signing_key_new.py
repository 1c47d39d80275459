from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand

from certificates import credentials


class Command(BaseCommand):
    help = "Print a new Ed25519 signing key for LENCANA_SIGNING_KEY (and its public key)."

    def handle(self, *args: Any, **options: Any) -> None:
        key = Ed25519PrivateKey.generate()
        self.stdout.write(f"LENCANA_SIGNING_KEY={credentials.private_key_to_multibase(key)}")
        self.stderr.write(f"public key: {credentials.public_key_multibase(key.public_key())}")
