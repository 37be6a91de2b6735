"""Fitting and judging the risk model on past cohorts whose outcome is known.

A sample is one candidate of a past cohort: the inputs of their last stored assessment
and whether they withdrew (1) or started (0). Cohorts are split by start date: the latest
quarter (at least two cohorts) is held out. A logistic regression (scikit-learn) is fitted
on the rest; both it and the model in use are scored on the held-out cohorts (AUC; Brier
score — for the scorecard, of score / 100, which is no calibrated probability). The fitted
model is saved as a new version only when asked to and when its held-out AUC beats the
current model's. Without enough history nothing is fitted and the scorecard stays.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from portal.domain.insights.scorecard import FEATURES

MIN_COHORTS = 8
MIN_SAMPLES = 100
MIN_EACH_OUTCOME = 10


@dataclass(frozen=True)
class Sample:
    cohort: int
    starts_at: datetime
    inputs: dict[str, float]
    withdrew: bool


@dataclass
class Evaluation:
    enough: bool
    message: str
    train_size: int = 0
    test_size: int = 0
    test_cohorts: int = 0
    current_auc: float | None = None
    current_brier: float | None = None
    fitted_auc: float | None = None
    fitted_brier: float | None = None
    calibration: list[tuple[str, int, float, float]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def fitted_is_better(self) -> bool:
        return (
            self.fitted_auc is not None
            and self.current_auc is not None
            and self.fitted_auc > self.current_auc
        )


def _vector(inputs: dict[str, float]) -> list[float]:
    return [float(inputs.get(name) or 0) for name in FEATURES]


def risk_evaluate(
    samples: Sequence[Sample], current_score: Callable[[dict[str, float]], float]
) -> Evaluation:
    """``current_score`` maps inputs to the current model's 0–100 score."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score

    cohorts = sorted({(s.starts_at, s.cohort) for s in samples})
    positives = sum(s.withdrew for s in samples)
    if (
        len(cohorts) < MIN_COHORTS
        or len(samples) < MIN_SAMPLES
        or min(positives, len(samples) - positives) < MIN_EACH_OUTCOME
    ):
        return Evaluation(
            enough=False,
            message=(
                f"Not enough history: {len(cohorts)} past cohorts (need {MIN_COHORTS}), "
                f"{len(samples)} candidates with a known outcome (need {MIN_SAMPLES}), "
                f"{positives} withdrew and {len(samples) - positives} started (need "
                f"{MIN_EACH_OUTCOME} of each). The scorecard stays in use."
            ),
        )
    held = max(2, len(cohorts) // 4)
    test_ids = {cohort for _start, cohort in cohorts[-held:]}
    train = [s for s in samples if s.cohort not in test_ids]
    test = [s for s in samples if s.cohort in test_ids]
    test_outcomes = [int(s.withdrew) for s in test]
    if len(set(test_outcomes)) < 2 or len({s.withdrew for s in train}) < 2:
        return Evaluation(
            enough=False,
            message="Not enough history: the held-out cohorts need both outcomes. "
            "The scorecard stays in use.",
        )
    model = LogisticRegression(max_iter=2000)
    model.fit([_vector(s.inputs) for s in train], [int(s.withdrew) for s in train])
    predicted = model.predict_proba([_vector(s.inputs) for s in test])[:, 1]
    current = [min(100.0, max(0.0, current_score(s.inputs))) / 100 for s in test]
    evaluation = Evaluation(
        enough=True,
        message="",
        train_size=len(train),
        test_size=len(test),
        test_cohorts=held,
        current_auc=float(roc_auc_score(test_outcomes, current)),
        current_brier=float(brier_score_loss(test_outcomes, current)),
        fitted_auc=float(roc_auc_score(test_outcomes, predicted)),
        fitted_brier=float(brier_score_loss(test_outcomes, predicted)),
    )
    # Calibration: five bins of predicted probability, with the observed withdrawal rate.
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        inside = [
            (p, y)
            for p, y in zip(predicted, test_outcomes, strict=True)
            if low <= p < low + 0.2 or (low == 0.8 and p == 1.0)
        ]
        if inside:
            evaluation.calibration.append(
                (
                    f"{low:.1f}–{low + 0.2:.1f}",
                    len(inside),
                    sum(p for p, _y in inside) / len(inside),
                    sum(y for _p, y in inside) / len(inside),
                )
            )
    means = [
        sum(column) / len(train) for column in zip(*(_vector(s.inputs) for s in train), strict=True)
    ]
    evaluation.params = {
        "features": list(FEATURES),
        "coefficients": [float(c) for c in model.coef_[0]],
        "intercept": float(model.intercept_[0]),
        "means": means,
    }
    return evaluation


def evaluation_report(evaluation: Evaluation, current_version: str) -> str:
    if not evaluation.enough:
        return evaluation.message
    lines = [
        f"Trained on {evaluation.train_size} candidates; held out {evaluation.test_size} "
        f"in the latest {evaluation.test_cohorts} cohorts.",
        f"{'model':<28}{'AUC':>8}{'Brier':>8}",
        f"{current_version + ' (in use)':<28}{evaluation.current_auc:>8.3f}"
        f"{evaluation.current_brier:>8.3f}",
        f"{'logistic regression':<28}{evaluation.fitted_auc:>8.3f}{evaluation.fitted_brier:>8.3f}",
        "Calibration (held out): predicted  n  mean predicted  observed",
    ]
    lines += [
        f"  {label:<10}{count:>5}{mean:>16.3f}{observed:>10.3f}"
        for label, count, mean, observed in evaluation.calibration
    ]
    lines.append("Coefficients (per unit of each input):")
    lines += [
        f"  {name:<24}{coefficient:>+9.4f}"
        for name, coefficient in zip(
            evaluation.params["features"], evaluation.params["coefficients"], strict=True
        )
    ]
    lines.append(f"  {'intercept':<24}{evaluation.params['intercept']:>+9.4f}")
    return "\n".join(lines)


async def history_samples() -> list[Sample]:
    """Candidates who withdrew or started, with the inputs of their last assessment."""
    from portal.domain.insights.tables import RiskAssessment

    rows = await RiskAssessment.raw(
        "SELECT a.candidate, a.inputs, c.status, c.cohort, k.starts_at FROM risk_assessment a "
        "JOIN candidate c ON c.id = a.candidate JOIN cohort k ON k.id = c.cohort "
        "WHERE c.status IN ('withdrawn', 'joined') AND a.id = ("
        "SELECT MAX(b.id) FROM risk_assessment b WHERE b.candidate = a.candidate)"
    )
    samples = []
    for row in rows:
        starts = row["starts_at"]
        if isinstance(starts, str):
            starts = datetime.fromisoformat(starts)
        samples.append(
            Sample(
                cohort=row["cohort"],
                starts_at=starts if starts.tzinfo else starts.replace(tzinfo=UTC),
                inputs=json.loads(row["inputs"]),
                withdrew=row["status"] == "withdrawn",
            )
        )
    return samples


async def risk_model_save(evaluation: Evaluation, *, now: datetime | None = None) -> str:
    """Store the fitted model as a new active version; returns its name."""
    from portal.db import write_transaction
    from portal.domain.insights.tables import RiskModel

    now = now or datetime.now(UTC)
    version = f"logistic-{now:%Y%m%d-%H%M%S}"
    async with write_transaction():
        await RiskModel.update({RiskModel.active: False}).where(RiskModel.active == True)  # noqa: E712
        await RiskModel(
            version=version,
            kind="logistic",
            params=json.dumps(evaluation.params),
            metrics=json.dumps(
                {
                    "auc": evaluation.fitted_auc,
                    "brier": evaluation.fitted_brier,
                    "baseline_auc": evaluation.current_auc,
                    "test_size": evaluation.test_size,
                }
            ),
            active=True,
        ).save()
    return version
