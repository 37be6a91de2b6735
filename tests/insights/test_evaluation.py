"""`onramp risk evaluate`: says when history is too short; fits, compares and saves otherwise."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.insights.evaluation import (
    Sample,
    evaluation_report,
    history_samples,
    risk_evaluate,
    risk_model_save,
)
from portal.domain.insights.risk import active_model, risk_recompute
from portal.domain.insights.scorecard import scorecard_score
from portal.domain.insights.tables import RiskAssessment
from tests.factories import make_candidate, make_cohort


def _history(cohorts: int = 12, size: int = 30) -> list[Sample]:
    rng = random.Random(3)
    samples = []
    for cohort in range(cohorts):
        for _ in range(size):
            drifting = rng.random() < 0.3
            inputs = {
                "days_inactive": rng.randint(5, 15) if drifting else rng.randint(0, 6),
                "overdue_items": rng.randint(0, 2) if drifting else rng.randint(0, 1),
                "course_not_started": int(drifting and rng.random() < 0.7),
            }
            withdrew = rng.random() < (0.7 if drifting else 0.1)
            samples.append(
                Sample(
                    cohort,
                    datetime(2026, 1, 1, tzinfo=UTC) + timedelta(weeks=cohort),
                    inputs,
                    withdrew,
                )
            )
    return samples


@pytest.mark.one_database
def test_without_enough_history_it_says_so_and_fits_nothing():
    evaluation = risk_evaluate(_history(cohorts=3), lambda i: scorecard_score(i).score)
    assert not evaluation.enough
    assert "Not enough history" in evaluation_report(evaluation, "scorecard-v1")
    assert evaluation.params == {}


@pytest.mark.one_database
def test_it_reports_auc_brier_calibration_and_coefficients():
    evaluation = risk_evaluate(_history(), lambda i: scorecard_score(i).score)
    assert evaluation.enough and evaluation.test_cohorts == 3
    assert 0.5 < evaluation.fitted_auc <= 1 and 0 < evaluation.fitted_brier < 0.25
    report = evaluation_report(evaluation, "scorecard-v1")
    for part in ("AUC", "Brier", "Calibration", "days_inactive", "intercept"):
        assert part in report
    assert evaluation.params["coefficients"][0] > 0  # inactivity raises the risk


async def test_history_comes_from_stored_assessments_and_a_saved_model_scores():
    cohort = await make_cohort()
    gone = await make_candidate(cohort=cohort)
    await risk_recompute()
    await gone.update_self({"status": "withdrawn"})
    samples = await history_samples()
    assert [(s.cohort, s.withdrew) for s in samples] == [(cohort.id, True)]

    evaluation = risk_evaluate(_history(), lambda i: scorecard_score(i).score)
    version = await risk_model_save(evaluation)
    model = await active_model()
    assert (model.version, model.kind) == (version, "logistic")
    await make_candidate(cohort=cohort)
    await risk_recompute()
    row = await RiskAssessment.select().where(RiskAssessment.model_version == version).first()
    assert row is not None and 0 <= row["score"] <= 100
    assert json.loads(row["inputs"])["days_inactive"] == 0
