"""Growth paths: HR describes them per position; candidates see them; bad lines refused."""

from __future__ import annotations

import pytest

from portal.domain.candidates.records import CandidateInput, candidate_update
from portal.domain.errors import ValidationFailed
from portal.domain.talent.growth import growth_path, growth_path_save
from tests.admin.forms import field_error, submit
from tests.factories import make_candidate, make_department, make_position, sign_in_candidate

PATH = "装配工 | 0\n班组长 | 12 | 8\n主管助理 | 18"


async def _candidate_with_position(name="装配工"):
    department = await make_department()
    position = await make_position(department, name)
    candidate = await make_candidate(department)
    await candidate_update(
        candidate_id=candidate.id,
        data=CandidateInput(
            name=candidate.name, phone=candidate.phone, department_id=department.id,
            position_id=position.id,
        ),
    )  # fmt: skip
    return candidate, position


async def test_hr_saves_a_path_and_the_candidate_sees_it(staff_client, client):
    hr = await staff_client("hr")
    candidate, position = await _candidate_with_position()
    url = f"/admin/talent/settings/growth/{position.id}"
    assert (await hr.get(url)).status_code == 200
    assert (await submit(hr, url, {"steps": PATH})).status_code == 303
    path = await growth_path(position.id)
    assert [(s.title, s.months, s.people_last_year) for s in path.steps] == [
        ("装配工", 0, None), ("班组长", 12, 8), ("主管助理", 18, None),
    ]  # fmt: skip
    await sign_in_candidate(client, candidate)
    page = await client.get("/growth")
    assert page.status_code == 200 and "班组长" in page.text and "12" in page.text
    assert "/growth" in (await client.get("/profile")).text
    # Recall messages link to the open page (no sign-in needed).
    client.cookies.clear()
    assert "主管助理" in (await client.get(f"/growth/{position.id}")).text
    assert (await client.get("/growth/999999")).status_code == 404


@pytest.mark.parametrize(
    "text", ["班组长 | twelve", "班组长 | -1", "<b>x</b> | 1", "a | 1 | 2 | 3", "x|1\n" * 11]
)
async def test_bad_growth_lines_are_refused_and_change_nothing(text):
    _candidate, position = await _candidate_with_position()
    await growth_path_save(position_id=position.id, text=PATH)
    with pytest.raises(ValidationFailed):
        await growth_path_save(position_id=position.id, text=text)
    assert len((await growth_path(position.id)).steps) == 3


async def test_a_manager_cannot_edit_growth_paths_and_errors_show_next_to_the_field(
    staff_client,
):
    _candidate, position = await _candidate_with_position()
    manager = await staff_client("manager")
    url = f"/admin/talent/settings/growth/{position.id}"
    assert (await submit(manager, url, {"steps": PATH})).status_code == 403
    hr = await staff_client("hr")
    bad = await submit(hr, url, {"steps": "班组长 | many"})
    assert bad.status_code == 400 and field_error(bad.text, "steps")
