"""Endpoints for a hiring system: bulk upsert, stage changes, sign-in links."""

from __future__ import annotations

from litestar import Controller, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from portal.api.auth import require_api_token
from portal.api.problems import ApiProblem
from portal.api.schemas import (
    MAX_BULK_ITEMS,
    CandidateUpsertRequest,
    CandidateUpsertResponse,
    LoginLinkResponse,
    StageChangeRequest,
    StageChangeResponse,
    UpsertedCandidate,
    WithdrawalRequest,
    WithdrawalResponse,
    problem_responses,
)
from portal.domain.candidates.upsert import (
    BulkItemsInvalid,
    UpsertItem,
    candidate_move_stage_by_code,
    candidates_upsert,
    login_link_create_by_external_id,
)
from portal.domain.talent.withdrawal import WithdrawalInput, candidate_withdraw_by_external_id
from portal.i18n import gettext as _


class CandidateApiController(Controller):
    path = "/candidates"
    tags = ["candidates"]
    # Every endpoint here is for integrations: the guard makes forgetting it impossible.
    guards = [require_api_token]
    security = [{"BearerToken": []}]

    @put(
        "/",
        summary="Create or update candidates by external_id",
        description=(
            f"Up to {MAX_BULK_ITEMS} candidates per request, matched by `external_id`: new ones "
            "are created, known ones updated (and moved to `stage` when given). All or nothing: "
            "if any item is invalid the answer is 422, nothing is saved, and the problem's "
            "`errors` name each bad item by `index`, `external_id` and `field`. Sending the "
            "same payload again changes nothing (every item comes back `unchanged`). `tags` "
            "replaces the candidate's tags when given (unknown tags are created)."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(400, 401, 413, 422),
    )
    async def upsert(self, data: JSONBody[CandidateUpsertRequest]) -> CandidateUpsertResponse:
        if not data.candidates:
            raise ApiProblem(422, _("The request contains no candidates."))
        if len(data.candidates) > MAX_BULK_ITEMS:
            raise ApiProblem(
                413,
                _(
                    "At most %(limit)s candidates per request; this one has %(count)s.",
                    limit=MAX_BULK_ITEMS,
                    count=len(data.candidates),
                ),
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
                tags=tuple(item.tags) if item.tags is not None else None,
            )
            for item in data.candidates
        ]
        try:
            outcomes = await candidates_upsert(items=items, source="api")
        except BulkItemsInvalid as invalid:
            errors = [
                {
                    "index": error.index,
                    "external_id": error.external_id,
                    "field": error.field,
                    "message": error.message,
                }
                for error in invalid.errors
            ]
            raise ApiProblem(422, str(invalid), errors=errors) from invalid
        return CandidateUpsertResponse(
            created=sum(outcome.result == "created" for outcome in outcomes),
            updated=sum(outcome.result == "updated" for outcome in outcomes),
            unchanged=sum(outcome.result == "unchanged" for outcome in outcomes),
            candidates=[
                UpsertedCandidate(outcome.external_id, outcome.id, outcome.result)  # type: ignore[arg-type]
                for outcome in outcomes
            ],
        )

    @post(
        "/{external_id:str}/stage",
        summary="Move a candidate to another hiring stage",
        description="Recorded in the candidate's stage history with source `api`.",
        status_code=HTTP_200_OK,
        responses=problem_responses(400, 401, 404, 422),
    )
    async def set_stage(
        self, external_id: FromPath[str], data: JSONBody[StageChangeRequest]
    ) -> StageChangeResponse:
        changed = await candidate_move_stage_by_code(
            external_id=external_id, stage_code=data.stage, note=data.note, source="api"
        )
        return StageChangeResponse(external_id=external_id, stage=data.stage, changed=changed)

    @post(
        "/{external_id:str}/withdrawal",
        summary="Withdraw a candidate, recording why (talent pool)",
        description=(
            "Ends the candidate's sessions and records the reason, free text, the needs they "
            "voiced and their consent to be contacted later (expires after "
            "`ONRAMP_TALENT_CONSENT_MONTHS`). 409 when already withdrawn; 422 for an unknown "
            "reason or a malformed need (nothing saved)."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(400, 401, 404, 409, 422),
    )
    async def withdraw(
        self, external_id: FromPath[str], data: JSONBody[WithdrawalRequest]
    ) -> WithdrawalResponse:
        entry = await candidate_withdraw_by_external_id(
            external_id=external_id,
            withdrawal=WithdrawalInput(
                reason_code=data.reason or None,
                text=data.text,
                needs=tuple(data.needs),
                consent=data.consent,
                source="api",
            ),
        )
        return WithdrawalResponse(
            external_id=external_id,
            status="withdrawn",
            reason=entry.reason_code,
            consent_until=entry.consent_until,
        )

    @post(
        "/{external_id:str}/login-links",
        summary="Create a single-use sign-in link for a candidate",
        description="Send the `url` to the candidate (SMS, message); it works once, until "
        "`expires_at`.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 404, 409),
    )
    async def create_login_link(self, external_id: FromPath[str]) -> LoginLinkResponse:
        url, expires_at = await login_link_create_by_external_id(external_id=external_id)
        return LoginLinkResponse(url=url, expires_at=expires_at)
