"""``{{ … }}`` output as plain escaped text: the same page as Jinja's own code makes."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment, StrictUndefined, UndefinedError
from markupsafe import Markup, escape

from portal.web.template_languages import LanguageEnvironment
from portal.web.template_output import html_text

pytestmark = pytest.mark.one_database


class _Html:
    def __html__(self) -> str:
        return "<i>own</i>"


class _Text:
    def __str__(self) -> str:
        return 'a "quoted" <thing>'


VALUES = ["<script>alert('x')</script> & \"q\"", 42, 1.5, None, True, Markup("<b>ok</b>"),
          _Html(), _Text(), ["<li>"], {"k": "<v>"}, ""]  # fmt: skip


@pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
def test_html_text_is_what_escape_gives(value):
    assert html_text(value) == str(escape(value))
    assert isinstance(html_text(value), str)


TEMPLATES = {
    "page.html": (
        "{% extends 'base.html' %}{% block body %}<p title=\"{{ v }}\">{{ v }}</p>"
        "{% set kept %}<i>{{ v }}</i>{% endset %}{{ kept }}{{ kept|length }}"
        "{% macro card(x) %}<div>{{ x }}</div>{% endmacro %}{{ card(v) }}{{ card(v)|upper }}"
        "{% macro box() %}<div>{{ caller() }}</div>{% endmacro %}"
        "{% call box() %}{{ v }}{% endcall %}"
        "{% filter upper %}{{ v }}{% endfilter %}"
        "{% for item in [v, v] %}{{ loop.index }}{{ item }}{% endfor %}"
        "{% include 'part.html' %}{{ super() }}{% autoescape false %}{{ v }}{% endautoescape %}"
        "{{ v ~ '<raw>' }}{{ missing }}{% endblock %}"
    ),
    "base.html": "<main>{% block body %}<s>{{ v }}</s>{% endblock %}</main>",
    "part.html": "<em>{{ v }}</em>",
}


@pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
def test_pages_render_as_with_jinjas_own_code(value):
    """Buffers, macros, call and filter blocks, includes, super() and a block without
    autoescaping: each gives the same text, and ``{{ kept }}`` stays escaped once only."""
    own = Environment(loader=DictLoader(TEMPLATES), autoescape=True)
    ours = LanguageEnvironment("zh_CN", loader=DictLoader(TEMPLATES), autoescape=True)
    page = ours.get_template("page.html")
    assert "environment.html_text(" in ours.compile(TEMPLATES["page.html"], raw=True)
    assert page.render(v=value) == own.get_template("page.html").render(v=value)


def test_a_strict_undefined_still_fails():
    ours = LanguageEnvironment("zh_CN", autoescape=True, undefined=StrictUndefined)
    with pytest.raises(UndefinedError):
        ours.from_string("{{ nothing }}").render()


# Inheritance the joined roots and blocks must keep in order: text before {% extends %},
# a block inside a block, self.block(), super() two levels up, a scoped block in a loop,
# a template with blocks included with its context, an import whose body has text.
INHERITANCE = {
    "child.html": (
        "before {% extends 'middle.html' %}ignored"
        "{% block title %}T{{ v }} {{ super() }}{% endblock %}"
        "{% block body %}<b>{{ v }}</b>[{{ self.title() }}]{{ super() }}"
        "{% block inner %}in{{ v }}{% endblock %}{% endblock %}"
    ),
    "middle.html": (
        "{% extends 'root.html' %}{% block title %}M {{ super() }}{% endblock %}"
        "{% block body %}mid{% endblock %}"
    ),
    "root.html": (
        "{% from 'macros.html' import tag %}<title>{% block title %}R{% endblock %}</title>"
        "{% for n in [1, 2] %}{% block item scoped %}<i>{{ n }}{{ v }}</i>{% endblock %}"
        "{% endfor %}{{ tag(v) }}{% block body %}{% endblock %}"
        "{% include 'with_blocks.html' %}|end"
    ),
    "macros.html": "text of the module {% macro tag(x) %}<tag>{{ x }}</tag>{% endmacro %}",
    "with_blocks.html": "<aside>{% block aside %}{{ v }}{% endblock %}</aside>",
}


@pytest.mark.parametrize("value", VALUES[:3], ids=lambda value: type(value).__name__)
def test_joined_roots_and_blocks_keep_the_order(value):
    own = Environment(loader=DictLoader(INHERITANCE), autoescape=True)
    ours = LanguageEnvironment("zh_CN", loader=DictLoader(INHERITANCE), autoescape=True)
    expected = own.get_template("child.html").render(v=value)
    assert ours.get_template("child.html").render(v=value) == expected
    assert expected.startswith("before <title>") and expected.endswith("|end")
    # Two pieces come out of the generator (the text before {% extends %}, then the rest),
    # where Jinja's code yields one per output.
    pieces = list(ours.get_template("child.html").generate(v=value))
    assert pieces == ["before ", expected.removeprefix("before ")]
    assert len(list(own.get_template("child.html").generate(v=value))) > 10


def test_an_include_without_context_keeps_its_place():
    """Jinja sends such an include's text straight out; here it joins the list in order."""
    pages = {
        "root.html": "a{% include 'inc.html' without context %}b",
        "block.html": (
            "{% extends 'layout.html' %}{% block body %}c"
            "{% include 'inc.html' without context %}"
            "{% include 'missing.html' ignore missing without context %}d{% endblock %}"
        ),
        "layout.html": "<{% block body %}{% endblock %}>",
        "inc.html": "[{{ v|default('none') }}]",
    }
    own = Environment(loader=DictLoader(pages), autoescape=True)
    ours = LanguageEnvironment("zh_CN", loader=DictLoader(pages), autoescape=True)
    for name, expected in (("root.html", "a[none]b"), ("block.html", "<c[none]d>")):
        assert own.get_template(name).render(v="x") == expected
        assert ours.get_template(name).render(v="x") == expected
