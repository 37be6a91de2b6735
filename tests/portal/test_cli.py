"""The ``onramp`` command against the test database.

In this process (tests/cli.py); each command family also runs once as a real subprocess.
"""

from __future__ import annotations

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.api_tokens import api_token_authenticate
from portal.domain.staff.tables import StaffUser
from tests.cli import onramp, onramp_subprocess
from tests.factories import make_candidate, tap_login_link


async def test_login_link_prints_exactly_one_working_url(client, database_url):
    candidate = await make_candidate(phone="13900001111", email="li@example.com")
    # The first through a real subprocess: its one line on stdout is the whole interface.
    for contact, run in (("139 0000 1111", onramp_subprocess), ("LI@example.com", onramp)):
        result = run(database_url, "login-link", contact)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) == 1
        url = lines[0]
        assert url.startswith("http://testserver.local/login/")
        await tap_login_link(client, url.removeprefix("http://testserver.local"))
        response = await client.get("/")
        assert response.status_code == 200
        assert candidate.name in response.text
        client.cookies.clear()


async def test_login_link_for_unknown_contact_fails_clearly(database_url):
    result = onramp(database_url, "login-link", "13900009999")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "No candidate" in result.stderr


async def test_token_create_prints_one_token_that_authenticates(database_url):
    result = onramp_subprocess(database_url, "token", "create", "--name", "ATS")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert (await api_token_authenticate(lines[0])) is not None


async def test_create_staff_generates_a_password_and_refuses_duplicates(database_url):
    # A real subprocess, its stdin no terminal: the password is generated, not asked for.
    result = onramp_subprocess(
        database_url, "create-staff", "--email", "HR@Example.com", "--role", "hr"
    )
    assert result.returncode == 0, result.stderr
    assert "Password:" in result.stdout
    staff = await StaffUser.objects().get(StaffUser.email == "hr@example.com")
    assert staff.role == "hr" and staff.password_hash.startswith("$argon2")
    again = onramp(database_url, "create-staff", "--email", "hr@example.com", "--role", "hr")
    assert again.returncode != 0
    assert "already exists" in again.stderr


async def test_create_staff_rejects_unknown_role(database_url):
    result = onramp(database_url, "create-staff", "--email", "x@example.com", "--role", "boss")
    assert result.returncode != 0
    assert await StaffUser.count() == 0


async def test_demo_is_idempotent_and_prints_links(database_url):
    first = onramp_subprocess(database_url, "demo")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("/login/") == 5
    count = await Candidate.count()
    second = onramp(database_url, "demo")
    assert second.returncode == 0, second.stderr
    assert await Candidate.count() == count
    assert second.stdout.count("/login/") == 5


async def test_demo_candidates_stand_at_their_intended_stages(database_url):
    from portal.demo import DEMO_CANDIDATES
    from portal.domain.organisation.tables import Stage

    assert onramp(database_url, "demo").returncode == 0
    for _name, phone, _dept, _pos, _cohort, stage_code in DEMO_CANDIDATES:
        candidate = await Candidate.objects().get(Candidate.phone == phone)
        stage = await Stage.objects().get(Stage.id == candidate.stage)
        assert stage.code == stage_code


def test_serve_links_point_at_the_port_it_listens_on():
    from onramp.cli import local_base_url

    assert local_base_url("127.0.0.1", 8040) == "http://127.0.0.1:8040"
    assert local_base_url("0.0.0.0", 9000) == "http://127.0.0.1:9000"  # noqa: S104
    assert local_base_url("::1", 8000) == "http://[::1]:8000"


def test_serve_refuses_several_workers_without_redis(database_url, monkeypatch):
    """Each worker would hold part of a room: without Redis their members would not meet.

    (``onramp serve`` itself runs as a subprocess for every live server: tests/live_servers.py.)
    """
    monkeypatch.delenv("ONRAMP_REDIS_URL", raising=False)
    result = onramp(database_url, "serve", "--workers", "2", "--port", "1")
    assert result.returncode == 2
    assert "ONRAMP_REDIS_URL" in result.stderr
