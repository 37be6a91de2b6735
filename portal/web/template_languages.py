"""One Jinja environment per language; each template's ``_("…")`` is translated when compiled.

A page calls ``_()`` thirty to a hundred and twenty times (the SLA tracker's cards), and each
call went through Jinja's context machinery at every render: the largest part of a page's
rendering after the markup itself. The text of ``_("a literal")`` cannot change while the
process runs (the catalogs are compiled at start-up, ``portal/i18n.py``), so an environment
that belongs to one language replaces such a call in the template's syntax tree by its
translation, as a constant:

- ``_("Send")`` becomes the translation marked safe, exactly what the call returned (Jinja's
  new-style gettext: the translation as ``Markup``, ``%%`` turned into ``%``);
- ``_("Welcome, %(name)s!", name=x)`` becomes ``Markup(translation) % {"name": x}``, which
  escapes ``x`` as the call did.

``{% trans %}`` blocks get the same: without a plural, like ``_`` with values; with one
(``{% trans count=n %}…{% pluralize %}…{% endtrans %}``), the form is still chosen at render
time (it depends on the number), by a filter bound to the environment's catalog rather than
through the context's call machinery (a checklist page has one or two per item).

Anything else (``_(a_variable)``) still calls the translation at render time, in the
request's language. Templates are compiled once per language and
process; the page renderer picks the environment of the request's language.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, nodes, pass_context
from jinja2.visitor import NodeTransformer
from litestar.exceptions import TemplateNotFoundException
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup

from portal import i18n
from portal.web.template_output import PlainTextOutputCodeGenerator, html_text


class _TranslatedAtCompile(NodeTransformer):
    def __init__(self, language: str) -> None:
        self.language = language

    def visit_Call(self, node: nodes.Call) -> nodes.Node:  # noqa: N802 - Jinja's visitor naming
        node = self.generic_visit(node)  # type: ignore[assignment]
        if not isinstance(node.node, nodes.Name) or node.dyn_args or node.dyn_kwargs:
            return node
        texts = [arg.value for arg in node.args if isinstance(arg, nodes.Const)]
        if not all(isinstance(text, str) for text in texts):
            return node
        if node.node.name in ("_", "gettext") and len(node.args) == len(texts) == 1:
            return self._translated(node)
        if (
            node.node.name == "ngettext"
            and len(node.args) == 3
            and len(texts) == 2
            # Jinja's parser has stored a call's result in a name first; anything else it
            # evaluates twice itself (the number and the value), as the code below does.
            and not isinstance(node.args[2], nodes.Call)
        ):
            return self._plural(node)
        return node

    def _plural(self, node: nodes.Call) -> nodes.Node:
        """``ngettext(singular, plural, n, **values)`` as Jinja's new-style call made it:
        the form for ``n`` marked safe, then ``%`` with the values (``num`` defaults to n)."""
        singular, plural, count = node.args
        chosen = nodes.Filter(count, "_ngettext", [singular, plural], [], None, None)
        pairs = [nodes.Pair(nodes.Const(kw.key), kw.value) for kw in node.kwargs]
        texts = (singular.value, plural.value)  # type: ignore[attr-defined]
        wants_num = any("%(num)" in text for text in texts)
        if wants_num and not any(kw.key == "num" for kw in node.kwargs):
            pairs.append(nodes.Pair(nodes.Const("num"), count))
        for part in (chosen, *pairs):
            part.set_lineno(node.lineno)
        return _formatted(chosen, pairs, texts, node.lineno)

    def _translated(self, node: nodes.Call) -> nodes.Node:
        text = i18n.translations_for(self.language).gettext(node.args[0].value)
        if node.kwargs:
            pairs = [nodes.Pair(nodes.Const(kw.key), kw.value) for kw in node.kwargs]
            return _formatted(nodes.Const(text), pairs, (text,), node.lineno)
        try:
            constant = str(Markup(text) % {})  # noqa: S704 - translators' text, as Jinja's _
        except (KeyError, TypeError, ValueError):
            return node  # a placeholder without its value: fails at render, as before
        return nodes.MarkSafe(nodes.Const(constant), lineno=node.lineno)


# A %-placeholder that is not ``%(name)s`` or ``%%``.
_OTHER_PLACEHOLDER = re.compile(r"%(?!%|\(\w+\)s)")


def _formatted(
    text: nodes.Expr, pairs: list[nodes.Pair], texts: tuple[str, ...], lineno: int
) -> nodes.Expr:
    """``Markup(text) % {name: value}``, what Jinja's new-style gettext returns.

    markupsafe's ``%`` wraps the values in a helper that escapes each one when it is
    formatted (~3 µs for a sentence with two values). When every placeholder of the text
    is ``%(name)s``, escaping the values first and formatting plain text gives the same
    characters: ``Markup(text % {name: html_text(value)})``. A text with other
    conversions (``%(n)d``) keeps markupsafe's ``%``.
    """
    if any(_OTHER_PLACEHOLDER.search(candidate) for candidate in texts):
        return nodes.Mod(nodes.MarkSafe(text), nodes.Dict(pairs, lineno=lineno), lineno=lineno)
    escaped = [
        nodes.Pair(pair.key, nodes.Filter(pair.value, "html_text", [], [], None, None))
        for pair in pairs
    ]
    for pair in escaped:
        pair.set_lineno(lineno)
    return nodes.MarkSafe(nodes.Mod(text, nodes.Dict(escaped), lineno=lineno), lineno=lineno)


# What ``getattr`` finds on a plain dict: its class's attributes (a dict has no others).
_DICT_ATTRIBUTES = frozenset(dir(dict))


class LanguageEnvironment(Environment):
    """A Jinja environment whose templates are compiled for one language."""

    # ``{{ … }}`` output as plain escaped text (portal/web/template_output.py).
    code_generator_class = PlainTextOutputCodeGenerator

    def __init__(self, language: str, **options: Any) -> None:
        super().__init__(**options)
        self.language = language
        self.html_text = html_text  # what PlainTextOutputCodeGenerator's code calls
        self.filters["html_text"] = html_text  # values of translated texts (_formatted)
        self._inlining: tuple[str, ...] = ()  # the includes being compiled in, outermost first
        translations = i18n.translations_for(language)
        # {% trans count=n %} blocks, compiled into this filter (see _TranslatedAtCompile).
        self.filters["_ngettext"] = lambda count, singular, plural: translations.ngettext(
            singular, plural, count
        )

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` in a template, with the same result as Jinja's, faster for rows.

        Jinja tries ``getattr`` first and the item second. Pages pass rows as dicts (a
        room page's thirty messages, ~25 look-ups each), so almost every look-up raised
        and caught an AttributeError first. On a plain dict that ``getattr`` can only
        succeed for the names ``dir(dict)`` lists, so any other name goes to the item
        straight away: the same answer without the exception.
        """
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        # Jinja's own rule, written out here rather than reached through super(): one call
        # less for each of the 200-450 look-ups of a page's objects.
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one plain dict: the environment's, then its own.

        Jinja's is a ``ChainMap`` over the environment's globals, and every render copies
        the whole of it twice (into the page's context, and its names into a set), which a
        ChainMap does key by key in Python. The globals are all set when the app starts,
        before the first template loads (Jinja asks for no changes after that), so a copy
        made when the template loads holds the same.
        """
        return {**self.globals, **(d or {})}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        tree = _IncludesInlined(self, name, self._inlining).visit(tree)
        return _TranslatedAtCompile(self.language).visit(tree)  # type: ignore[no-any-return]


# What an included template may not hold to be compiled into the page that includes it:
# blocks and extends belong to its own inheritance, macros and imports to its own module.
_OWN_TEMPLATE_NODES = (nodes.Extends, nodes.Block, nodes.Macro, nodes.Import, nodes.FromImport)


class _IncludesInlined(NodeTransformer):
    """``{% include "name" %}`` compiled into the including template, in a scope of its own.

    Jinja runs an include at every render: it looks the template up, then builds it a new
    context from a copy of every variable in the page (~8 µs each, five on the home page).
    An include of a fixed name, with context, of a template that only outputs (no blocks,
    extends, macros or imports), becomes that template's body in a ``Scope``: it sees the
    same variables, and its ``{% set %}`` stays its own, as with the include. Templates
    are not reloaded while the process runs (``auto_reload`` is off), so the copy cannot
    go stale. Any other include is left to Jinja.
    """

    def __init__(
        self, environment: LanguageEnvironment, name: str | None, within: tuple[str, ...]
    ) -> None:
        self.environment = environment
        self.name = name
        self.within = (*within, name or "")

    def visit_Include(self, node: nodes.Include) -> nodes.Node:  # noqa: N802 - Jinja's naming
        target = node.template
        if not (
            isinstance(target, nodes.Const)
            and isinstance(target.value, str)
            and node.with_context
            and not node.ignore_missing
            and self.environment.loader is not None
        ):
            return node
        name = self.environment.join_path(target.value, self.name or "")
        if name in self.within:
            return node  # a template that includes itself (a tree): Jinja's include recurses
        try:
            source, filename, _ = self.environment.loader.get_source(self.environment, name)
        except TemplateNotFound:
            return node  # fails at render, as before
        outer, self.environment._inlining = self.environment._inlining, self.within
        try:
            included = self.environment._parse(source, name, filename)
        finally:
            self.environment._inlining = outer
        if any(included.find_all(_OWN_TEMPLATE_NODES)):
            return node
        return nodes.Scope(included.body, lineno=node.lineno)


class LanguageTemplateEngine(JinjaTemplateEngine):
    """Litestar's Jinja engine with an environment per supported language.

    ``engine`` (what Litestar and ``engine_callback`` see) is the default language's;
    ``environments`` holds all of them, and each template is fetched from the one of the
    request's language.
    """

    def __init__(
        self, directory: Path | list[Path] | None = None, engine_instance: Environment | None = None
    ) -> None:
        if engine_instance is not None or directory is None:
            raise ValueError("LanguageTemplateEngine builds its own environments from a directory")
        loader = FileSystemLoader(searchpath=directory)
        # cache_size=-1: the compiled templates in a plain dict. Jinja's default keeps 400 in
        # an LRU that, on every look-up (each page, its layout, each include left to Jinja),
        # takes a lock and moves the name to the end of a deque by scanning it, comparing
        # (weak reference, name) keys: 1-2 % of a page. The templates ship with the code,
        # so they are a fixed, small set.
        self.environments = {
            language: LanguageEnvironment(language, loader=loader, autoescape=True, cache_size=-1)
            for language in i18n.SUPPORTED_LOCALES
        }
        super().__init__(engine_instance=self.environments[i18n.DEFAULT_LOCALE])

    def environment(self) -> Environment:
        """The environment of the request's language."""
        return self.environments.get(i18n.get_locale(), self.engine)

    def get_template(self, template_name: str) -> Any:
        try:
            return self.environment().get_template(name=template_name)
        except TemplateNotFound as error:
            raise TemplateNotFoundException(template_name=template_name) from error

    def register_template_callable(self, key: str, template_callable: Any) -> None:
        for environment in self.environments.values():
            environment.globals[key] = pass_context(template_callable)

    def render_string(self, template_string: str, context: Any) -> str:
        return self.environment().from_string(template_string).render(context)
