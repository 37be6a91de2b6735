"""Request and response bodies of the integration API (documented in OpenAPI at /schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

MAX_BULK_ITEMS = 1000

Text100 = Annotated[str, msgspec.Meta(max_length=100)]


class CandidateUpsertItem(msgspec.Struct, forbid_unknown_fields=True):
    """One candidate from the hiring system, matched by ``external_id``."""

    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    name: Text100
    phone: Annotated[str, msgspec.Meta(max_length=30)]
    department: Text100
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    position: Text100 | None = None
    cohort: Text100 | None = None
    stage: Annotated[str, msgspec.Meta(max_length=40)] | None = None


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
    stage: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class StageChangeResponse(msgspec.Struct):
    external_id: str
    stage: str
    changed: bool


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
