"""Includes of a fixed name compiled into the page: the same text as Jinja's include."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment

from portal.web.template_languages import LanguageEnvironment

pytestmark = pytest.mark.one_database

TEMPLATES = {
    "page.html": (
        "{% extends 'base.html' %}{% block body %}{% set mine = 'page' %}"
        "{% for item in items %}{% include 'row.html' %}{% endfor %}"
        "[{{ kept | default('not leaked') }}]{{ mine }}"
        "{% if show %}{% include 'row.html' %}{% endif %}"
        "{% include 'with_macro.html' %}{% include 'tree.html' %}{% endblock %}"
    ),
    "base.html": "<main>{% block body %}{% endblock %}</main>",
    # Sees the page's variables and the loop's; its own set stays its own.
    "row.html": "{% set kept = 'row' %}<li>{{ item | default('-') }} {{ mine }} {{ kept }}</li>",
    # A macro belongs to the included template's own module: left to Jinja's include.
    "with_macro.html": "{% macro m(x) %}<b>{{ x }}</b>{% endmacro %}{{ m(mine) }}",
    # A template that includes itself: Jinja's include, which recurses at render time.
    "tree.html": (
        "{% set node = node if node is defined else tree %}<ul><li>{{ node.name }}"
        "{% for child in node.children %}{% with node = child %}{% include 'tree.html' %}"
        "{% endwith %}{% endfor %}</li></ul>"
    ),
}
CONTEXT = {
    "items": ["<a>", "b"],
    "show": True,
    "tree": {"name": "root", "children": [{"name": "leaf<", "children": []}]},
}


def test_an_inlined_include_renders_as_jinjas_include():
    own = Environment(loader=DictLoader(TEMPLATES), autoescape=True)
    ours = LanguageEnvironment("zh_CN", loader=DictLoader(TEMPLATES), autoescape=True)
    expected = own.get_template("page.html").render(**CONTEXT)
    assert ours.get_template("page.html").render(**CONTEXT) == expected
    assert "<li>&lt;a&gt; page row</li>" in expected and "[not leaked]page" in expected
    assert "leaf&lt;" in expected


def test_only_includes_that_only_output_are_compiled_in():
    ours = LanguageEnvironment("zh_CN", loader=DictLoader(TEMPLATES), autoescape=True)
    source, _, _ = ours.loader.get_source(ours, "page.html")
    code = ours.compile(source, "page.html", raw=True)
    assert "get_template('row.html'" not in code
    assert "get_template('with_macro.html'" in code
    tree_source, _, _ = ours.loader.get_source(ours, "tree.html")
    assert "get_template('tree.html'" in ours.compile(tree_source, "tree.html", raw=True)


def test_a_missing_include_still_fails_at_render():
    ours = LanguageEnvironment("zh_CN", loader=DictLoader({"p.html": "{% include 'gone.html' %}"}))
    template = ours.get_template("p.html")
    with pytest.raises(Exception, match="gone.html"):
        template.render()
