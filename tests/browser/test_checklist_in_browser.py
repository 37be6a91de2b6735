"""On a phone: upload a photo to the checklist, hand it in, HR approves, the page says so."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from portal.domain.candidates.login_links import login_link_create
from portal.domain.checklist.tables import ChecklistSubmission
from portal.domain.checklist.templates import TemplateInput, template_create
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import STAFF_PASSWORD, make_candidate, make_cohort, make_department, make_staff


def _photo(path) -> None:
    image = Image.new("RGB", (800, 600), (30, 90, 170))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 18.0, 0.0), 3: "E", 4: (120.0, 37.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    path.write_bytes(buffer.getvalue())


async def test_candidate_uploads_a_photo_and_sees_it_approved(
    live_server, phone_page, database, tmp_path
):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    template = await template_create(
        data=TemplateInput(
            title="一寸免冠证件照",
            explanation="白底,近六个月内拍摄",
            accepted_kinds=("photo",),
            min_files=1,
            max_files=1,
            days_before_start=3,
        )
    )
    hr = await make_staff("hr")
    photo = tmp_path / "我的照片.jpg"
    _photo(photo)

    page = phone_page
    await sign_in_by_link(
        page, live_url(await login_link_create(candidate_id=candidate.id), live_server)
    )
    await page.goto(live_server + "/checklist")
    item = page.get_by_test_id(f"item-{template.id}")
    assert (await item.get_by_test_id("status").inner_text()).strip() == "待上传"
    assert "天后截止" in await item.get_by_test_id("due").inner_text()
    # Choosing the file uploads it (small JS); the thumbnail appears after the reload.
    async with page.expect_navigation():
        await item.locator("input[type=file]").set_input_files(str(photo))
    assert "已上传" in await page.get_by_test_id("notice").inner_text()
    item = page.get_by_test_id(f"item-{template.id}")
    assert "我的照片.jpg" in await item.get_by_test_id("file").inner_text()
    thumbnail = item.locator("img").first
    # The thumbnail loads lazily: once in view, it must decode to a real picture.
    await thumbnail.scroll_into_view_if_needed()
    await thumbnail.evaluate(
        "img => img.complete ? null : new Promise(done => { img.onload = img.onerror = done; })"
    )
    assert await thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    async with page.expect_navigation():
        await item.get_by_test_id("submit").click()
    assert "已提交" in await page.get_by_test_id("notice").inner_text()
    # The notice is for this visit: the address no longer carries it.
    assert page.url == f"{live_server}/checklist#item-{template.id}"
    item = page.get_by_test_id(f"item-{template.id}")
    assert (await item.get_by_test_id("status").inner_text()).strip() == "待审核"

    # HR approves through the admin app (real HTTP, CSRF and all).
    submission = await ChecklistSubmission.objects().first()
    async with httpx.AsyncClient(base_url=live_server) as admin:
        await admin.get("/admin/login")
        signed_in = await admin.post(
            "/admin/login",
            data={
                "email": hr.email,
                "password": STAFF_PASSWORD,
                "_csrf_token": admin.cookies.get("onramp_csrf"),
            },
        )
        assert signed_in.status_code in (200, 303)
        detail = await admin.get(f"/admin/documents/submissions/{submission.id}")
        assert "我的照片.jpg" in detail.text
        approved = await admin.post(
            f"/admin/documents/submissions/{submission.id}/review",
            data={
                "round": str(submission.round),
                "decision": "approved",
                "_csrf_token": admin.cookies.get("onramp_csrf"),
            },
        )
        assert approved.status_code in (200, 303)

    await page.goto(live_server + "/checklist")
    item = page.get_by_test_id(f"item-{template.id}")
    assert (await item.get_by_test_id("status").inner_text()).strip() == "已通过"
    assert "已通过 1/1 项" in await page.get_by_test_id("checklist-progress").inner_text()
    assert await item.locator("input[type=file]").count() == 0
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT_DIR / f"checklist-{database}.png"), full_page=True)
