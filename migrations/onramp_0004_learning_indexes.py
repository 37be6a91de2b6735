"""Composite indexes for the learning tables.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the tables of 0003 do not exist yet inside 0003's raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T00:37:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Learning: one ledger entry per (candidate, source); lookup indexes"


class PointEntry(Table, tablename="point_entry"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_composite_indexes():
        # The module is imported once per process; follow the engine in use now.
        PointEntry._meta.refresh_db()
        # Plain CREATE UNIQUE INDEX: SQLite cannot ALTER TABLE ... ADD CONSTRAINT.
        # A course's points, a redemption's charge and its refund are each written once.
        await PointEntry.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS point_entry_candidate_source_uniq "
            "ON point_entry (candidate, source_key)"
        ).run()
        await PointEntry.raw(
            "CREATE INDEX IF NOT EXISTS quiz_attempt_candidate_course "
            "ON quiz_attempt (candidate, course)"
        ).run()
        await PointEntry.raw(
            "CREATE INDEX IF NOT EXISTS redemption_candidate_reward "
            "ON redemption (candidate, reward)"
        ).run()

    manager.add_raw(add_composite_indexes)
    return manager
