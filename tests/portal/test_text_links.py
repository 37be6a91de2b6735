"""Plain text in pages (room messages, answers): escaped, with http(s) links clickable."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from portal.web.text_links import linkify

pytestmark = pytest.mark.one_database


def test_text_without_links_is_escaped_and_marked_safe():
    out = linkify('<script>alert("x")</script> 明天 9:00 见')
    assert isinstance(out, Markup)
    assert out == "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 明天 9:00 见"
    assert linkify("") == "" and linkify(None) == ""


def test_links_are_clickable_and_the_rest_escaped():
    out = linkify("地图：https://example.com/map?a=1&b=2。<b>带身份证</b>")
    assert out == (
        '地图：<a href="https://example.com/map?a=1&amp;b=2" rel="nofollow noopener noreferrer"'
        ' target="_blank">https://example.com/map?a=1&amp;b=2</a>。&lt;b&gt;带身份证&lt;/b&gt;'
    )


def test_only_http_and_https_become_links():
    for text in ("javascript://alert(1)", "ftp://files.example.com", "data://x"):
        assert "<a " not in linkify(text)
    assert linkify('http://x.example/"onmouseover=alert(1)').count("<a ") == 1
    assert '"onmouseover' not in linkify('http://x.example/"onmouseover=alert(1)')


def test_a_text_read_again_gives_the_same_links_and_a_long_one_is_not_kept():
    from portal.web import text_links

    text = "见 https://example.com/a?x=<1> 和 <b>"
    first, again = linkify(text), linkify(text)
    assert first == again and isinstance(again, Markup)
    assert again.count("<a ") == 1 and "&lt;b&gt;" in again
    memo = text_links._linked
    before = memo.cache_info()
    long_text = "https://example.com/" + "x" * text_links._REMEMBERED_MAX
    assert linkify(long_text).count("<a ") == 1
    after = memo.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)
