"""Everything that leaves the system goes through one outbox (see docs/outbox.md).

Features enqueue with :func:`portal.domain.messaging.enqueue.message_enqueue` (or
``messages_enqueue`` for many) inside their own ``write_transaction()``; the relay in every
``onramp serve`` process sends, retries and records. Nothing else sends.
"""
