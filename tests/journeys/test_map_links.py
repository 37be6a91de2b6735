"""``{map_link}``: a short link to the cohort's place, signed so places can't be listed."""

from __future__ import annotations

from urllib.parse import unquote

from portal.domain.journeys.compose import map_key
from tests.factories import make_cohort, make_department


async def test_a_cohorts_map_link_opens_its_place_on_a_map(client):
    cohort = await make_cohort(await make_department(), place="苏州培训中心 3 号楼")
    response = await client.get(f"/map/{map_key(cohort.id)}", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert unquote(response.headers["location"]).endswith("苏州培训中心 3 号楼")


async def test_counting_cohort_ids_or_forging_a_signature_finds_no_place(client):
    department = await make_department()
    first = await make_cohort(department, place="甲地")
    second = await make_cohort(department, place="乙地")
    signature = map_key(first.id).partition("-")[2]
    for key in (
        str(second.id),
        f"{second.id}-{signature}",
        f"{first.id}-{'0' * len(signature)}",
        f"{first.id}",
        "²-" + signature,
        "9" * 30 + "-" + signature,
    ):
        response = await client.get(f"/map/{key}", follow_redirects=False)
        assert response.status_code == 404, key
        assert "location" not in response.headers
