"""Template set-up: Jinja2 with Babel's gettext bound to the request's locale."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from portal import i18n
from portal.config import TEMPLATES_DIR
from portal.web.admin_nav import admin_nav_drawer
from portal.web.app_shell import app_shell_of
from portal.web.question_cards import question_cards_drawer
from portal.web.template_languages import LanguageTemplateEngine
from portal.web.text_links import linkify


def _to_zone(value: datetime, timezone: str) -> datetime:
    return value.astimezone(ZoneInfo(timezone))


def _template_gettext(message: str, **variables: Any) -> Markup:
    """``{{ _("…") }}`` in a template: what Jinja's new-style ``_`` does, in one call.

    Jinja's own ``_`` reaches the translation through three context calls (alias, wrapper,
    callable), each looking up how to pass arguments; pages make thirty to a hundred of
    them. The result is the same: the translation marked safe (a translator's markup
    stays), the variables escaped into it by ``%``, which also turns ``%%`` into ``%`` as
    Jinja does. Most calls have no variables: those are kept per language and message.
    """
    if not variables:
        return _constant_text(i18n.get_locale(), message)
    translation = i18n.translations_for(i18n.get_locale()).gettext(message)
    return Markup(translation) % variables  # noqa: S704 - translators' text, as Jinja's own _


@functools.lru_cache(maxsize=8192)
def _constant_text(locale: str, message: str) -> Markup:
    translation = i18n.translations_for(locale).gettext(message)
    return Markup(translation) % {}  # noqa: S704 - translators' text, as Jinja's own _


def _tabbar_drawer(env: Environment) -> Any:
    """``{{ tabbar(shell) }}``: the candidate tab bar, drawn once per language, tab and badges.

    It is the same on every page but for those (a few hundred variants in practice), and
    drawing its sprite and five tabs was a fifth of a small page's rendering.
    """

    @functools.lru_cache(maxsize=2048)
    def drawn(locale: str, tab: str, answers: int, inbox: int, rejected: int) -> Markup:
        shell = {"tab": tab, "badges": {"answers": answers, "inbox": inbox, "rejected": rejected}}
        return Markup(env.get_template("portal/_tabbar.html").render(shell=shell))  # noqa: S704

    def tabbar(shell: Any) -> Markup:
        badges = shell.badges
        return drawn(i18n.get_locale(), shell.tab, badges.answers, badges.inbox, badges.rejected)

    return tabbar


def configure_environment(engine: LanguageTemplateEngine) -> None:
    for env in engine.environments.values():
        _configure(env)


def _configure(env: Environment) -> None:
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
    # Every template environment here escapes (Litestar's engine sets autoescape=True),
    # which _template_gettext's Markup assumes. The calls left for it are those the
    # environment could not translate when compiling (portal/web/template_languages.py).
    assert env.autoescape is True
    env.globals["_"] = _template_gettext
    env.globals.update(
        tabbar=_tabbar_drawer(env),
        admin_nav=admin_nav_drawer(env),
        question_cards=question_cards_drawer(env),
        app_shell_of=app_shell_of,
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
        engine=LanguageTemplateEngine,
        engine_callback=configure_environment,
    )
