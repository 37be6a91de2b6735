"""``GET /api/v1/me``: the signed-in candidate's home data, for apps and widgets."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency, Provide

from portal.api.auth import provide_api_candidate_id
from portal.api.schemas import CohortOut, CountdownOut, MeResponse, StepOut, problem_responses
from portal.domain.candidates.home import candidate_home


@get(
    "/me",
    summary="The signed-in candidate's progress and countdown",
    description=(
        "Uses the portal's session cookie (the candidate signed in with their link), not a "
        "bearer token: a candidate only ever sees their own data. Dates carry their offset "
        "(the cohort's time zone); stage names follow Accept-Language."
    ),
    tags=["candidate"],
    responses=problem_responses(401),
    dependencies={"candidate_id": Provide(provide_api_candidate_id, sync_to_thread=False)},
)
async def me(candidate_id: NamedDependency[int]) -> MeResponse:
    home = await candidate_home(candidate_id=candidate_id)
    cohort = None
    if home.cohort is not None:
        cohort = CohortOut(
            name=home.cohort.name,
            place=home.cohort.place,
            timezone=home.cohort.timezone,
            starts_at=home.cohort.countdown.starts_at_local,
            countdown=CountdownOut(
                days=home.cohort.countdown.days, state=home.cohort.countdown.state
            ),
        )
    return MeResponse(
        id=home.candidate_id,
        name=home.name,
        department=home.department,
        position=home.position,
        ordinal=home.ordinal,
        status=home.status,
        current_stage=home.current_stage,
        next_step=home.next_step,
        next_step_by=home.next_step_by,
        steps=[
            StepOut(code=s.code, name=s.name, state=s.state, reached_at=s.reached_at)  # type: ignore[arg-type]
            for s in home.steps
        ],
        cohort=cohort,
    )
