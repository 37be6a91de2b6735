"""Redemptions: the client key is unique per candidate.

A separate migration because Piccolo runs a migration's raw steps before its
``add_column`` steps (see 0024), so 0067's column does not exist yet inside its raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T05:53:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Redemptions: one per candidate and client key"


class Redemption(Table, tablename="redemption"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_index():
        await Redemption.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS redemption_client_key "
            "ON redemption (candidate, client_key) WHERE client_key IS NOT NULL"
        ).run()

    manager.add_raw(add_index)
    return manager
