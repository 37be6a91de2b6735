"""Answered instantly, per week: of the questions that came up, how many a suggestion answered.

A week runs Monday to Sunday in the SLA policy's time zone; the figures page's period picks
the weeks it overlaps, counting only the days inside the period. "Came up" is the questions
posted (not closed as "not a question" and the like) plus those answered instantly, so the
share is ``instant / (posted + instant)``. A manager sees their own department's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal.domain.access import department_scope
from portal.domain.faq.tables import FaqInstantAnswer
from portal.domain.rooms.tables import RoomQuestion
from portal.domain.sla.policy import sla_policy_get
from portal.domain.staff.tables import StaffUser


@dataclass(frozen=True)
class WeekShare:
    week_start: date
    posted: int
    instant: int

    @property
    def share(self) -> float | None:
        came_up = self.posted + self.instant
        return self.instant / came_up if came_up else None


async def instant_answer_weeks(staff: StaffUser, *, start: date, end: date) -> list[WeekShare]:
    policy = await sla_policy_get()
    zone = policy.zone
    since = datetime.combine(start, time(0), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    department = department_scope(staff)
    questions = RoomQuestion.select(RoomQuestion.asked_at).where(
        (RoomQuestion.asked_at >= since)
        & (RoomQuestion.asked_at < until)
        & (RoomQuestion.status != "closed")
    )
    instants = FaqInstantAnswer.select(FaqInstantAnswer.created_at).where(
        (FaqInstantAnswer.created_at >= since) & (FaqInstantAnswer.created_at < until)
    )
    if department is not None:
        questions = questions.where(RoomQuestion.asker.department == department)
        instants = instants.where(FaqInstantAnswer.department == department)

    def monday(moment: datetime) -> date:
        day = moment.astimezone(zone).date()
        return day - timedelta(days=day.weekday())

    weeks: dict[date, list[int]] = {}
    first = start - timedelta(days=start.weekday())
    week = first
    while week <= end:
        weeks[week] = [0, 0]
        week += timedelta(days=7)
    for row in await questions:
        weeks.setdefault(monday(row["asked_at"]), [0, 0])[0] += 1
    for row in await instants:
        weeks.setdefault(monday(row["created_at"]), [0, 0])[1] += 1
    return [
        WeekShare(week_start=week, posted=counts[0], instant=counts[1])
        for week, counts in sorted(weeks.items())
    ]
