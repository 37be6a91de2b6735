"""Indexes for journeys and tags.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the tables of 0023 do not exist yet inside 0023's raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T12:54:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "Journeys: one send per step, candidate and occurrence; unique tags; lookups"


class JourneySend(Table, tablename="journey_send"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        JourneySend._meta.refresh_db()
        statements = [
            # Evaluating twice, or in two workers at once, records (and sends) a step once.
            "CREATE UNIQUE INDEX IF NOT EXISTS journey_send_once "
            "ON journey_send (step, candidate, occurrence)",
            "CREATE INDEX IF NOT EXISTS journey_send_candidate ON journey_send (candidate)",
            "CREATE INDEX IF NOT EXISTS journey_send_message_send "
            "ON journey_send_message (send)",
            "CREATE INDEX IF NOT EXISTS journey_step_journey ON journey_step (journey)",
            "CREATE INDEX IF NOT EXISTS journey_variant_step ON journey_variant (step)",
            "CREATE UNIQUE INDEX IF NOT EXISTS journey_step_key "
            "ON journey_step (journey, key) WHERE key <> ''",
            "CREATE INDEX IF NOT EXISTS message_link_send ON message_link (send)",
            "CREATE UNIQUE INDEX IF NOT EXISTS tag_key ON tag (key)",
            "CREATE UNIQUE INDEX IF NOT EXISTS candidate_tag_unique "
            "ON candidate_tag (candidate, tag)",
            "CREATE INDEX IF NOT EXISTS candidate_tag_tag ON candidate_tag (tag)",
        ]
        for statement in statements:
            await JourneySend.raw(statement).run()

    manager.add_raw(add_indexes)
    return manager
