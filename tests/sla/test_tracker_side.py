"""The tracker's reads beside its cards, made in one statement: the same as each read alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.sla.policy import PolicyInput, sla_policy_get, sla_policy_save
from portal.domain.sla.tables import SlaEvent
from portal.domain.sla.tracker_side import EVENT_LIMIT, tracker_side
from portal.domain.suggestions.sla import suggestion_summary
from portal.domain.suggestions.tables import Suggestion
from tests.factories import make_candidate, make_cohort, make_department, make_staff
from tests.sla.helpers import category_named, make_question, make_room


async def _event(question_id: int, kind: str, created_at: datetime) -> int:
    event = SlaEvent(question=question_id, kind=kind, deadline_at=created_at,
                     created_at=created_at)  # fmt: skip
    await event.save()
    return event.id


async def test_policy_and_suggestions_are_those_of_their_own_reads():
    now = datetime.now(UTC)
    hr = await make_staff("hr")
    # No policy saved yet: the defaults, as sla_policy_get answers.
    assert (await tracker_side(hr, now=now)).policy == await sla_policy_get()
    saved = await sla_policy_save(
        data=PolicyInput(
            deadline_hours="8",
            warning_hours="2",
            business_hours_only=True,
            timezone="Europe/Berlin",
            schedule={day: (day < 5, "08:30", "17:00") for day in range(7)},
            webhook_url="",
        )
    )
    side = await tracker_side(hr, now=now)
    assert side.policy == saved == await sla_policy_get()
    assert side.policy.business_hours_only is True and side.policy.timezone == "Europe/Berlin"

    ours, theirs = await make_department(), await make_department()
    for department, hours, status in (
        (ours.id, -2, "open"),
        (ours.id, 5, "open"),
        (theirs.id, 1, "open"),
        (ours.id, -9, "handled"),
    ):
        await Suggestion(
            kind="idea", category="other", body="…", department=department,
            deadline_at=now + timedelta(hours=hours), status=status,
        ).save()  # fmt: skip
    manager = await make_staff("manager", department=ours)
    for staff in (hr, manager):
        side = await tracker_side(staff, now=now)
        assert side.suggestions == await suggestion_summary(staff, now)
    assert (await tracker_side(hr, now=now)).suggestions.open == 3
    assert (await tracker_side(manager, now=now)).suggestions.open == 2


async def test_alerts_are_the_last_weeks_newest_first_within_the_staff_members_scope():
    now = datetime.now(UTC)
    production, stores = await make_department("生产部"), await make_department("门店")
    cohort = await make_cohort(production)
    asker, outsider = (
        await make_candidate(production, name="王五"),
        await make_candidate(stores, name="孙七"),
    )
    room = await make_room(cohort)
    duties, pay = await category_named("岗位职责"), await category_named("薪资福利")
    routed = await make_question(room, asker, category=duties)
    to_hr = await make_question(room, asker, category=pay)
    elsewhere = await make_question(room, outsider, category=duties)
    earlier = await make_question(room, asker, category=duties)
    old = await _event(earlier.id, "warning", now - timedelta(days=7, minutes=1))
    first = await _event(routed.id, "warning", now - timedelta(hours=3))
    second = await _event(to_hr.id, "breach", now - timedelta(hours=2))
    third = await _event(elsewhere.id, "breach", now - timedelta(hours=1))
    latest = await _event(routed.id, "breach", now - timedelta(hours=2, minutes=30))

    hr_events = (await tracker_side(await make_staff("hr"), now=now)).events
    assert [event.id for event in hr_events] == [latest, third, second, first]
    assert old not in [event.id for event in hr_events]
    newest = hr_events[0]
    assert (newest.kind, newest.question_id, newest.asker_name, newest.status) == (
        "breach", routed.id, "王五", "open",
    )  # fmt: skip
    assert newest.created_at == now - timedelta(hours=2, minutes=30)

    manager = await make_staff("manager", department=production)
    assert [event.id for event in (await tracker_side(manager, now=now)).events] == [
        latest,
        first,
    ]

    # At most EVENT_LIMIT, the newest.
    extra = []
    for minutes in range(1, EVENT_LIMIT + 2):
        question = await make_question(room, asker, category=pay)
        extra.append(await _event(question.id, "warning", now - timedelta(minutes=minutes)))
    hr_events = (await tracker_side(await make_staff("hr"), now=now)).events
    assert [event.id for event in hr_events] == sorted(extra, reverse=True)[:EVENT_LIMIT]
