"""The tab bar's "new answers" badge: when each candidate last opened a room."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Candidate(Table, tablename="candidate", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False)


ID = "2026-11-29T18:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "App shell: candidate_seen (new-answer badge)"


def _params(**overrides):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)
    manager.add_table(
        class_name="CandidateSeen", tablename="candidate_seen", schema=None, columns=None
    )
    manager.add_column(
        table_class_name="CandidateSeen",
        tablename="candidate_seen",
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params=_params(primary_key=True),
        schema=None,
    )
    manager.add_column(
        table_class_name="CandidateSeen",
        tablename="candidate_seen",
        column_name="candidate",
        db_column_name="candidate",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_params(
            references=Candidate,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
            unique=True,
        ),
        schema=None,
    )
    manager.add_column(
        table_class_name="CandidateSeen",
        tablename="candidate_seen",
        column_name="answers_seen_at",
        db_column_name="answers_seen_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(default=TimestamptzNow()),
        schema=None,
    )
    return manager
