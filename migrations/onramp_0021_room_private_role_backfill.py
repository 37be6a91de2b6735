"""Private threads from before 0020 learn who may see them, from their question's category.

A separate migration because Piccolo runs a migration's raw steps before its other steps,
so 0020's column does not exist yet inside a raw step of 0020. A thread whose question
cannot be found stays NULL, which reads as "HR only" (the stricter choice).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T12:21:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "Room: private threads' audience from their question's routing"


class RoomMessage(Table, tablename="room_message"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def backfill():
        # The module is imported once per process; follow the engine in use now.
        RoomMessage._meta.refresh_db()
        await RoomMessage.raw(
            "UPDATE room_message SET private_role = (SELECT q.responder_role FROM room_question q "
            "WHERE q.message = room_message.id) "
            "WHERE private_to IS NOT NULL AND private_role IS NULL AND kind = 'question'"
        ).run()
        # Replies inherit their thread's audience; replies to replies a step later each time.
        for _ in range(3):
            await RoomMessage.raw(
                "UPDATE room_message SET private_role = (SELECT t.private_role "
                "FROM room_message t WHERE t.id = room_message.reply_to) "
                "WHERE private_to IS NOT NULL AND private_role IS NULL "
                "AND reply_to IS NOT NULL"
            ).run()

    manager.add_raw(backfill)
    return manager
