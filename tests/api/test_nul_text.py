"""Text with the NUL character gets a 400 on both databases (PostgreSQL cannot store it)."""

from __future__ import annotations

import json

from portal.domain.candidates.tables import Candidate
from tests.api.helpers import assert_problem, offer
from tests.factories import make_candidate, sign_in_as

URL = "/api/v1/candidates"


async def test_an_api_body_with_nul_is_refused_and_saves_nothing(client, api_headers, org):
    body = json.dumps({"candidates": [offer("ATS\u00001", "13700000001")]})
    headers = {**api_headers, "content-type": "application/json"}
    response = await client.put(URL, content=body, headers=headers)
    assert "NUL" in assert_problem(response, 400)["detail"]
    # The media type is matched without its case and parameters.
    spelled = {**api_headers, "Content-Type": "Application/JSON; charset=UTF-8"}
    assert (await client.put(URL, content=body, headers=spelled)).status_code == 400
    assert await Candidate.count() == 0
    # The same body without it is read by the handler as usual (the check left it readable).
    fine = json.dumps({"candidates": [offer("ATS-1", "13700000001")]})
    assert (await client.put(URL, content=fine, headers=headers)).status_code == 200


async def test_a_form_or_query_with_nul_is_refused_and_changes_nothing(client):
    await sign_in_as(client, "hr")
    candidate = await make_candidate(name="原名")
    page = await client.get(f"/admin/candidates/{candidate.id}/edit")
    assert page.status_code == 200
    response = await client.post(
        f"/admin/candidates/{candidate.id}/edit",
        content=f"name=%E6%96%B0%00&phone={candidate.phone}&department={candidate.department}"
        f"&_csrf_token={client.cookies.get('onramp_csrf')}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert (await Candidate.objects().get(Candidate.id == candidate.id)).name == "原名"
    assert (await client.get("/admin/candidates?q=%00")).status_code == 400
