"""Demo journeys: the default journey, and tags on the demo candidates to filter and target."""

from __future__ import annotations

from portal.domain.candidates.tables import Candidate
from portal.domain.journeys.defaults import default_journey_ensure
from portal.domain.tags.names import candidate_tags_set

DEMO_TAGS = {
    "13800138000": "技术类、关注职业发展",
    "13800138001": "关注职业发展",
    "13800138003": "门店、夜班意向",
}


async def load_demo_journeys() -> None:
    await default_journey_ensure()
    for phone, tags in DEMO_TAGS.items():
        candidate = await Candidate.select(Candidate.id).where(Candidate.phone == phone).first()
        if candidate is not None:
            await candidate_tags_set(candidate_id=candidate["id"], tags=tags)
