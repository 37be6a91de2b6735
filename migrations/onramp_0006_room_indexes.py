"""Room indexes and the default question categories.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the tables of 0005 do not exist yet inside 0005's raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T09:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Rooms: idempotent sends, one default room per cohort, default categories"


class Room(Table, tablename="room"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_room_indexes():
        # The module is imported once per process; follow the engine in use now.
        Room._meta.refresh_db()
        statements = [
            # A retried send (same author, same client_id) is stored once.
            "CREATE UNIQUE INDEX IF NOT EXISTS room_message_author_client_uniq "
            "ON room_message (author_key, client_id)",
            "CREATE INDEX IF NOT EXISTS room_message_room_id ON room_message (room, id)",
            # Each cohort has one room for everybody (rooms per department come on top).
            "CREATE UNIQUE INDEX IF NOT EXISTS room_cohort_default_uniq "
            "ON room (cohort) WHERE department IS NULL",
            "CREATE INDEX IF NOT EXISTS room_question_status_deadline "
            "ON room_question (status, deadline_at)",
            "CREATE INDEX IF NOT EXISTS room_mute_room_candidate ON room_mute (room, candidate)",
            # A member reports a message once.
            "CREATE UNIQUE INDEX IF NOT EXISTS message_report_message_reporter_uniq "
            "ON message_report (message, reporter)",
        ]
        for statement in statements:
            await Room.raw(statement).run()

    async def seed_question_categories():
        Room._meta.refresh_db()
        categories = [
            ("岗位职责", "Job duties", "manager"),
            ("薪资福利", "Pay and benefits", "hr"),
            ("培训安排", "Training arrangements", "hr"),
            ("入职材料", "Onboarding documents", "hr"),
            ("其他", "Other", "hr"),
        ]
        for order, (name, name_en, role) in enumerate(categories, start=1):
            await Room.raw(
                "INSERT INTO question_category (name, name_en, responder_role, sort_order, "
                "is_active) VALUES ({}, {}, {}, {}, {})",
                name, name_en, role, order, True,
            ).run()  # fmt: skip

    manager.add_raw(add_room_indexes)
    manager.add_raw(seed_question_categories)
    return manager
