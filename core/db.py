"""Which database a request's reads go to: the replica only where a request says so
(config.db_router), and back to the primary where a read must see the latest write (the
signed-in user and their roles, whatever request reads them)."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

reading_from_replica: ContextVar[bool] = ContextVar("lencana_replica_reads", default=False)


@contextmanager
def _reads(from_replica: bool) -> Iterator[None]:
    token = reading_from_replica.set(from_replica)
    try:
        yield
    finally:
        reading_from_replica.reset(token)


def replica_reads() -> AbstractContextManager[None]:
    """Reads inside go to the replica (when one is configured)."""
    return _reads(True)


def primary_reads() -> AbstractContextManager[None]:
    """Reads inside go to the primary, even within `replica_reads`."""
    return _reads(False)
