"""Celery's Redis transport, refusing poison: a list item that is not a message at all.

Kombu reads a Redis queue item as JSON before Celery sees it; an item that is not JSON (or not
UTF-8) raised out of the worker's event loop, and the worker stopped ("Unrecoverable error").
The item is already off the list when it fails to parse, so dropping it with an error in the log
loses nothing that could ever be delivered. Messages Celery can read but not use (an unknown
task, a body it cannot decode, wrong arguments) are Celery's to refuse, as before."""

import json
import logging

from kombu.transport import redis

logger = logging.getLogger(__name__)


class Channel(redis.Channel):
    def _brpop_read(self, **options):  # type: ignore[no-untyped-def]
        try:
            return super()._brpop_read(**options)
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as exc:
            logger.error("dropped an item of a Celery queue that is not a message: %r", exc)
            raise redis.Empty() from None


class Transport(redis.Transport):
    Channel = Channel
