"""Insights: the activity record, HR's dashboards and the explainable drop-out risk."""
