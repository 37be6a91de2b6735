"""Indexes for insights (a separate migration: raw steps run before 0060's add_table steps)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T19:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Insights: activity and risk lookups; one current assessment per candidate"


class ActivityEvent(Table, tablename="activity_event"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        ActivityEvent._meta.refresh_db()
        statements = [
            # A candidate's recent activity (weekly active, follow-up within 72 h).
            "CREATE INDEX IF NOT EXISTS activity_event_candidate_time "
            "ON activity_event (candidate, occurred_at)",
            # Retention deletes by time; content figures count by subject.
            "CREATE INDEX IF NOT EXISTS activity_event_time ON activity_event (occurred_at)",
            "CREATE INDEX IF NOT EXISTS activity_event_kind_subject "
            "ON activity_event (kind, area, subject)",
            "CREATE UNIQUE INDEX IF NOT EXISTS activity_daily_key "
            "ON activity_daily (day, cohort, department, kind, area, subject)",
            "CREATE UNIQUE INDEX IF NOT EXISTS risk_assessment_current "
            "ON risk_assessment (candidate) WHERE is_current",
            "CREATE INDEX IF NOT EXISTS risk_assessment_candidate "
            "ON risk_assessment (candidate, computed_at)",
            # Dashboards choose candidates by cohort; the risk's inputs read questions by asker.
            "CREATE INDEX IF NOT EXISTS candidate_cohort_status ON candidate (cohort, status)",
            "CREATE INDEX IF NOT EXISTS room_question_asker ON room_question (asker, status)",
            "CREATE INDEX IF NOT EXISTS risk_intervention_candidate "
            "ON risk_intervention (candidate, created_at)",
        ]
        for statement in statements:
            await ActivityEvent.raw(statement).run()

    manager.add_raw(add_indexes)
    return manager
