"""Locale negotiation and translations (Babel catalogs under ``portal/locale``).

Message ids are English; zh-CN is the default language. The current request's locale
lives in a context variable set by :class:`LocaleMiddleware`, so templates, services
and formatting helpers all translate without passing the request around.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from portal.scope_headers import cookie_from_scope, header_from_scope, is_static_file

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "zh_CN"
SUPPORTED_LOCALES = ("zh_CN", "en")
LOCALE_COOKIE = "onramp_lang"

_current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "onramp_locale", default=DEFAULT_LOCALE
)


@cache
def translations_for(locale: str) -> NullTranslations:
    """Compile the locale's .po catalogs in memory (no build step, no .mo files in the repo).

    Each area of the product keeps its own catalog file (``portal.po``, ``admin.po``…) in
    ``LC_MESSAGES``; they are merged into one set of translations here.
    """
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    paths = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not paths:
        return NullTranslations()
    # A fresh catalog takes its plural rule from the locale, whatever the files' headers say.
    merged = Catalog(locale=locale)
    for path in paths:
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(fp=buffer)


def get_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current_locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


def reset_locale(token: contextvars.Token[str]) -> None:
    _current_locale.reset(token)


def localized_name(name: str | None, name_en: str | None) -> str:
    """A name HR keeps in Chinese with an optional English one (stages, question
    categories): the English one when the page is in English and it has one."""
    if name_en and _current_locale.get() == "en":
        return name_en
    return name or ""


def gettext(message: str, **variables: object) -> str:
    text = translations_for(get_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations_for(get_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def negotiate_locale(cookie_value: str | None, accept_language: str | None) -> str:
    """The user's explicit choice wins, then the browser's preference, then zh-CN."""
    if cookie_value in SUPPORTED_LOCALES:
        return cookie_value
    if accept_language:
        preferred = []
        for part in accept_language.split(","):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            if tag:
                preferred.append((quality, tag.replace("-", "_")))
        preferred.sort(key=lambda item: -item[0])
        chosen = Locale.negotiate([tag for _, tag in preferred], SUPPORTED_LOCALES, sep="_")
        if chosen is not None:
            return str(chosen)
        for _, tag in preferred:
            language = tag.split("_")[0].lower()
            if language == "zh":
                return "zh_CN"
            if language == "en":
                return "en"
    return DEFAULT_LOCALE


def html_lang() -> str:
    return "zh-CN" if get_locale() == "zh_CN" else "en"


@cache
def _babel_locale_named(locale: str) -> Locale:
    return Locale.parse(locale)


def babel_locale() -> Locale:
    """The request's locale as Babel's object, parsed once per process.

    Babel's formatters accept a locale's name too, but then parse it (and look up its data)
    on every call: a page with twenty dates paid that twenty times.
    """
    return _babel_locale_named(get_locale())


def format_local_date(value: date, fmt: str = "medium") -> str:
    return _formatted(format_date, fmt, value)


def format_local_time(value: datetime) -> str:
    return _formatted(format_time, "short", value)


def format_local_datetime(value: datetime, fmt: str = "medium") -> str:
    return _formatted(format_datetime, fmt, value)


def _formatted(formatter: Callable[..., str], fmt: str, value: date) -> str:
    """Babel's text for ``value``, made once per value, zone, format and language.

    Pages show the same few dates on every request (a start date, deadlines), and Babel
    builds each from its pattern again (~10 µs, a tenth of a home page's CPU). The key is
    the wall time with its zone rather than the value: two aware datetimes of the same
    instant are equal, but one in Shanghai and one in UTC read differently.
    """
    if isinstance(value, datetime):
        key = (value.replace(tzinfo=None), value.tzinfo, value.fold)
    else:
        key = (value, None, 0)
    return _formatted_text(formatter, fmt, get_locale(), type(value), *key)


@lru_cache(maxsize=4096)
def _formatted_text(
    formatter: Callable[..., str],
    fmt: str,
    locale: str,
    kind: type,
    wall: date,
    zone: tzinfo | None,
    fold: int,
) -> str:
    value = wall.replace(tzinfo=zone, fold=fold) if kind is datetime else wall  # type: ignore[call-arg]
    return formatter(value, format=fmt, locale=_babel_locale_named(locale))


def scope_locale(scope: Scope) -> str:
    """The locale for a request; also used by error handlers that run outside the middleware."""
    cookie_value = cookie_from_scope(scope, LOCALE_COOKIE)
    accept_language = header_from_scope(scope, b"accept-language")
    if scope["path"].startswith("/api/") and not accept_language:
        # Integrations read English unless they ask for another language.
        return "en"
    return negotiate_locale(cookie_value, accept_language)


class LocaleMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)
    should_bypass_for_scope = staticmethod(is_static_file)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = set_locale(scope_locale(scope))
        try:
            await next_app(scope, receive, send)
        finally:
            reset_locale(token)
