"""Recomputing the drop-out risk and storing it, with its inputs and model version.

:func:`risk_recompute` scores every active candidate (or some, after their activity) with
the active model — the scorecard unless ``onramp risk evaluate`` saved a better fitted one
— and writes a new ``risk_assessment`` row only for candidates whose score, band, reasons or
model changed; the previous row stays, no longer current, so a score shown last week can
be explained from what it was computed from.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.db import transaction_lock, write_transaction
from portal.domain.insights.risk_inputs import risk_inputs
from portal.domain.insights.scorecard import (
    SCORECARD_POINTS,
    SCORECARD_VERSION,
    Scored,
    logistic_score,
    scorecard_score,
)
from portal.domain.insights.tables import RiskAssessment, RiskModel

_CHUNK = 500


@dataclass(frozen=True)
class ActiveModel:
    version: str
    kind: str
    params: dict[str, Any]

    def score(self, inputs: dict[str, Any]) -> Scored:
        if self.kind == "logistic":
            return logistic_score(inputs, self.params)
        return scorecard_score(inputs, self.params or None)


async def active_model() -> ActiveModel:
    row = await RiskModel.select().where(RiskModel.active == True).first()  # noqa: E712
    if row is None:
        return ActiveModel(SCORECARD_VERSION, "scorecard", dict(SCORECARD_POINTS))
    return ActiveModel(row["version"], row["kind"], json.loads(row["params"]))


_RISK_WRITE_LOCK = 0x7269736B  # "risk"


async def _risk_writers_serialise() -> None:
    """On PostgreSQL, wait for any other risk writer to commit (SQLite's IMMEDIATE does this)."""
    await transaction_lock(_RISK_WRITE_LOCK)


def _compared(row: RiskAssessment) -> tuple[int, str, str, str]:
    return (row.score, row.band, row.reasons, row.model_version)


async def _current_assessments(ids: list[int]) -> dict[int, tuple[int, str, str, str]]:
    """Each candidate's current score, band, reasons and model version."""
    return {
        candidate: (row["score"], row["band"], row["reasons"], row["model_version"])
        for candidate, row in (await _current_rows(ids)).items()
    }


async def _current_rows(ids: list[int]) -> dict[int, dict]:
    """Each candidate's current assessment: what :func:`_compared` compares, and when."""
    current: dict[int, dict] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in await RiskAssessment.select(
            RiskAssessment.candidate,
            RiskAssessment.score,
            RiskAssessment.band,
            RiskAssessment.reasons,
            RiskAssessment.model_version,
            RiskAssessment.computed_at,
        ).where(
            RiskAssessment.candidate.is_in(ids[start : start + _CHUNK])
            & (RiskAssessment.is_current == True)  # noqa: E712
        ):
            current[row["candidate"]] = row
    return current


def _replaces(row: RiskAssessment, current: dict | None) -> bool:
    """Whether ``row`` becomes the candidate's current assessment: it differs from the
    current one, and that one was not computed later (from newer activity, by another
    worker that recomputed this candidate while this run was scoring everyone)."""
    if current is None:
        return True
    if current["computed_at"] > row.computed_at:
        return False
    return (current["score"], current["band"], current["reasons"], current["model_version"]) != (
        _compared(row)
    )


@dataclass(frozen=True)
class Recomputed:
    scored: int
    written: int


async def risk_recompute(
    *, candidate_ids: Collection[int] | None = None, now: datetime | None = None
) -> Recomputed:
    now = now or datetime.now(UTC)
    model = await active_model()
    inputs = await risk_inputs(candidate_ids=candidate_ids, now=now)
    if not inputs:
        return Recomputed(0, 0)
    ids = sorted(inputs)
    current = await _current_assessments(ids)
    new_rows: list[RiskAssessment] = []
    for candidate_id in ids:
        scored = model.score(inputs[candidate_id])
        reasons = json.dumps(scored.reasons, ensure_ascii=False, sort_keys=True)
        if current.get(candidate_id) == (scored.score, scored.band, reasons, model.version):
            continue
        new_rows.append(
            RiskAssessment(
                candidate=candidate_id,
                score=scored.score,
                band=scored.band,
                reasons=reasons,
                inputs=json.dumps(inputs[candidate_id], sort_keys=True),
                model_version=model.version,
                is_current=True,
                computed_at=now,
            )
        )
    if new_rows:
        async with write_transaction():
            # Every worker recomputes on its own schedule, and `onramp risk recompute` may
            # run beside them: without this, two of them that read the same current rows
            # both wrote a new current row for the same candidate. One writer at a time,
            # and each looks again at what is current before writing (and leaves alone a
            # score computed after its own inputs were read).
            await _risk_writers_serialise()
            latest = await _current_rows([row.candidate for row in new_rows])
            new_rows = [row for row in new_rows if _replaces(row, latest.get(row.candidate))]
            changed = [row.candidate for row in new_rows if row.candidate in latest]
            for start in range(0, len(changed), _CHUNK):
                await RiskAssessment.update({RiskAssessment.is_current: False}).where(
                    RiskAssessment.candidate.is_in(changed[start : start + _CHUNK])
                    & (RiskAssessment.is_current == True)  # noqa: E712
                )
            for start in range(0, len(new_rows), _CHUNK):
                await RiskAssessment.insert(*new_rows[start : start + _CHUNK]).run()
    return Recomputed(scored=len(ids), written=len(new_rows))
