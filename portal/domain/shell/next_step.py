"""The home page's one "next step": the single most useful thing to do now.

In order: a document HR sent back (it blocks the candidate's start), a new answer to one of
their questions, the open document due soonest, the first course not yet passed. Pure:
the inputs are read by the home page's existing queries and the tab bar's badge query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.checklist.items import Checklist, ChecklistItem
from portal.domain.shell.badges import Badges

_FAR_AWAY = date.max


@dataclass(frozen=True, slots=True)
class NextStep:
    kind: str  # "rejected" | "answer" | "document" | "course"
    title: str  # the document's or course's title; empty for an answer
    href: str
    due: date | None = None
    days_left: int | None = None
    relative: str = ""


def _due_first(item: ChecklistItem) -> tuple[date, int]:
    return (item.deadline.due if item.deadline else _FAR_AWAY, item.template_id)


def _document_step(kind: str, item: ChecklistItem) -> NextStep:
    return NextStep(
        kind=kind,
        title=item.title,
        href=f"/checklist#item-{item.template_id}",
        due=item.deadline.due if item.deadline else None,
        days_left=item.deadline.days_left if item.deadline else None,
        relative=item.deadline.relative if item.deadline else "",
    )


def next_step_pick(*, checklist: Checklist | None, badges: Badges) -> NextStep | None:
    """The one action to lead the home page with, or None when nothing is waiting."""
    items = checklist.items if checklist else []
    rejected = sorted((i for i in items if i.status == "rejected"), key=_due_first)
    if rejected:
        return _document_step("rejected", rejected[0])
    if badges.answers and badges.answer_room:
        return NextStep(kind="answer", title="", href=f"/rooms/{badges.answer_room}")
    open_items = sorted(
        (i for i in items if i.status in ("todo", "draft") and i.required), key=_due_first
    )
    if open_items:
        return _document_step("document", open_items[0])
    if badges.course_id is not None:
        return NextStep(
            kind="course", title=badges.course_title, href=f"/learning/courses/{badges.course_id}"
        )
    return None
