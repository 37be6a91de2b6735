"""Candidates as a hiring system sees them: keyed by ``external_id``, stages by code.

The bulk upsert is all or nothing, in one write transaction: the items are resolved as a
batch (``batch/resolve.py``: the same names, rules and duplicate checks as the CSV
import) and, if none has a problem, written as a batch (``batch/write.py``) with the
results the candidate services give one at a time. Every bad item is named; if any
failed, nothing is saved. Bulk upserts are serialised with each other (SQLite's write
lock, an advisory lock on PostgreSQL), so a request retried while the first is still
running sees the first one's result ("unchanged") instead of tripping over its
half-done rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.auth.tokens import hash_token
from portal.db import is_unique_violation, transaction_lock, write_transaction
from portal.domain.candidates.batch.resolve import (
    BatchResolution,
    BatchRow,
    candidate_batch_resolve,
)
from portal.domain.candidates.batch.write import candidate_batch_write
from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.records import candidate_move_stage
from portal.domain.candidates.tables import Candidate, LoginLink
from portal.domain.errors import DomainError, NotFound, ValidationFailed
from portal.domain.organisation.tables import Stage
from portal.i18n import gettext as _
from portal.i18n import ngettext

# Any constant works; it only has to be the same in every process.
_UPSERT_LOCK_KEY = 0x6F6E72616D70  # "onramp"


@dataclass(frozen=True)
class UpsertItem:
    external_id: str
    name: str
    phone: str
    department: str
    email: str | None = None
    position: str | None = None
    cohort: str | None = None
    stage: str | None = None
    # None: leave the candidate's tags; a sequence replaces them.
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ItemError:
    index: int
    external_id: str
    field: str
    message: str


class BulkItemsInvalid(DomainError):
    def __init__(self, errors: list[ItemError]) -> None:
        self.errors = errors
        first = errors[0]
        parts = [
            _(
                'Item %(index)s (external_id "%(external_id)s"), %(field)s: %(problem)s',
                index=first.index,
                external_id=first.external_id,
                field=first.field,
                problem=first.message,
            )
        ]
        if len(errors) > 1:
            parts.append(
                ngettext(
                    "There is %(num)s more problem.",
                    "There are %(num)s more problems.",
                    len(errors) - 1,
                )
            )
        parts.append(_("Nothing was saved."))
        super().__init__(" ".join(parts))


@dataclass(frozen=True)
class UpsertOutcome:
    external_id: str
    id: int
    result: str  # "created" | "updated" | "unchanged"


async def _serialise_bulk_upserts() -> None:
    """On PostgreSQL, wait for any other bulk upsert to commit (SQLite's IMMEDIATE does this)."""
    await transaction_lock(_UPSERT_LOCK_KEY)


def _batch_row(item: UpsertItem) -> BatchRow:
    return BatchRow(
        name=item.name,
        phone=item.phone,
        department=item.department,
        email=item.email,
        position=item.position,
        cohort=item.cohort,
        external_id=item.external_id,
        stage=item.stage,
        tags=item.tags,
    )


async def _resolve(items: list[UpsertItem]) -> BatchResolution:
    return await candidate_batch_resolve(
        [_batch_row(item) for item in items],
        where="request",
        update_existing=True,
        require_external_id=True,
    )


def _invalid(items: list[UpsertItem], resolution: BatchResolution) -> BulkItemsInvalid:
    return BulkItemsInvalid(
        [
            ItemError(row.index, items[row.index].external_id, problem.field, problem.message)
            for row, problem in resolution.problems
        ]
    )


async def candidates_upsert(*, items: list[UpsertItem], source: str = "api") -> list[UpsertOutcome]:
    """Create or update every item by external_id; raises BulkItemsInvalid, saving nothing."""
    try:
        async with write_transaction():
            await _serialise_bulk_upserts()
            resolution = await _resolve(items)
            if not resolution.valid:
                raise _invalid(items, resolution)
            outcomes = await candidate_batch_write(resolution, source=source)
    except Exception as error:
        if not is_unique_violation(error):
            raise
        # A writer outside the lock (a form, a CSV import) took a phone, e-mail or id
        # between the check and the write: everything was rolled back; name the items
        # as the database is now.
        resolution = await _resolve(items)
        if not resolution.valid:
            raise _invalid(items, resolution) from error
        raise BulkItemsInvalid([_race_lost(items)]) from error
    return [
        UpsertOutcome(items[outcome.index].external_id.strip(), outcome.id, outcome.result)
        for outcome in outcomes
    ]


def _race_lost(items: list[UpsertItem]) -> ItemError:
    return ItemError(
        0,
        items[0].external_id,
        "phone",
        _("Another candidate already has this phone, e-mail or id."),
    )


async def candidate_by_external_id(external_id: str) -> Candidate:
    candidate = await Candidate.objects().get(Candidate.external_id == external_id)
    if candidate is None:
        raise NotFound(
            _(
                'There is no candidate with the external_id "%(external_id)s".',
                external_id=external_id,
            )
        )
    return candidate


async def candidate_move_stage_by_code(
    *, external_id: str, stage_code: str, note: str = "", source: str = "api"
) -> bool:
    """Move the candidate to the stage with this code; False when already there."""
    candidate = await candidate_by_external_id(external_id)
    stage = await Stage.objects().get(Stage.code == stage_code)
    if stage is None:
        codes = [row["code"] for row in await Stage.select(Stage.code).order_by(Stage.sort_order)]
        raise ValidationFailed(
            {
                "stage": _(
                    'There is no stage with the code "%(code)s"; known codes: %(codes)s.',
                    code=stage_code,
                    codes=", ".join(codes),
                )
            }
        )
    return await candidate_move_stage(
        candidate_id=candidate.id, stage_id=stage.id, source=source, note=note
    )


async def login_link_create_by_external_id(*, external_id: str) -> tuple[str, datetime]:
    """A new sign-in URL for the candidate and when it expires."""
    candidate = await candidate_by_external_id(external_id)
    url = await login_link_create(candidate_id=candidate.id)
    token = url.rsplit("/", 1)[1]
    link = (
        await LoginLink.select(LoginLink.expires_at)
        .where(LoginLink.token_hash == hash_token(token))
        .first()
    )
    return url, link["expires_at"]
