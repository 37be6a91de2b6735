from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T12:21:04:215982"
VERSION = "1.38.0"
DESCRIPTION = "Room: which staff see a private thread (HR only, or also the department manager)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="onramp", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="RoomMessage",
        tablename="room_message",
        column_name="private_role",
        db_column_name="private_role",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
