"""Journeys: automatic messages HR can see and edit, HR's manual sends, one-tap links, A/B.

See docs/journeys.md.
"""
