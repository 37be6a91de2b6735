"""The Piccolo app that owns every Onramp table; migrations live in the top-level folder."""

from piccolo.conf.apps import AppConfig, table_finder

from portal.config import PROJECT_ROOT

APP_CONFIG = AppConfig(
    app_name="onramp",
    migrations_folder_path=str(PROJECT_ROOT / "migrations"),
    table_classes=table_finder(
        modules=[
            "portal.domain.organisation.tables",
            "portal.domain.staff.tables",
            "portal.domain.candidates.tables",
            "portal.domain.learning.tables",
            "portal.domain.rooms.tables",
            "portal.domain.sla.tables",
            "portal.domain.checklist.tables",
            "portal.domain.profiles.tables",
            "portal.domain.resources.tables",
            "portal.domain.videos.tables",
            "portal.domain.messaging.tables",
            "portal.domain.tags.tables",
            "portal.domain.journeys.tables",
            "portal.domain.faq.tables",
            "portal.domain.suggestions.tables",
            "portal.domain.surveys.tables",
            "portal.domain.shell.tables",
            "portal.domain.talent.tables",
            "portal.domain.insights.tables",
        ],
        exclude_imported=False,
    ),
    migration_dependencies=[],
    commands=[],
)
