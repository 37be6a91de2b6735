"""Indexes for the checklist tables (a separate migration: raw steps run before add_table)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T09:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Checklist: one submission per (candidate, template); lookup indexes"


class ChecklistSubmission(Table, tablename="checklist_submission"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        # The module is imported once per process; follow the engine in use now.
        ChecklistSubmission._meta.refresh_db()
        # What a candidate hands in for an item is one row, however often they retry.
        await ChecklistSubmission.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS checklist_submission_candidate_template_uniq "
            "ON checklist_submission (candidate, template)"
        ).run()
        # The review queue: by status, oldest first.
        await ChecklistSubmission.raw(
            "CREATE INDEX IF NOT EXISTS checklist_submission_status_submitted "
            "ON checklist_submission (status, submitted_at)"
        ).run()
        await ChecklistSubmission.raw(
            "CREATE INDEX IF NOT EXISTS checklist_file_submission ON checklist_file (submission)"
        ).run()
        await ChecklistSubmission.raw(
            "CREATE INDEX IF NOT EXISTS checklist_review_submission "
            "ON checklist_review (submission)"
        ).run()

    manager.add_raw(add_indexes)
    return manager
