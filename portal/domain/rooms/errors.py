"""Why a room send was refused, in a form both people and clients understand."""

from __future__ import annotations

from typing import Any


class SendRefused(Exception):
    """A send was refused; ``code`` is stable for clients, ``detail`` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def event(self, client_id: str | None) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "detail": self.detail, "client_id": client_id}
