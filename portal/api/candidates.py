"""Endpoints for a hiring system: bulk upsert, stage changes, sign-in links."""

from __future__ import annotations

from litestar import Controller, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from portal.api.problems import ApiProblem
from portal.api.schemas import (
    MAX_BULK_ITEMS,
    CandidateUpsertRequest,
    CandidateUpsertResponse,
    LoginLinkResponse,
    StageChangeRequest,
    StageChangeResponse,
    UpsertedCandidate,
)
from portal.domain.candidate_upsert import BulkItemsInvalid, UpsertItem, candidates_upsert
from portal.domain.candidates import candidate_move_stage
from portal.domain.errors import DomainError, NotFound
from portal.domain.login_links import login_link_create
from portal.domain.tables import ApiToken, Candidate, LoginLink, Stage


async def _candidate_by_external_id(external_id: str) -> Candidate:
    candidate = await Candidate.objects().get(Candidate.external_id == external_id)
    if candidate is None:
        raise NotFound(f"No candidate with external_id {external_id!r}.")
    return candidate


class CandidateApiController(Controller):
    path = "/candidates"
    tags = ["candidates"]
    security = [{"BearerToken": []}]

    @put(
        "/",
        summary="Create or update candidates by external_id",
        description=(
            f"Up to {MAX_BULK_ITEMS} candidates per request. Every item is validated first; "
            "one invalid item rejects the whole request (422) and the problem's `errors` name "
            "each bad item by index and external_id. Replaying the same payload changes nothing."
        ),
        status_code=HTTP_200_OK,
    )
    async def upsert(
        self, data: JSONBody[CandidateUpsertRequest], api_token: NamedDependency[ApiToken]
    ) -> CandidateUpsertResponse:
        if not data.candidates:
            raise ApiProblem(422, "The request contains no candidates.")
        if len(data.candidates) > MAX_BULK_ITEMS:
            raise ApiProblem(
                413,
                f"At most {MAX_BULK_ITEMS} candidates per request; got {len(data.candidates)}.",
            )
        items = [
            UpsertItem(
                external_id=item.external_id,
                name=item.name,
                phone=item.phone,
                department=item.department,
                email=item.email,
                position=item.position,
                cohort=item.cohort,
                stage=item.stage,
            )
            for item in data.candidates
        ]
        try:
            outcomes = await candidates_upsert(items=items, source="api")
        except BulkItemsInvalid as invalid:
            raise ApiProblem(
                422,
                str(invalid),
                errors=[
                    {
                        "index": error.index,
                        "external_id": error.external_id,
                        "field": error.field,
                        "message": error.message,
                    }
                    for error in invalid.errors
                ],
            ) from invalid
        return CandidateUpsertResponse(
            created=sum(o.result == "created" for o in outcomes),
            updated=sum(o.result == "updated" for o in outcomes),
            unchanged=sum(o.result == "unchanged" for o in outcomes),
            candidates=[UpsertedCandidate(o.external_id, o.id, o.result) for o in outcomes],  # type: ignore[arg-type]
        )

    @post(
        "/{external_id:str}/stage",
        summary="Move a candidate to another hiring stage",
        status_code=HTTP_200_OK,
    )
    async def set_stage(
        self,
        external_id: FromPath[str],
        data: JSONBody[StageChangeRequest],
        api_token: NamedDependency[ApiToken],
    ) -> StageChangeResponse:
        candidate = await _candidate_by_external_id(external_id)
        stage = await Stage.objects().get(Stage.code == data.stage)
        if stage is None:
            codes = [
                row["code"] for row in await Stage.select(Stage.code).order_by(Stage.sort_order)
            ]
            raise ApiProblem(
                422, f"Unknown stage {data.stage!r}; known stages: {', '.join(codes)}."
            )
        changed = await candidate_move_stage(
            candidate_id=candidate.id, stage_id=stage.id, source="api", note=data.note
        )
        return StageChangeResponse(external_id=external_id, stage=stage.code, changed=changed)

    @post(
        "/{external_id:str}/login-links",
        summary="Create a single-use sign-in link for a candidate",
        status_code=HTTP_201_CREATED,
    )
    async def create_login_link(
        self, external_id: FromPath[str], api_token: NamedDependency[ApiToken]
    ) -> LoginLinkResponse:
        candidate = await _candidate_by_external_id(external_id)
        if candidate.status == "withdrawn":
            raise ApiProblem(409, "This candidate has withdrawn; no sign-in link can be created.")
        try:
            url = await login_link_create(candidate_id=candidate.id)
        except DomainError as refused:
            raise ApiProblem(409, str(refused)) from refused
        link = (
            await LoginLink.select(LoginLink.expires_at)
            .where(LoginLink.candidate == candidate.id)
            .order_by(LoginLink.id, ascending=False)
            .first()
        )
        return LoginLinkResponse(url=url, expires_at=link["expires_at"])
