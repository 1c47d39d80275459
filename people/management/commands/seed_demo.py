from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from people.services import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo accounts (development databases only); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development databases only (DJANGO_DEBUG=1).")
        password = settings.LENCANA_DEMO_PASSWORD
        for user in demo_accounts_ensure(password=password):
            self.stdout.write(f"  {user.username:<16} password: {password}")
