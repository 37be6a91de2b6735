"""Insights dashboards: funnel, engagement and content, per cohort and department."""

from __future__ import annotations

from litestar import Controller


class InsightsController(Controller):
    path = "/insights"
