"""Errors raised by services; web layers turn them into form errors or problem+json."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the operation; ``str(error)`` is a message for the user."""


class ValidationFailed(DomainError):
    """Input is invalid; ``errors`` maps each bad field to a message for the user."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass
