"""The app's cookies send the same Set-Cookie header as Litestar's own Cookie would."""

from __future__ import annotations

import pytest
from litestar.datastructures import Cookie

from portal.auth.cookies import ResponseCookie

pytestmark = pytest.mark.one_database


@pytest.mark.parametrize(
    "values",
    [
        {
            "key": "onramp_session",
            "value": "abc",
            "max_age": 3600,
            "path": "/",
            "httponly": True,
            "samesite": "lax",
            "secure": True,
        },
        {
            "key": "onramp_session",
            "value": "",
            "max_age": 0,
            "path": "/",
            "httponly": True,
            "samesite": "lax",
            "secure": False,
        },
        {
            "key": "onramp_csrf",
            "value": "t.o;k=en",
            "path": "/",
            "secure": False,
            "httponly": False,
            "samesite": "strict",
            "domain": "example.com",
        },
        {
            "key": "onramp_oidc_state",
            "value": "s",
            "max_age": 600,
            "path": "/admin/oidc",
            "expires": 1900000000,
            "samesite": "none",
            "secure": True,
        },
        {"key": "onramp_lang", "value": "zh_CN"},
    ],
)
def test_the_header_is_litestars(values):
    ours, theirs = ResponseCookie(**values), Cookie(**values)
    assert ours.to_header() == theirs.to_header()
    assert ours.to_encoded_header() == theirs.to_encoded_header()
    assert ours.dict == theirs.dict
    assert ours == theirs and hash(ours) == hash(theirs)
