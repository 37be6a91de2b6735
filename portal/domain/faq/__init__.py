"""Instant answers: full-text search over published FAQ entries and answered questions."""
