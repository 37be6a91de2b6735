"""Request and response bodies of the integration API (documented in OpenAPI at /schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar.openapi import ResponseSpec

MAX_BULK_ITEMS = 1000
PROBLEM_MEDIA_TYPE = "application/problem+json"

Text100 = Annotated[str, msgspec.Meta(max_length=100)]
# Refused when empty or only spaces (the service would answer 422): the schema says so.
# Spelled out rather than \S, which Python and JSON Schema (ECMA) read differently
# (Python counts \x1c-\x1f as spaces); the service still refuses other odd spaces, with 422.
NOT_BLANK = r"[^ \t\n\r\f\v]"
Required100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NOT_BLANK)]


class ProblemFieldError(msgspec.Struct, omit_defaults=True):
    field: str
    message: str
    index: int | None = None
    external_id: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """An error (RFC 9457). ``errors`` lists each bad field, and item of a bulk request."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemFieldError] | None = None


_PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON, or the body does not match the schema (wrong types, missing fields)",
    401: "No valid bearer token (or, for /me, no candidate session)",
    404: "No candidate with this external_id",
    409: "The candidate's state does not allow it (e.g. withdrawn)",
    413: f"More than {MAX_BULK_ITEMS} candidates in one request",
    422: "Valid JSON, invalid data; nothing was saved",
}


def problem_responses(*status_codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json errors an operation can answer."""
    return {
        code: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=_PROBLEM_DESCRIPTIONS[code],
            generate_examples=False,
        )
        for code in status_codes
    }


class CandidateUpsertItem(msgspec.Struct, forbid_unknown_fields=True):
    """One candidate from the hiring system, matched by ``external_id``.

    ``department``, ``position`` and ``cohort`` are names, ``stage`` a stage code
    (interview_passed, background_check, offer_sent, pre_start, training, joined…),
    ``tags`` HR's tags (a list replaces the candidate's tags; omitted leaves them).
    """

    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NOT_BLANK)]
    name: Required100
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=30, pattern=NOT_BLANK)]
    department: Required100
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    position: Text100 | None = None
    cohort: Text100 | None = None
    stage: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    # Omitted or null: the candidate's tags stay as they are; a list replaces them.
    tags: (
        Annotated[
            list[Annotated[str, msgspec.Meta(max_length=30)]],
            msgspec.Meta(
                max_length=20,
                description="HR's tags (e.g. 技术类); replaces the candidate's tags. "
                "Omit to leave them unchanged, [] to remove all.",
            ),
        ]
        | None
    ) = None


class CandidateUpsertRequest(msgspec.Struct, forbid_unknown_fields=True):
    candidates: list[CandidateUpsertItem]


class UpsertedCandidate(msgspec.Struct):
    external_id: str
    id: int
    result: Literal["created", "updated", "unchanged"]


class CandidateUpsertResponse(msgspec.Struct):
    created: int
    updated: int
    unchanged: int
    candidates: list[UpsertedCandidate]


class StageChangeRequest(msgspec.Struct, forbid_unknown_fields=True):
    stage: Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=NOT_BLANK)]
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class StageChangeResponse(msgspec.Struct):
    """``changed`` is false when the candidate already was at that stage."""

    external_id: str
    stage: str
    changed: bool


class WithdrawalRequest(msgspec.Struct, forbid_unknown_fields=True):
    """``reason``: a code from HR's list (salary, commute, family, another_offer,
    role_unclear, team_concerns, start_date, other); ``text`` alone means "other"."""

    reason: Annotated[str, msgspec.Meta(max_length=40)] = ""
    text: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    needs: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=20)]], msgspec.Meta(max_length=10)
    ] = []
    consent: bool = False


class WithdrawalResponse(msgspec.Struct):
    external_id: str
    status: str
    reason: str
    consent_until: datetime | None


class LoginLinkResponse(msgspec.Struct):
    url: str
    expires_at: datetime


class StepOut(msgspec.Struct):
    code: str
    name: str
    state: Literal["done", "current", "todo"]
    reached_at: datetime | None


class CountdownOut(msgspec.Struct):
    days: int
    state: Literal["upcoming", "tomorrow", "today", "started"]


class CohortOut(msgspec.Struct):
    name: str
    place: str
    timezone: str
    starts_at: datetime
    countdown: CountdownOut


class MeResponse(msgspec.Struct):
    id: int
    name: str
    department: str
    position: str | None
    ordinal: int
    status: str
    current_stage: str
    next_step: str
    next_step_by: datetime | None
    steps: list[StepOut]
    cohort: CohortOut | None
