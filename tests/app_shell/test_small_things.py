"""The checklist's big button opens the picker; an unaffordable reward says what is missing."""

from __future__ import annotations

import re

from portal.domain.learning.points import point_entry_append
from tests.app_shell.helpers import make_template
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate
from tests.learning.helpers import make_reward


async def test_the_upload_button_is_a_label_around_the_file_input(client):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    template = await make_template("身份证")
    await sign_in_candidate(client, candidate)
    page = (await client.get("/checklist")).text
    label = re.search(r'<label class="upload-button".*?</label>', page, re.S)
    assert label, "no big upload button"
    file_input = re.search(r'<input id="files-(\d+)" type="file"[^>]*>', label.group())
    assert file_input and file_input.group(1) == str(template.id)
    assert 'accept="image/*,application/pdf"' in file_input.group()
    # Photo or PDF: the picker offers both, so the camera is not forced.
    assert "capture" not in file_input.group()


async def test_a_photo_only_item_opens_the_camera(client):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    template = await make_template("证件照")
    template.accepted_kinds = "photo"
    await template.save()
    await sign_in_candidate(client, candidate)
    page = (await client.get("/checklist")).text
    file_input = re.search(r'<input id="files-\d+" type="file"[^>]*>', page).group()
    assert 'accept="image/*"' in file_input and 'capture="environment"' in file_input


async def test_an_unaffordable_reward_says_how_many_points_are_missing(client):
    candidate = await make_candidate()
    await point_entry_append(candidate_id=candidate.id, amount=4, reason="测试", source_key="t:1")
    dear = await make_reward(price=10, name="保温杯")
    cheap = await make_reward(price=3, name="贴纸")
    await sign_in_candidate(client, candidate)
    page = (await client.get("/rewards")).text
    dear_card = page.split(f'data-testid="reward-{dear.id}"')[1].split("</section>")[0]
    cheap_card = page.split(f'data-testid="reward-{cheap.id}"')[1].split("</section>")[0]
    assert "还差 6 积分" in dear_card
    assert "disabled" in dear_card
    assert "points-missing" not in cheap_card and "disabled" not in cheap_card
