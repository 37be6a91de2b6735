"""The migrations build exactly the tables the ``tables.py`` modules declare.

This is Piccolo's own auto-diff, the one behind
``piccolo migrations new onramp --auto``: it replays the migrations into a schema snapshot
and compares it with the table classes. A column added to a ``tables.py`` without a
migration (or a migration edited by hand out of step) shows up here as a pending change,
instead of as a missing column on a database that was migrated for real.
"""

from __future__ import annotations

import contextlib
import importlib
import io

from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.columns import Varchar
from piccolo.conf.apps import AppConfig
from piccolo.table import Table

from portal.config import PROJECT_ROOT
from portal.domain.staff.tables import ApiToken
from portal.piccolo_app import APP_CONFIG


async def pending_changes(app_config: AppConfig) -> list[str]:
    """What ``piccolo migrations new onramp --auto`` would write, one statement a line."""
    manager = AutoMigrationManager(auto_input="n")  # "n": a change is no rename, no prompts
    with contextlib.redirect_stdout(io.StringIO()):  # its summary table
        alter_statements = await manager.get_alter_statements(app_config=app_config)
    return [statement for group in alter_statements for statement in group.statements]


async def test_the_migrations_and_the_tables_modules_agree():
    changes = await pending_changes(APP_CONFIG)
    assert changes == [], (
        "tables.py and migrations/ differ; generate a migration with\n"
        "  PICCOLO_CONF=portal.piccolo_conf piccolo migrations new onramp --auto\n"
        "It would contain:\n" + "\n".join(changes)
    )


async def test_a_column_without_a_migration_is_a_pending_change():
    """The check above must not pass vacuously: add a column to one table, see it reported."""
    with_note = type("ApiToken", (ApiToken,), {"note": Varchar(length=10)}, tablename="api_token")
    drifted = AppConfig(
        app_name=APP_CONFIG.app_name,
        migrations_folder_path=APP_CONFIG.migrations_folder_path,
        table_classes=[
            with_note if table is ApiToken else table for table in APP_CONFIG.table_classes
        ],
    )

    changes = await pending_changes(drifted)

    assert len(changes) == 1
    assert "add_column(table_class_name='ApiToken'" in changes[0]
    assert "column_name='note'" in changes[0]


def test_every_tables_module_belongs_to_the_piccolo_app():
    """A tables.py missing from portal/piccolo_app.py would escape the check above."""
    known = set(APP_CONFIG.table_classes)
    missing = []
    for path in sorted((PROJECT_ROOT / "portal").rglob("tables.py")):
        module_name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            is_table = isinstance(value, type) and issubclass(value, Table) and value is not Table
            if is_table and value.__module__ == module_name and value not in known:
                missing.append(f"{module_name}.{name}")
    assert missing == [], "add these modules to portal/piccolo_app.py: " + ", ".join(missing)
