"""Which candidates have an overdue checklist item (the candidate list's filter).

The same rule as a candidate's own checklist (:mod:`portal.domain.checklist.items`): an
item is overdue when its deadline — days before the cohort's first day, in the cohort's
time zone — has passed and it is not handed in (to do, draft or rejected). Computed for
everyone at once with four queries, since deadlines are dates in each cohort's zone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.organisation.tables import Cohort


async def overdue_candidate_ids(*, now: datetime | None = None) -> set[int]:
    now = now or datetime.now(UTC)
    templates = await ChecklistTemplate.select(
        ChecklistTemplate.id,
        ChecklistTemplate.department,
        ChecklistTemplate.position,
        ChecklistTemplate.days_before_start,
    ).where(ChecklistTemplate.status == "active")
    if not templates:
        return set()
    default_zone = get_settings().default_timezone
    # Per cohort, the templates whose deadline has passed there.
    late: dict[int, list[dict]] = defaultdict(list)
    for cohort in await Cohort.select(Cohort.id, Cohort.starts_at, Cohort.timezone):
        zone = ZoneInfo(cohort["timezone"] or default_zone)
        start = cohort["starts_at"].astimezone(zone).date()
        today = now.astimezone(zone).date()
        for template in templates:
            if start - timedelta(days=template["days_before_start"]) < today:
                late[cohort["id"]].append(template)
    if not late:
        return set()
    candidates = await Candidate.select(
        Candidate.id, Candidate.department, Candidate.position, Candidate.cohort
    ).where(Candidate.cohort.is_in(sorted(late)))
    handed: dict[int, set[int]] = defaultdict(set)
    for row in await ChecklistSubmission.select(
        ChecklistSubmission.candidate, ChecklistSubmission.template
    ).where(ChecklistSubmission.status.is_in(["submitted", "approved"])):
        handed[row["candidate"]].add(row["template"])
    found = set()
    for candidate in candidates:
        for template in late[candidate["cohort"]]:
            if template["position"]:
                matches = template["position"] == candidate["position"]
            elif template["department"]:
                matches = template["department"] == candidate["department"]
            else:
                matches = True
            if matches and template["id"] not in handed[candidate["id"]]:
                found.add(candidate["id"])
                break
    return found
