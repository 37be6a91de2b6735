"""Templates compiled per language: ``_("…")`` baked in, and the same output as the call."""

from __future__ import annotations

import pytest

from portal import i18n
from portal.config import TEMPLATES_DIR
from portal.web.rendering import _template_gettext, configure_environment
from portal.web.template_languages import LanguageTemplateEngine

pytestmark = pytest.mark.one_database

SOURCE = (
    '<b title="{{ _("Home") }}">{{ _("Welcome, %(name)s!", name=who) }}</b>'
    "{{ _(dynamic) }}|{{ _('Home')|upper }}"
)


@pytest.fixture(scope="module")
def engine():
    engine = LanguageTemplateEngine(directory=TEMPLATES_DIR)
    configure_environment(engine)
    return engine


def _render(engine, language: str, **context) -> str:
    token = i18n.set_locale(language)
    try:
        return engine.render_string(SOURCE, context)
    finally:
        i18n.reset_locale(token)


def _called(language: str, message: str, **variables) -> str:
    token = i18n.set_locale(language)
    try:
        return str(_template_gettext(message, **variables))
    finally:
        i18n.reset_locale(token)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_compiled_translations_render_what_the_call_returned(engine, language):
    who = "<script>alert(1)</script>"
    page = _render(engine, language, who=who, dynamic="Home")
    home = _called(language, "Home")
    welcome = _called(language, "Welcome, %(name)s!", name=who)
    assert page == f'<b title="{home}">{welcome}</b>{home}|{home.upper()}'
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert (home == "首页") == (language == "zh_CN")


def test_literal_calls_are_constants_in_the_compiled_code_and_others_stay_calls(engine):
    code = engine.environments["zh_CN"].compile(SOURCE, raw=True)
    assert "首页" in code and "欢迎你" in code
    assert "'Home'" not in code  # the literal call is gone...
    assert "l_0_dynamic" in code or "dynamic" in code  # ...the variable one is still a call
    english = engine.environments["en"].compile(SOURCE, raw=True)
    assert "首页" not in english and "Home" in english


def test_each_request_gets_the_template_of_its_language(engine):
    pages = {}
    for language in ("zh_CN", "en"):
        token = i18n.set_locale(language)
        try:
            pages[language] = engine.get_template("portal/welcome.html")
        finally:
            i18n.reset_locale(token)
    assert pages["zh_CN"] is not pages["en"]
    assert pages["zh_CN"].environment.language == "zh_CN"


def test_attribute_look_ups_on_rows_answer_as_jinjas_own():
    """LanguageEnvironment.getattr's own paths (rows, other objects) answer as Jinja's."""
    from jinja2 import Environment, StrictUndefined

    from portal.web.template_languages import LanguageEnvironment

    class Row:
        kind = "attribute"

        def __getitem__(self, key):
            return f"item {key}"

    source = (
        "{{ m.kind }}|{{ m.author.name }}|{{ m.missing }}|{{ m.items()|list|length }}|"
        "{{ m.get('kind') }}|{{ m.keys is defined }}|{{ r.kind }}|{{ r.other }}|{{ n.real }}|"
        "{{ o.missing }}|{{ o.missing is defined }}|{{ t.1 }}|{{ t.x }}"
    )
    context = {
        "m": {"kind": "question", "author": {"name": "张三"}, "items": "shadowed", "keys": 1},
        "r": Row(),
        "n": 5,
        "o": object(),
        "t": ("a", "b"),
    }
    ours = LanguageEnvironment("en", autoescape=True).from_string(source).render(context)
    jinjas = Environment(autoescape=True).from_string(source).render(context)
    assert ours == jinjas == "question|张三||4|question|True|attribute|item other|5||False|b|"
    strict = LanguageEnvironment("en", undefined=StrictUndefined).from_string("{{ m.missing }}")
    with pytest.raises(Exception, match="missing"):
        strict.render(m={"kind": "question"})


TRANS_SOURCE = (
    "{% trans count=n %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}|"
    "{% trans num=n %}{{ num }} day until training{% pluralize %}"
    "{{ num }} days until training{% endtrans %}|"
    "{% trans count=n, name=who %}{{ name }}: {{ count }} unread message{% pluralize %}"
    "{{ name }}: {{ count }} unread messages{% endtrans %}|"
    "{% trans who=who %}Hello {{ who }}{% endtrans %}|{% trans %}100%% sure{% endtrans %}|"
    "{% trans count=n %}not in any catalog{% pluralize %}not in any catalogs{% endtrans %}|"
    "{% trans count=box.n %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}|"
    "{% trans count=box.n|abs %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}|"
    "{% trans count=box.get('n') %}{{ count }} file{% pluralize %}{{ count }} files{% endtrans %}"
)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("n", [0, 1, 2, 11])
def test_trans_blocks_render_what_jinjas_runtime_calls_render(engine, language, n):
    """{% trans %} compiled per language gives what Jinja's new-style gettext gave at render."""
    from jinja2 import Environment

    reference = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    translations = i18n.translations_for(language)
    reference.install_gettext_callables(  # type: ignore[attr-defined]
        translations.gettext, translations.ngettext, newstyle=True
    )
    context = {"n": n, "who": "<b>王</b>", "box": {"n": n}}
    expected = reference.from_string(TRANS_SOURCE).render(context)
    token = i18n.set_locale(language)
    try:
        page = engine.render_string(TRANS_SOURCE, context)
    finally:
        i18n.reset_locale(token)
    assert page == expected
    assert "<b>王</b>" not in page and "&lt;b&gt;王&lt;/b&gt;" in page
    code = engine.environments[language].compile(TRANS_SOURCE, raw=True)
    assert "ngettext" not in code.replace("_ngettext", "")  # no call through the context left


def test_texts_with_values_escape_them_and_other_conversions_keep_markupsafes_percent(engine):
    """``%(name)s`` texts are formatted with the values escaped first; a text with another
    conversion (``%(n)d``) keeps markupsafe's ``%``: both give what the call gave."""
    source = (
        '{{ _("Welcome, %(name)s!", name=who) }}|{{ _("%(n)d left for %(name)s", n=n, name=who) }}'
        '|{{ _("%(a)s%%%(b)s", a=who, b=n) }}'
    )
    context = {"who": '<b>"王"</b>', "n": 3}
    token = i18n.set_locale("en")
    try:
        page = engine.render_string(source, context)
    finally:
        i18n.reset_locale(token)
    expected = "|".join(
        [
            _called("en", "Welcome, %(name)s!", name=context["who"]),
            _called("en", "%(n)d left for %(name)s", n=3, name=context["who"]),
            _called("en", "%(a)s%%%(b)s", a=context["who"], b=3),
        ]
    )
    assert page == expected and "&lt;b&gt;&#34;王&#34;&lt;/b&gt;" in page
    code = engine.environments["en"].compile(source, raw=True)
    assert "Markup(('Welcome, %(name)s!' % {'name': t_" in code  # values escaped first
    assert "Markup('%(n)d left for %(name)s') % {" in code  # markupsafe's %
