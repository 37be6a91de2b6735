"""The suggestion box: candidates submit, HR (or the department's manager) handles.

Services: ``suggestion_submit``, ``suggestion_handle``. Selectors: ``suggestions_of_candidate``,
``suggestion_of_candidate``, ``suggestions_for_staff``, ``suggestion_for_staff``.

Anonymous means the candidate is not stored at all. The row keeps the cohort (and its
department) for routing, and its times are rounded down to the hour, as is the deadline's
start, so the row cannot be matched to a request by its time. Nothing is logged about a
submission. A manager sees the suggestions routed to their own department; HR and admins
see all of them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.db import is_unique_violation, write_transaction
from portal.domain.access import department_scope
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Cohort
from portal.domain.sla.deadlines import question_deadline
from portal.domain.staff.tables import StaffUser
from portal.domain.suggestions.tables import (
    SUGGESTION_CATEGORIES,
    SUGGESTION_KINDS,
    Suggestion,
)
from portal.domain.validation import row_id_from
from portal.i18n import gettext as _

MAX_BODY = 2000
MAX_REPLY = 2000


def kind_label(kind: str) -> str:
    return {"suggestion": _("Suggestion"), "complaint": _("Complaint")}.get(kind, kind)


def category_label(category: str) -> str:
    return {
        "process": _("Hiring and onboarding process"),
        "training": _("Training"),
        "housing": _("Housing and meals"),
        "pay": _("Pay and benefits"),
        "people": _("Colleagues and managers"),
        "other": _("Other"),
    }.get(category, category)


def category_choices() -> list[tuple[str, str]]:
    return [(key, category_label(key)) for key in SUGGESTION_CATEGORIES]


def _text(raw: object) -> str:
    """Plain text as typed: newlines kept, other control characters dropped, trimmed."""
    text = raw if isinstance(raw, str) else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char for char in text if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    ).strip()


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def suggestion_submit(
    *,
    candidate_id: int,
    kind: object,
    category: object,
    body: object,
    anonymous: bool,
    client_key: object = "",
) -> Suggestion | None:
    """Store the suggestion; None for a repeated form (already stored, nothing new)."""
    errors: dict[str, str] = {}
    if kind not in SUGGESTION_KINDS:
        errors["kind"] = _("Choose suggestion or complaint.")
    if category not in SUGGESTION_CATEGORIES:
        errors["category"] = _("Choose a category from the list.")
    text = _text(body)
    if not text:
        errors["body"] = _("Please write your suggestion.")
    elif len(text) > MAX_BODY:
        errors["body"] = _("At most %(max)s characters, please.", max=MAX_BODY)
    key = client_key if isinstance(client_key, str) else ""
    if len(key) > 64:
        errors["body"] = errors.get("body") or _("Please send the form again.")
    if errors:
        raise ValidationFailed(errors)
    author = (
        await Candidate.select(Candidate.department, Candidate.cohort)
        .where(Candidate.id == candidate_id)
        .first()
    )
    if author is None:
        raise NotFound(_("Not found."))
    department = author["department"]
    if anonymous:
        # Routed by the cohort alone: its department, or none (HR) for a shared cohort.
        department = None
        if author["cohort"]:
            cohort = (
                await Cohort.select(Cohort.department).where(Cohort.id == author["cohort"]).first()
            )
            department = cohort["department"] if cohort else None
    now = datetime.now(UTC)
    arrived = _hour(now) if anonymous else now
    suggestion = Suggestion(
        kind=kind,
        category=category,
        body=text,
        is_anonymous=anonymous,
        candidate=None if anonymous else candidate_id,
        cohort=author["cohort"],
        department=department,
        client_key=key,
        created_at=arrived,
        deadline_at=await question_deadline(arrived),
        status="open",
    )
    try:
        async with write_transaction():
            await suggestion.save()
    except Exception as error:
        if is_unique_violation(error):
            return None
        raise
    return suggestion


@dataclass(frozen=True)
class SuggestionView:
    id: int
    kind: str
    category: str
    body: str
    is_anonymous: bool
    created_at: datetime
    deadline_at: datetime
    status: str
    handled_at: datetime | None
    reply: str
    # Staff only: the author's name (empty when anonymous), routing and handling.
    author_name: str = ""
    cohort_name: str = ""
    handling: str = ""
    handled_by_name: str = ""

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def category_label(self) -> str:
        return category_label(self.category)


_STAFF_COLUMNS = (
    Suggestion.id,
    Suggestion.kind,
    Suggestion.category,
    Suggestion.body,
    Suggestion.is_anonymous,
    Suggestion.created_at,
    Suggestion.deadline_at,
    Suggestion.status,
    Suggestion.handled_at,
    Suggestion.reply,
    Suggestion.handling,
    Suggestion.candidate.name.as_alias("author_name"),
    Suggestion.handled_by.name.as_alias("handled_by_name"),
    Suggestion.handled_by.email.as_alias("handled_by_email"),
    Suggestion.cohort,
)


def _view(row: dict[str, Any], cohorts: dict[int, str] | None = None) -> SuggestionView:
    return SuggestionView(
        id=row["id"],
        kind=row["kind"],
        category=row["category"],
        body=row["body"],
        is_anonymous=bool(row["is_anonymous"]),
        created_at=row["created_at"],
        deadline_at=row["deadline_at"],
        status=row["status"],
        handled_at=row["handled_at"],
        reply=row["reply"],
        author_name=row.get("author_name") or "",
        cohort_name=(cohorts or {}).get(row.get("cohort"), ""),
        handling=row.get("handling", ""),
        handled_by_name=row.get("handled_by_name") or row.get("handled_by_email") or "",
    )


async def suggestions_of_candidate(candidate_id: int) -> list[SuggestionView]:
    """The candidate's own named suggestions, newest first (anonymous ones are nobody's)."""
    rows = (
        await Suggestion.select(*_STAFF_COLUMNS[:10])
        .where(Suggestion.candidate == candidate_id)
        .order_by(Suggestion.id, ascending=False)
    )
    return [_view(row) for row in rows]


async def suggestion_of_candidate(candidate_id: int, suggestion_id: object) -> SuggestionView:
    wanted = row_id_from(suggestion_id)
    row = (
        await Suggestion.select(*_STAFF_COLUMNS[:10])
        .where((Suggestion.id == (wanted or 0)) & (Suggestion.candidate == candidate_id))
        .first()
    )
    if row is None:
        raise NotFound(_("This suggestion does not exist."))
    return _view(row)


def suggestion_scope(staff: StaffUser) -> Any:
    department = department_scope(staff)
    return None if department is None else Suggestion.department == department


async def _cohort_names() -> dict[int, str]:
    return {row["id"]: row["name"] for row in await Cohort.select(Cohort.id, Cohort.name)}


async def suggestions_for_staff(
    staff: StaffUser, *, include_handled: bool = False, limit: int = 300
) -> list[SuggestionView]:
    """Open suggestions by deadline (then, if asked, the latest handled), in the staff's scope."""
    query = Suggestion.select(*_STAFF_COLUMNS)
    scope = suggestion_scope(staff)
    if scope is not None:
        query = query.where(scope)
    if not include_handled:
        query = query.where(Suggestion.status == "open")
    rows = (
        await query.order_by(Suggestion.status, ascending=False)
        .order_by(Suggestion.deadline_at)
        .limit(limit)
    )
    cohorts = await _cohort_names()
    return [_view(row, cohorts) for row in rows]


async def suggestion_for_staff(staff: StaffUser, suggestion_id: int) -> SuggestionView:
    query = Suggestion.select(*_STAFF_COLUMNS).where(Suggestion.id == suggestion_id)
    scope = suggestion_scope(staff)
    if scope is not None:
        query = query.where(scope)
    row = await query.first()
    if row is None:
        raise NotFound(_("This suggestion does not exist."))
    return _view(row, await _cohort_names())


async def suggestion_handle(
    *, staff: StaffUser, suggestion_id: int, handling: object, reply: object
) -> None:
    """Record what was done and the reply; the suggestion leaves the SLA tracker."""
    await suggestion_for_staff(staff, suggestion_id)
    errors: dict[str, str] = {}
    handling_text, reply_text = _text(handling), _text(reply)
    if not handling_text:
        errors["handling"] = _("Please write what was done.")
    elif len(handling_text) > MAX_REPLY:
        errors["handling"] = _("At most %(max)s characters, please.", max=MAX_REPLY)
    if len(reply_text) > MAX_REPLY:
        errors["reply"] = _("At most %(max)s characters, please.", max=MAX_REPLY)
    if errors:
        raise ValidationFailed(errors)
    now = datetime.now(UTC)
    async with write_transaction():
        done = (
            await Suggestion.update(
                {
                    Suggestion.status: "handled",
                    Suggestion.handled_at: now,
                    Suggestion.handled_by: staff.id,
                    Suggestion.handling: handling_text,
                    Suggestion.reply: reply_text,
                }
            )
            .where((Suggestion.id == suggestion_id) & (Suggestion.status == "open"))
            .returning(Suggestion.id)
        )
    if not done:
        from portal.domain.errors import Conflict

        raise Conflict(_("This suggestion is already handled."))
