"""The shared check for URLs HR types: public http(s) only, checked again when resolved."""

from __future__ import annotations

import socket

import pytest

from portal.config import get_settings
from portal.net.outbound import (
    OutboundUrlRefused,
    outbound_post,
    outbound_url_check,
    resolved_address,
)


@pytest.fixture
def private_refused(monkeypatch):
    monkeypatch.setenv("ONRAMP_OUTBOUND_ALLOW_PRIVATE", "false")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
        "https://user:pass@example.com/hook",
        "http://127.0.0.1/hook",
        "http://127.1.2.3:8080/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://localhost:9000/hook",
        "http://bot.localhost/hook",
        "https://example.com/hook with space",
        "https://example.com:99999/hook",
        "",
        "https://example.com/" + "a" * 1000,
    ],
)
def test_refused_urls(private_refused, url):
    with pytest.raises(OutboundUrlRefused):
        outbound_url_check(url)


def test_public_https_urls_pass(private_refused):
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    assert outbound_url_check(f"  {url} ") == url
    assert outbound_url_check("http://8.8.8.8:8080/x") == "http://8.8.8.8:8080/x"


async def test_a_name_resolving_to_loopback_is_refused_at_send_time(private_refused):
    # The machine's own name passes the save-time check (it is just a name) but resolves
    # to a loopback address: the send-time check looks at what the name resolves to now.
    name = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(name, 80)}
    if not any(a.startswith("127.") or a == "::1" for a in addresses):
        pytest.skip("this machine's name does not resolve to loopback")
    assert outbound_url_check(f"http://{name}:1/hook")
    with pytest.raises(OutboundUrlRefused):
        await resolved_address(name, 1)
    with pytest.raises(OutboundUrlRefused):
        await outbound_post(f"http://{name}:1/hook", json={})


async def test_loopback_allowed_only_with_the_setting(monkeypatch):
    monkeypatch.setenv("ONRAMP_OUTBOUND_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    try:
        assert outbound_url_check("http://127.0.0.1:9/hook")
        assert str(await resolved_address("localhost", 80)) in ("127.0.0.1", "::1")
        with pytest.raises(OutboundUrlRefused):
            outbound_url_check("http://0.0.0.0/hook")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
