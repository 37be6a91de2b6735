"""Odd values in forms and bodies get a clear 4xx and change nothing: digits that
``str.isdigit()`` accepts but are no number, and JSON nested a thousand deep."""

from __future__ import annotations

from datetime import date

import pytest

from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage
from portal.domain.staff.api_tokens import api_token_create
from portal.domain.validation import row_id_from, typed_day, whole_number
from tests.api.helpers import assert_problem
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)
from tests.room_admin.helpers import post_form, say

DEEP = 1_000


def nested(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (7, 7),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        ("²", None),
        ("٣", None),  # Arabic-Indic three: int() reads it, we do not
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        ("9" * 5000, None),
        (2**63, None),
        (True, None),
        (None, None),
        (["1"], None),
        ("", None),
    ],
)
def test_a_row_id_is_ascii_digits_within_the_databases_integers(text, expected):
    assert row_id_from(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        (" 2026-12-01 ", date(2026, 12, 1)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2999-12-31", date(2999, 12, 31)),
        ("9999-12-31", None),  # the day after it is past Python's last date
        ("0001-01-01", None),  # its local midnight is before Python's first in UTC
        ("1899-12-31", None),
        ("2026-02-30", None),
        ("20261201", None),  # fromisoformat reads it; a date field never sends it
        ("2026-W48-1", None),
        ("２０２６-１２-０１", None),  # full-width digits
        ("2026-12-01T08:00", None),
        ("", None),
        (None, None),
        (20261201, None),
    ],
)
def test_a_typed_day_is_a_plain_date_within_a_plausible_span(text, expected):
    assert typed_day(text) == expected


def test_whole_numbers_keep_to_their_bounds():
    assert whole_number("0", maximum=5) == 0
    assert whole_number("6", maximum=5) is None
    assert whole_number("3", minimum=4, maximum=5) is None


async def _candidate_in_a_room(client):
    department = await make_department()
    cohort = await make_cohort(department)
    candidate = await make_candidate(department, cohort=cohort)
    room_id = await cohort_room_ensure(cohort.id)
    await sign_in_candidate(client, candidate)
    await client.get(f"/rooms/{room_id}")  # the CSRF cookie
    return candidate, room_id


@pytest.mark.parametrize("reply_to", ["²", "٣", "99999999999999999999", "2147483648", "0"])
async def test_a_reply_to_that_is_no_message_id_is_refused(client, reply_to):
    candidate, room_id = await _candidate_in_a_room(client)
    await say(room_id, candidate, "an earlier message")
    response = await post_form(
        client, f"/rooms/{room_id}/messages", {"body": "reply?", "reply_to": reply_to}
    )
    assert response.status_code == 422
    assert await RoomMessage.count().where(RoomMessage.body == "reply?") == 0


@pytest.mark.parametrize("category", ["²", "99999999999999999999", "2147483648"])
async def test_a_category_that_is_no_category_id_is_refused(client, category):
    _candidate, room_id = await _candidate_in_a_room(client)
    response = await post_form(
        client,
        f"/rooms/{room_id}/messages",
        {"body": "which?", "kind": "question", "category": category},
    )
    assert response.status_code == 422
    assert await RoomMessage.count() == 0


async def test_json_nested_a_thousand_deep_on_the_api_is_a_400_problem(client):
    api_headers = {"Authorization": f"Bearer {await api_token_create(name='deep')}"}
    for method, url, body in (
        ("PUT", "/api/v1/candidates", '{"candidates": ' + nested() + "}"),
        ("PUT", "/api/v1/candidates", nested()),
        ("POST", "/api/v1/candidates/ATS-1/stage", '{"stage": ' + nested() + "}"),
        ("PUT", "/api/v1/candidates", nested(100_000)),
    ):
        response = await client.request(
            method,
            url,
            content=body.encode(),
            headers={**api_headers, "Content-Type": "application/json"},
        )
        assert_problem(response, 400)


async def test_json_nested_a_thousand_deep_on_a_room_admin_post_is_refused(client):
    department = await make_department()
    cohort = await make_cohort(department)
    candidate = await make_candidate(department, cohort=cohort)
    room_id = await cohort_room_ensure(cohort.id)
    message_id = await say(room_id, candidate, "hi")
    await sign_in_staff(client, await make_staff("hr"))
    await client.get(f"/admin/rooms/{room_id}")
    for body in ('{"reason": ' + nested() + "}", nested(), nested(100_000)):
        response = await client.post(
            f"/admin/rooms/{room_id}/messages/{message_id}/hide",
            content=body.encode(),
            headers={
                "x-csrftoken": client.cookies.get("onramp_csrf"),
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        assert 400 <= response.status_code < 500, (body[:20], response.status_code)
    assert (await RoomMessage.select().where(RoomMessage.id == message_id).first())[
        "hidden_at"
    ] is None
