"""Indexes for the outbox.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the tables of 0015 do not exist yet inside 0015's raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T12:07:26:000000"
VERSION = "1.38.0"
DESCRIPTION = "Outbox: unique dedupe key, the relay's due index, inbox and cap indexes"


class OutboxMessage(Table, tablename="outbox_message"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        OutboxMessage._meta.refresh_db()
        statements = [
            # Enqueueing a key twice is a no-op: the index decides, even between workers.
            "CREATE UNIQUE INDEX IF NOT EXISTS outbox_message_dedupe_key "
            "ON outbox_message (dedupe_key)",
            # The relay's claim: only rows that may still need sending, oldest due first.
            "CREATE INDEX IF NOT EXISTS outbox_message_due ON outbox_message "
            "(next_attempt_at) WHERE status IN ('pending', 'deferred', 'sending')",
            # The candidate's inbox, newest first, and its unread count.
            "CREATE INDEX IF NOT EXISTS outbox_message_inbox ON outbox_message "
            "(candidate, channel, status, created_at)",
            # The engagement cap: what a candidate was sent in the rolling window.
            "CREATE INDEX IF NOT EXISTS outbox_message_cap ON outbox_message "
            "(candidate, category, status, sent_at)",
            "CREATE INDEX IF NOT EXISTS outbox_message_status ON outbox_message (status)",
            "CREATE UNIQUE INDEX IF NOT EXISTS message_preference_unique "
            "ON message_preference (candidate, channel, category)",
        ]
        for statement in statements:
            await OutboxMessage.raw(statement).run()

    manager.add_raw(add_indexes)
    return manager
