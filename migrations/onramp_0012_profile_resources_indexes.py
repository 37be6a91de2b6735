"""Lookup indexes for the profile reveal log and the resource library.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the tables of 0011 do not exist yet inside 0011's raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Profile reveals by candidate; resources by kind and order, by audience"


class ProfileReveal(Table, tablename="profile_reveal"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        # The module is imported once per process; follow the engine in use now.
        ProfileReveal._meta.refresh_db()
        await ProfileReveal.raw(
            "CREATE INDEX IF NOT EXISTS profile_reveal_candidate ON profile_reveal (candidate, id)"
        ).run()
        await ProfileReveal.raw(
            "CREATE INDEX IF NOT EXISTS resource_kind_order ON resource (kind, sort_order, id)"
        ).run()
        await ProfileReveal.raw(
            "CREATE INDEX IF NOT EXISTS resource_status_audience "
            "ON resource (status, audience, department, cohort)"
        ).run()

    manager.add_raw(add_indexes)
    return manager
