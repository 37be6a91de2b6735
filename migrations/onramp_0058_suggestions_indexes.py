"""Indexes of the suggestion box (a separate migration: raw steps run before add_table)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T19:23:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Suggestion box: one row per form, one event per kind, lookups"


class Suggestion(Table, tablename="suggestion"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        Suggestion._meta.refresh_db()
        statements = [
            "CREATE UNIQUE INDEX IF NOT EXISTS suggestion_client_key "
            "ON suggestion (client_key) WHERE client_key <> ''",
            "CREATE INDEX IF NOT EXISTS suggestion_status_deadline "
            "ON suggestion (status, deadline_at)",
            "CREATE INDEX IF NOT EXISTS suggestion_candidate ON suggestion (candidate)",
            "CREATE UNIQUE INDEX IF NOT EXISTS suggestion_sla_event_once "
            "ON suggestion_sla_event (suggestion, kind)",
        ]
        for statement in statements:
            await Suggestion.raw(statement).run()

    manager.add_raw(add_indexes)
    return manager
