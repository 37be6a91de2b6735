"""Indexes for the welcome videos.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the table of 0013 does not exist yet inside 0013's raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T10:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Welcome videos: at most one approved (current) video per department"


class WelcomeVideo(Table, tablename="welcome_video"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        # The module is imported once per process; follow the engine in use now.
        WelcomeVideo._meta.refresh_db()
        # A partial unique index works the same on SQLite and PostgreSQL: two approvals
        # racing for one department cannot both leave their video current.
        await WelcomeVideo.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS welcome_video_one_approved "
            "ON welcome_video (department) WHERE status = 'approved'"
        ).run()
        await WelcomeVideo.raw(
            "CREATE INDEX IF NOT EXISTS welcome_video_department_status "
            "ON welcome_video (department, status)"
        ).run()

    manager.add_raw(add_indexes)
    return manager
