"""Domain events through a transactional outbox.

An app that changes something records the news in the same transaction (`outbox.record`); after
commit, each handler registered for the event's type gets it through a Celery task, and the
delivery is recorded per handler, so a redelivered or replayed event changes nothing. A periodic
relay pass queues again whatever is still undelivered: the outbox table, not the broker, is the
source of truth. Apps higher in the chain subscribe with `@registry.handler(TYPE)` in their
`handlers.py`; the app that records an event never knows who listens.
"""
