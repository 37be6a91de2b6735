"""SLA indexes.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the tables of 0007 do not exist yet inside 0007's raw step.
The policy row is not seeded: it is created with its defaults the first time HR saves it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T09:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "SLA: one warning and one breach per question; event and answer lookups"


class SlaEvent(Table, tablename="sla_event"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_sla_indexes():
        # The module is imported once per process; follow the engine in use now.
        SlaEvent._meta.refresh_db()
        statements = [
            # Several workers check at the same moment: the index decides which one records
            # (and notifies) a question's warning or breach.
            "CREATE UNIQUE INDEX IF NOT EXISTS sla_event_question_kind_uniq "
            "ON sla_event (question, kind)",
            "CREATE INDEX IF NOT EXISTS sla_event_created_at ON sla_event (created_at)",
            # Figures select questions by the time they were asked.
            "CREATE INDEX IF NOT EXISTS room_question_asked_at ON room_question (asked_at)",
        ]
        for statement in statements:
            await SlaEvent.raw(statement).run()

    manager.add_raw(add_sla_indexes)
    return manager
