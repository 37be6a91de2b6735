"""Indexes of the instant answers, and the index filled from what is already published.

A separate migration because Piccolo runs a migration's raw steps before its
``add_table`` steps, so the tables of 0055 do not exist yet inside 0055's raw step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T19:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Instant answers: one document per source, term lookups, one record per submit"


class FaqDoc(Table, tablename="faq_doc"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def add_indexes():
        FaqDoc._meta.refresh_db()
        statements = [
            "CREATE UNIQUE INDEX IF NOT EXISTS faq_doc_source ON faq_doc (source, source_id)",
            # The search reads (term → doc, tf) from the index alone.
            "CREATE INDEX IF NOT EXISTS faq_term_lookup ON faq_term (term, doc, tf, doc_length)",
            "CREATE INDEX IF NOT EXISTS faq_term_doc ON faq_term (doc)",
            "CREATE UNIQUE INDEX IF NOT EXISTS faq_instant_answer_once "
            "ON faq_instant_answer (candidate, client_key) WHERE client_key <> ''",
            "CREATE INDEX IF NOT EXISTS faq_instant_answer_created "
            "ON faq_instant_answer (created_at)",
        ]
        for statement in statements:
            await FaqDoc.raw(statement).run()
        # FAQ entries and answers published before this version become searchable. Only
        # when there is something to index: the service is today's code, so a fresh database
        # (every test run, every new install) never depends on it matching this schema.
        rows = await FaqDoc.raw(
            "SELECT (SELECT COUNT(*) FROM resource WHERE kind = 'faq' AND status = 'published')"
            " + (SELECT COUNT(*) FROM room_question WHERE status = 'answered') AS n"
        ).run()
        if rows and rows[0]["n"]:
            from portal.domain.faq.index import faq_index_rebuild

            await faq_index_rebuild()

    manager.add_raw(add_indexes)
    return manager
