"""The 1:1 thread's socket tests talk to a real ``onramp serve`` over real websockets."""

from __future__ import annotations

import pytest

from tests.live_servers import onramp_server


@pytest.fixture(scope="module")
def contact_server(database_url: str):
    """One server per test module (on SQLite and on PostgreSQL in turn)."""
    with onramp_server(database_url) as base_url:
        yield base_url
