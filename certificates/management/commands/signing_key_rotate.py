from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certificates import keys, services
from core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Add a new issuer signing key that signs from a date on (default: now). Old keys stay "
        "published in /.well-known/did.json, so what they signed still verifies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="active_from", help="ISO 8601 date-time with offset")

    def handle(self, *args: Any, **options: Any) -> None:
        active_from = None
        if options["active_from"]:
            try:
                active_from = datetime.fromisoformat(options["active_from"])
            except ValueError as exc:
                raise CommandError(f"--from: {exc}") from exc
            if timezone.is_naive(active_from):
                raise CommandError("--from needs a time zone offset, e.g. 2027-01-01T00:00:00+07:00")
        try:
            key = services.issuer_key_rotate(active_from=active_from)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{keys.verification_method_id(key.kid)} signs from {key.active_from.isoformat()}")
        self.stdout.write(f"public key: {key.public_key_multibase}")
