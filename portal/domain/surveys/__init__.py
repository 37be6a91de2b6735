"""Pulse surveys: short surveys HR sends through the journeys, NPS per cohort/department."""
