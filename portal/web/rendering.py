"""Template set-up: Jinja2 with Babel's gettext bound to the request's locale."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from portal import i18n
from portal.config import TEMPLATES_DIR
from portal.web.text_links import linkify


def _to_zone(value: datetime, timezone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(timezone))


def configure_environment(engine: JinjaTemplateEngine) -> None:
    env: Environment = engine.engine
    # Templates ship with the code (a deploy restarts the server): without this, Jinja
    # stats every template file, and each one it extends or includes, on every render.
    env.auto_reload = False
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations_for(i18n.get_locale()).gettext(message),
        lambda singular, plural, n: i18n.translations_for(i18n.get_locale()).ngettext(
            singular, plural, n
        ),
        newstyle=True,
    )
    env.globals.update(
        html_lang=i18n.html_lang,
        current_locale=i18n.get_locale,
    )
    env.filters.update(
        date=i18n.format_local_date,
        time=i18n.format_local_time,
        datetime=i18n.format_local_datetime,
        in_zone=_to_zone,
        linkify=linkify,
    )


def template_config() -> TemplateConfig[Any]:
    return TemplateConfig(
        directory=TEMPLATES_DIR,
        engine=JinjaTemplateEngine,
        engine_callback=configure_environment,
    )
