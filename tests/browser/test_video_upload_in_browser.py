"""A manager uploads a welcome video through the admin page; a dropped chunk is resumed.

Then HR approves it and a candidate sees it on the phone, where it costs no data until
pressed and seeking works (Range requests against the real server).
"""

from __future__ import annotations

import struct

from playwright.async_api import expect

from portal.demo.videos import WELCOME_MP4
from portal.domain.candidates.login_links import login_link_create
from portal.domain.videos.tables import WelcomeVideo
from portal.files.storage import get_storage
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import STAFF_PASSWORD, make_candidate, make_department, make_staff

CHUNK = 4 * 1024 * 1024


def _video_of_three_chunks() -> bytes:
    """A real MP4 padded with an MP4 ``free`` box (players skip it) to span three chunks."""
    video = WELCOME_MP4.read_bytes()
    padding = 2 * CHUNK + 1000 - len(video)
    return video + struct.pack(">I", padding + 8) + b"free" + bytes(padding)


async def _sign_in_staff(page, base_url: str, email: str) -> None:
    await page.goto(base_url + "/admin/login")
    await page.fill("#email", email)
    await page.fill("#password", STAFF_PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert "/admin/login" not in page.url, await page.inner_text("main")


async def test_manager_uploads_with_a_dropped_chunk_hr_approves_candidate_watches(
    live_server, phone_page, database, tmp_path
):
    department = await make_department("生产部")
    manager = await make_staff("manager", department=department, email="li@example.com")
    await make_staff("hr", email="hr@example.com")
    candidate = await make_candidate(department, name="张三")
    data = _video_of_three_chunks()
    path = tmp_path / "welcome.mp4"
    path.write_bytes(data)

    page = phone_page
    chunk_offsets: list[str] = []
    offset_checks: list[str] = []
    dropped: dict[str, bool] = {}

    async def flaky_network(route, request):
        if request.method == "GET":
            offset_checks.append(request.url)
            await route.continue_()
            return
        offset = request.headers.get("upload-offset", "")
        chunk_offsets.append(offset)
        if offset == str(CHUNK) and "before" not in dropped:
            # The connection drops before the chunk reaches the server.
            dropped["before"] = True
            await route.abort("connectionreset")
        elif offset == str(2 * CHUNK) and "after" not in dropped:
            # The server stores the chunk, but the answer is lost on the way back.
            dropped["after"] = True
            await route.fetch()
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/admin/videos/uploads/*", flaky_network)
    await _sign_in_staff(page, live_server, manager.email)
    await page.goto(live_server + "/admin/videos")
    await page.fill("#video-title", "欢迎加入生产部")
    await page.set_input_files("[data-testid=video-file]", str(path))
    await page.click("#video-upload button[type=submit]")
    # (A locator, not wait_for_function: the page's CSP forbids the eval that one needs.)
    await expect(page.locator("[data-testid=upload-percent]").first).to_have_text(
        "100%", timeout=30_000
    )
    assert await page.inner_text("[data-testid=upload-percent]") == "100%"
    message = page.get_by_test_id("upload-message")
    await message.filter(has_text="HR").wait_for(timeout=10_000)

    # Chunk 2 was sent twice; chunk 3 once lost its answer and was not sent again.
    assert chunk_offsets == ["0", str(CHUNK), str(CHUNK), str(2 * CHUNK)]
    assert len(offset_checks) == 2  # asked "where did we stop?" after each failure
    video = await WelcomeVideo.objects().get(WelcomeVideo.department == department.id)
    assert video.status == "pending"
    assert get_storage().local_path(video.storage_key).read_bytes() == data

    # HR watches it inline and approves it.
    await page.context.clear_cookies()
    await page.unroute("**/admin/videos/uploads/*")
    await _sign_in_staff(page, live_server, "hr@example.com")
    await page.goto(f"{live_server}/admin/videos/{video.id}")
    duration = await page.evaluate(
        """() => new Promise((resolve) => {
            const v = document.querySelector('[data-testid=review-player]');
            if (v.readyState >= 1) resolve(v.duration);
            v.addEventListener('loadedmetadata', () => resolve(v.duration));
            v.addEventListener('error', () => resolve(-1));
        })"""
    )
    assert duration == 6  # the demo clip: three cards of two seconds
    await page.click("[data-testid=approve]")
    await page.wait_for_url(live_server + "/admin/videos")

    # The candidate sees it on the phone; nothing but metadata loads until pressed.
    await page.context.clear_cookies()
    video_requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            video_requests.append(request.headers.get("range", ""))
            if f"/videos/{video.id}" in request.url and "poster" not in request.url
            else None
        ),
    )
    await sign_in_by_link(
        page, live_url(await login_link_create(candidate_id=candidate.id), live_server)
    )
    section = page.get_by_test_id("welcome-video")
    await section.wait_for()
    player = section.locator("video")
    assert await player.get_attribute("preload") == "metadata"
    assert await player.get_attribute("poster") is None  # none was uploaded
    seeked = await page.evaluate(
        """() => new Promise((resolve) => {
            const v = document.querySelector('[data-testid=welcome-video] video');
            const seek = () => { v.currentTime = 2.5; };
            v.addEventListener('seeked', () => resolve(v.currentTime));
            v.addEventListener('error', () => resolve(-1));
            if (v.readyState >= 1) seek(); else v.addEventListener('loadedmetadata', seek);
        })"""
    )
    assert seeked == 2.5
    assert video_requests and all(value.startswith("bytes=") for value in video_requests)
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT_DIR / f"video-home-{database}.png"), full_page=True)
