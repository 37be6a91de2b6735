"""Indexes of the suggestion box and the surveys (raw steps run before add_table, so here)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T19:23:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Suggestion box and surveys: one row per form, one event per kind, one response"


class Suggestion(Table, tablename="suggestion"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        Suggestion._meta.refresh_db()
        statements = [
            "CREATE UNIQUE INDEX IF NOT EXISTS suggestion_client_key "
            "ON suggestion (client_key) WHERE client_key <> ''",
            "CREATE INDEX IF NOT EXISTS suggestion_status_deadline "
            "ON suggestion (status, deadline_at)",
            "CREATE INDEX IF NOT EXISTS suggestion_candidate ON suggestion (candidate)",
            "CREATE UNIQUE INDEX IF NOT EXISTS suggestion_sla_event_once "
            "ON suggestion_sla_event (suggestion, kind)",
            # One response per candidate and survey; one invite each, and the 14-day rule.
            "CREATE UNIQUE INDEX IF NOT EXISTS survey_participation_once "
            "ON survey_participation (survey, candidate)",
            "CREATE UNIQUE INDEX IF NOT EXISTS survey_invite_once "
            "ON survey_invite (survey, candidate)",
            "CREATE INDEX IF NOT EXISTS survey_invite_recent ON survey_invite (candidate, invited_at)",
            "CREATE INDEX IF NOT EXISTS survey_response_survey ON survey_response (survey)",
            "CREATE INDEX IF NOT EXISTS survey_answer_response ON survey_answer (response)",
            "CREATE INDEX IF NOT EXISTS survey_question_survey ON survey_question (survey)",
        ]
        for statement in statements:
            await Suggestion.raw(statement).run()

    manager.add_raw(add_indexes)
    return manager
