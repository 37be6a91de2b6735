"""Talent pool: indexes (the default reasons and cadence: ``talent_defaults_ensure``).

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps (see 0024).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T19:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Talent pool: one entry per candidate, unique needs and recalls"


class TalentEntry(Table, tablename="talent_entry"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes_and_defaults():
        TalentEntry._meta.refresh_db()
        statements = [
            "CREATE UNIQUE INDEX IF NOT EXISTS talent_entry_candidate "
            "ON talent_entry (candidate)",
            "CREATE INDEX IF NOT EXISTS talent_entry_status ON talent_entry (status)",
            "CREATE INDEX IF NOT EXISTS talent_entry_department ON talent_entry (department)",
            "CREATE UNIQUE INDEX IF NOT EXISTS talent_need_unique ON talent_need (entry, name)",
            "CREATE INDEX IF NOT EXISTS talent_need_name ON talent_need (name)",
            "CREATE INDEX IF NOT EXISTS talent_event_entry ON talent_event (entry)",
            "CREATE UNIQUE INDEX IF NOT EXISTS talent_recall_once ON talent_recall (entry, round, day)",
            "CREATE INDEX IF NOT EXISTS talent_task_entry ON talent_task (entry)",
            "CREATE INDEX IF NOT EXISTS talent_cadence_step_reason "
            "ON talent_cadence_step (reason)",
            "CREATE INDEX IF NOT EXISTS growth_step_position ON growth_step (position)",
        ]
        for statement in statements:
            await TalentEntry.raw(statement).run()

    manager.add_raw(add_indexes_and_defaults)
    return manager
