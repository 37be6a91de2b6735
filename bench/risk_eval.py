"""The risk pipeline on a synthetic history: the scorecard's and a fitted model's held-out AUC.

    python bench/risk_eval.py [--cohorts 40] [--size 50] [--seed 7]

No database: the same :func:`portal.domain.insights.evaluation.risk_evaluate` that
``onramp risk evaluate`` runs, on generated samples.

The generating model (stated, not tuned to the scorecard):

- each candidate has a hidden commitment ``z ~ Normal(0, 1)``;
- they withdraw with probability ``sigmoid(-1.4 - 1.3 z + e)``, ``e ~ Normal(0, 0.7)``
  (about a quarter withdraw);
- what the portal sees is noisy behaviour driven by ``z`` (lower z = drifting away):
  ``days_inactive ~ Poisson(exp(1.0 - 0.7 z))``;
  ``overdue_items ~ Binomial(3, sigmoid(-1.2 - 0.9 z))``;
  ``course_not_started ~ Bernoulli(sigmoid(-0.6 - 1.0 z))``;
  ``question_waiting_hours``: 20 % asked a question, waiting ``Uniform(0, 60)`` hours,
  unrelated to z (service quality, not the candidate);
  ``unread_inbox ~ Poisson(exp(0.2 - 0.5 z))``.
- cohorts start a week apart; the last quarter of cohorts is held out.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.domain.insights.evaluation import Sample, evaluation_report, risk_evaluate  # noqa: E402
from portal.domain.insights.scorecard import scorecard_score  # noqa: E402


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def synthetic_history(cohorts: int, size: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    first = datetime(2026, 1, 5, tzinfo=UTC)
    samples = []
    for cohort in range(1, cohorts + 1):
        starts = first + timedelta(weeks=cohort)
        for _ in range(size):
            z = rng.gauss(0, 1)
            withdrew = rng.random() < _sigmoid(-1.4 - 1.3 * z + rng.gauss(0, 0.7))
            inputs = {
                "days_inactive": _poisson(rng, math.exp(1.0 - 0.7 * z)),
                "overdue_items": sum(rng.random() < _sigmoid(-1.2 - 0.9 * z) for _ in range(3)),
                "course_not_started": int(rng.random() < _sigmoid(-0.6 - 1.0 * z)),
                "question_waiting_hours": int(rng.uniform(0, 60)) if rng.random() < 0.2 else 0,
                "unread_inbox": _poisson(rng, math.exp(0.2 - 0.5 * z)),
            }
            samples.append(Sample(cohort, starts, inputs, withdrew))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cohorts", type=int, default=40)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    samples = synthetic_history(args.cohorts, args.size, args.seed)
    withdrew = sum(s.withdrew for s in samples)
    print(
        f"{args.cohorts} cohorts x {args.size} candidates, {withdrew} withdrew "
        f"({withdrew / len(samples):.0%}); seed {args.seed}"
    )
    evaluation = risk_evaluate(samples, lambda inputs: scorecard_score(inputs).score)
    print(evaluation_report(evaluation, "scorecard-v1"))
    if evaluation.enough:
        print(
            f"Held-out AUC: scorecard {evaluation.current_auc:.3f}, "
            f"fitted logistic regression {evaluation.fitted_auc:.3f}"
        )


if __name__ == "__main__":
    main()
