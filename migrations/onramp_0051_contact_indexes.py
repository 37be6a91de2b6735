"""Indexes of the contact features (a separate migration: Piccolo runs a migration's raw
steps before its other steps, so 0050's columns do not exist yet inside 0050)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T19:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Contact: one direct thread per candidate, one membership per person and group"


class Room(Table, tablename="room"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        # The module is imported once per process; follow the engine in use now.
        Room._meta.refresh_db()
        statements = [
            # One thread with HR per candidate, even when two first visits race.
            "CREATE UNIQUE INDEX IF NOT EXISTS room_direct_candidate_uniq "
            "ON room (direct_candidate) WHERE direct_candidate IS NOT NULL",
            "CREATE UNIQUE INDEX IF NOT EXISTS room_member_candidate_uniq "
            "ON room_member (room, candidate) WHERE candidate IS NOT NULL",
            "CREATE UNIQUE INDEX IF NOT EXISTS room_member_staff_uniq "
            "ON room_member (room, staff) WHERE staff IS NOT NULL",
            "CREATE INDEX IF NOT EXISTS room_member_candidate ON room_member (candidate)",
            "CREATE INDEX IF NOT EXISTS room_member_staff ON room_member (staff)",
            "CREATE INDEX IF NOT EXISTS answer_feedback_responder ON answer_feedback (responder)",
            "CREATE INDEX IF NOT EXISTS announcement_pinned ON announcement (pinned_until)",
        ]
        for statement in statements:
            await Room.raw(statement).run()

    manager.add_raw(add_indexes)
    return manager
