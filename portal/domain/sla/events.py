"""A warning or breach recorded by the deadline watch (one row of ``sla_event``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RecordedEvent:
    id: int
    question_id: int
    kind: str
    deadline_at: datetime
    created_at: datetime
