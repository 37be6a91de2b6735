"""Drop-out risk, version 1: a points scorecard HR can read (``/admin/insights/risk/model``).

Each rule adds points when it holds; the score is their sum capped at 100; the band is
``high`` from 60, ``watch`` from 30, else ``low``. The reasons are the rules that fired,
most points first, each with the number it is about ("7 天未登录"). A fitted logistic
regression (``onramp risk evaluate``) may replace it as the active model; it scores from
the same inputs and explains itself with the same reasons (the inputs adding most to its
log-odds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.i18n import gettext as _
from portal.i18n import ngettext

SCORECARD_VERSION = "scorecard-v1"

# The inputs every model reads, in this order (the regression's feature vector).
FEATURES = (
    "days_inactive",
    "overdue_items",
    "course_not_started",
    "question_waiting_hours",
    "unread_inbox",
)

# The scorecard: (rule, points). Kept as data so the page shows exactly what is applied.
SCORECARD_POINTS: dict[str, int] = {
    "inactive_7_days": 35,
    "inactive_3_days": 15,
    "overdue_item_each": 12,
    "overdue_items_max": 36,
    "course_not_started": 15,
    "question_waiting_24_hours": 20,
    "unread_inbox_3": 10,
}
HIGH_FROM = 60
WATCH_FROM = 30


@dataclass(frozen=True)
class Scored:
    score: int
    band: str
    # [{"code": ..., "value": ..., "points": ...}], most points first.
    reasons: list[dict[str, Any]]


def band_for(score: int) -> str:
    return "high" if score >= HIGH_FROM else "watch" if score >= WATCH_FROM else "low"


def scorecard_score(inputs: Mapping[str, float], points: Mapping[str, int] | None = None) -> Scored:
    weights = dict(SCORECARD_POINTS if points is None else points)
    reasons: list[dict[str, Any]] = []
    days = int(inputs.get("days_inactive", 0))
    if days >= 7:
        reasons.append({"code": "inactive", "value": days, "points": weights["inactive_7_days"]})
    elif days >= 3:
        reasons.append({"code": "inactive", "value": days, "points": weights["inactive_3_days"]})
    overdue = int(inputs.get("overdue_items", 0))
    if overdue:
        earned = min(overdue * weights["overdue_item_each"], weights["overdue_items_max"])
        reasons.append({"code": "overdue", "value": overdue, "points": earned})
    if inputs.get("course_not_started"):
        reasons.append(
            {"code": "course_not_started", "value": 0, "points": weights["course_not_started"]}
        )
    hours = int(inputs.get("question_waiting_hours", 0))
    if hours >= 24:
        reasons.append(
            {
                "code": "question_waiting",
                "value": hours,
                "points": weights["question_waiting_24_hours"],
            }
        )
    unread = int(inputs.get("unread_inbox", 0))
    if unread >= 3:
        reasons.append(
            {"code": "unread_inbox", "value": unread, "points": weights["unread_inbox_3"]}
        )
    reasons.sort(key=lambda reason: -reason["points"])
    score = min(100, sum(reason["points"] for reason in reasons))
    return Scored(score=score, band=band_for(score), reasons=reasons)


def logistic_score(inputs: Mapping[str, float], params: Mapping[str, Any]) -> Scored:
    """Score = 100 × the fitted probability; reasons = inputs adding most to the log-odds."""
    features = params["features"]
    coefficients = params["coefficients"]
    means = params.get("means", [0.0] * len(features))
    logit = float(params["intercept"])
    contributions = []
    for name, coefficient, mean in zip(features, coefficients, means, strict=True):
        value = float(inputs.get(name, 0))
        logit += coefficient * value
        contributions.append((coefficient * (value - mean), name, value))
    probability = 1 / (1 + math.exp(-max(-50.0, min(50.0, logit))))
    score = round(probability * 100)
    reasons = [
        {"code": _FEATURE_REASON[name], "value": int(value), "points": round(part * 10)}
        for part, name, value in sorted(contributions, reverse=True)
        if part > 0 and value
    ]
    return Scored(score=score, band=band_for(score), reasons=reasons)


_FEATURE_REASON = {
    "days_inactive": "inactive",
    "overdue_items": "overdue",
    "course_not_started": "course_not_started",
    "question_waiting_hours": "question_waiting",
    "unread_inbox": "unread_inbox",
}

REASON_CODES = tuple(_FEATURE_REASON.values())


def reason_text(reason: Mapping[str, Any]) -> str:
    """A reason in plain words, in the reader's language ("7 天未登录")."""
    code, value = reason.get("code"), int(reason.get("value") or 0)
    if code == "inactive":
        return ngettext("Not signed in for %(num)s day", "Not signed in for %(num)s days", value)
    if code == "overdue":
        return ngettext("%(num)s document overdue", "%(num)s documents overdue", value)
    if code == "course_not_started":
        return _("Course not started")
    if code == "question_waiting":
        return ngettext(
            "Question unanswered for %(num)s hour", "Question unanswered for %(num)s hours", value
        )
    if code == "unread_inbox":
        return ngettext("%(num)s message unread", "%(num)s messages unread", value)
    return str(code)


def scorecard_rules() -> list[tuple[str, int]]:
    """The scorecard in words with its points, for HR's page."""
    points = SCORECARD_POINTS
    return [
        (_("No activity for 7 days or more"), points["inactive_7_days"]),
        (_("No activity for 3 to 6 days"), points["inactive_3_days"]),
        (
            _("Each overdue document (at most %(max)s points)", max=points["overdue_items_max"]),
            points["overdue_item_each"],
        ),
        (_("No lesson opened and no quiz taken"), points["course_not_started"]),
        (
            _("A question waiting for an answer for 24 hours or more"),
            points["question_waiting_24_hours"],
        ),
        (_("3 or more unread inbox messages"), points["unread_inbox_3"]),
    ]
