"""``onramp token list`` and ``onramp token revoke`` (in this process; once as a subprocess)."""

from __future__ import annotations

import asyncio

from portal.domain.staff.api_tokens import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke_by_key,
)
from portal.domain.staff.tables import ApiToken
from tests.cli import onramp, onramp_subprocess


async def stored(token: str) -> ApiToken:
    return await ApiToken.objects().get(ApiToken.prefix == token[:12])


async def test_revoke_by_prefix_stops_the_token_working(database_url):
    token = await api_token_create(name="ATS")
    other = await api_token_create(name="Payroll")

    result = onramp_subprocess(database_url, "token", "revoke", token[:12])

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Revoked API token {token[:12]} (ATS).\n"
    assert await api_token_authenticate(token) is None
    assert (await stored(token)).revoked_at is not None
    assert await api_token_authenticate(other) is not None


async def test_revoke_by_name_or_by_the_whole_token(database_url):
    by_name = await api_token_create(name="Old ATS")
    whole = await api_token_create(name="Leaked")

    assert onramp(database_url, "token", "revoke", "Old ATS").returncode == 0
    result = onramp(database_url, "token", "revoke", whole)

    assert result.returncode == 0, result.stderr
    assert "Revoked API token" in result.stdout and whole not in result.stdout
    assert await api_token_authenticate(by_name) is None
    assert await api_token_authenticate(whole) is None


async def test_revoke_of_an_unknown_token_fails_clearly_and_changes_nothing(database_url):
    token = await api_token_create(name="ATS")
    for key in ("onr_nothere", "Nobody", "onr_", "x" * 5000):
        result = onramp(database_url, "token", "revoke", key)
        assert result.returncode == 1, key
        assert result.stdout == ""
        assert "No API token" in result.stderr
    assert await api_token_authenticate(token) is not None


async def test_revoke_without_a_key_is_a_usage_error(database_url):
    result = onramp(database_url, "token", "revoke")
    assert result.returncode == 2
    assert "Missing argument" in result.stderr


async def test_a_name_two_active_tokens_share_revokes_neither(database_url):
    first = await api_token_create(name="ATS")
    second = await api_token_create(name="ATS")

    result = onramp(database_url, "token", "revoke", "ATS")

    assert result.returncode == 1
    assert first[:12] in result.stderr and second[:12] in result.stderr
    assert "by its prefix" in result.stderr
    assert await api_token_authenticate(first) is not None
    assert await api_token_authenticate(second) is not None

    # Once one is revoked by its prefix, the name names only the other.
    assert onramp(database_url, "token", "revoke", first[:12]).returncode == 0
    assert onramp(database_url, "token", "revoke", "ATS").returncode == 0
    assert await api_token_authenticate(second) is None


async def test_revoking_again_reports_the_first_revocation_and_keeps_its_time(database_url):
    token = await api_token_create(name="ATS")
    assert onramp(database_url, "token", "revoke", token[:12]).returncode == 0
    revoked_at = (await stored(token)).revoked_at

    again = onramp(database_url, "token", "revoke", token[:12])

    assert again.returncode == 0, again.stderr
    assert "already revoked" in again.stdout
    assert (await stored(token)).revoked_at == revoked_at


async def test_two_revocations_at_once_revoke_once(database):
    token = await api_token_create(name="ATS")
    results = await asyncio.gather(
        api_token_revoke_by_key(key=token[:12]), api_token_revoke_by_key(key="ATS")
    )
    assert sorted(result.revoked_now for result in results) == [False, True]
    assert await api_token_authenticate(token) is None


async def test_list_shows_prefixes_names_and_states_but_never_a_token(database_url):
    empty = onramp(database_url, "token", "list")
    assert empty.returncode == 0 and empty.stdout == "No API tokens.\n"
    active = await api_token_create(name="ATS")
    revoked = await api_token_create(name="<script>alert(1)</script>")
    assert onramp(database_url, "token", "revoke", revoked[:12]).returncode == 0

    result = onramp(database_url, "token", "list")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{active[:12]}  ATS  created ") and lines[0].endswith("active")
    assert lines[1].startswith(f"{revoked[:12]}  <script>") and " revoked 20" in lines[1]
    assert active not in result.stdout and revoked not in result.stdout
