"""HR approves welcome videos; managers stay within their own department."""

from __future__ import annotations

from portal.domain.staff.tables import StaffUser
from portal.domain.videos.tables import WelcomeVideo
from tests.factories import (
    make_candidate,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)
from tests.videos.helpers import put_chunk, start_upload, tiny_mp4, upload_whole


async def _post(client, path: str, **data: str):
    return await client.post(path, data={**data, "_csrf_token": client.cookies.get("onramp_csrf")})


async def _uploaded_by_manager(app_client, department, colour="#1f6feb") -> int:
    manager = await make_staff("manager", department=department)
    await sign_in_staff(app_client, manager)
    video_id = await upload_whole(app_client, tiny_mp4(colour))
    await app_client.post(
        "/admin/logout", data={"_csrf_token": app_client.cookies.get("onramp_csrf")}
    )
    app_client.cookies.clear()
    return video_id


async def test_hr_approves_and_only_then_candidates_see_the_video(client):
    department = await make_department("生产部")
    video_id = await _uploaded_by_manager(client, department)
    candidate = await make_candidate(department)

    await sign_in_candidate(client, candidate)
    home = await client.get("/")
    assert 'data-testid="welcome-video"' not in home.text
    assert (await client.get(f"/videos/{video_id}")).status_code == 404
    client.cookies.clear()

    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    listing = await client.get("/admin/videos")
    assert listing.status_code == 200
    assert 'data-testid="pending-row"' in listing.text
    detail = await client.get(f"/admin/videos/{video_id}")
    assert f'src="/videos/{video_id}"' in detail.text  # played inline for review
    assert (await client.get(f"/videos/{video_id}")).status_code == 200
    approved = await _post(client, f"/admin/videos/{video_id}/approve")
    assert approved.status_code == 303
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    assert video.status == "approved" and video.reviewed_by == hr.id
    client.cookies.clear()

    await sign_in_candidate(client, candidate)
    home = await client.get("/")
    assert 'data-testid="welcome-video"' in home.text
    assert 'preload="metadata"' in home.text and "playsinline" in home.text
    assert f'src="/videos/{video_id}"' in home.text
    response = await client.get(f"/videos/{video_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("video/mp4")


async def test_approving_a_new_video_replaces_the_current_one(client):
    department = await make_department()
    first = await _uploaded_by_manager(client, department, "#111111")
    second = await _uploaded_by_manager(client, department, "#222222")
    other_department = await make_department()
    elsewhere = await _uploaded_by_manager(client, other_department)
    hr = await make_staff("admin")
    await sign_in_staff(client, hr)
    for video_id in (first, elsewhere, second):
        assert (await _post(client, f"/admin/videos/{video_id}/approve")).status_code == 303
    statuses = {
        row["id"]: row["status"]
        for row in await WelcomeVideo.select(WelcomeVideo.id, WelcomeVideo.status)
    }
    assert statuses == {first: "retired", second: "approved", elsewhere: "approved"}
    # Approving twice is refused; a replaced video can be brought back.
    assert (await _post(client, f"/admin/videos/{second}/approve")).status_code == 409
    assert (await _post(client, f"/admin/videos/{first}/approve")).status_code == 303
    current = await WelcomeVideo.select(WelcomeVideo.id).where(
        (WelcomeVideo.department == department.id) & (WelcomeVideo.status == "approved")
    )
    assert current == [{"id": first}]


async def test_rejecting_needs_a_reason_that_the_uploader_sees(client):
    department = await make_department()
    video_id = await _uploaded_by_manager(client, department)
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    empty = await _post(client, f"/admin/videos/{video_id}/reject", reason="   ")
    assert empty.status_code == 400
    assert 'data-testid="error-reason"' in empty.text
    assert (await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)).status == "pending"
    script = "<script>alert(1)</script> 声音太小"
    rejected = await _post(client, f"/admin/videos/{video_id}/reject", reason=script)
    assert rejected.status_code == 303
    assert (await _post(client, f"/admin/videos/{video_id}/approve")).status_code == 409
    client.cookies.clear()

    manager = await make_staff("manager", department=department)
    await sign_in_staff(client, manager)
    listing = await client.get("/admin/videos")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 声音太小" in listing.text
    assert "<script>alert(1)" not in listing.text


async def test_a_manager_cannot_touch_another_departments_videos(client):
    mine, theirs = await make_department("生产部"), await make_department("门店运营")
    their_video = await _uploaded_by_manager(client, theirs)
    data = tiny_mp4()
    # An unfinished upload of the other department.
    their_manager = await make_staff("manager", department=theirs)
    await sign_in_staff(client, their_manager)
    their_upload = (await start_upload(client, total=len(data))).json()["id"]
    assert (await put_chunk(client, their_upload, 0, data[:500])).status_code == 200
    client.cookies.clear()

    manager = await make_staff("manager", department=mine)
    await sign_in_staff(client, manager)
    # Upload to it, ask its offset, see it, play it, approve it, delete it: all refused.
    assert (await put_chunk(client, their_upload, 500, data[500:])).status_code == 404
    assert (await client.get(f"/admin/videos/uploads/{their_upload}")).status_code == 404
    assert (await client.get(f"/admin/videos/{their_video}")).status_code == 404
    assert (await client.get(f"/videos/{their_video}")).status_code == 404
    assert (await _post(client, f"/admin/videos/{their_video}/approve")).status_code == 403
    assert (
        await _post(client, f"/admin/videos/{their_video}/reject", reason="x")
    ).status_code == 403
    await _post(client, f"/admin/videos/{their_video}/delete")
    assert await WelcomeVideo.exists().where(WelcomeVideo.id == their_video)
    listing = await client.get("/admin/videos")
    assert "门店运营" not in listing.text
    # A manager's upload lands in their own department, whatever the form says.
    forced = await start_upload(client, total=len(data), department_id=theirs.id)
    assert forced.status_code == 201
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == forced.json()["id"])
    assert video.department == mine.id
    # Managers never approve, not even their own department's video.
    own = await upload_whole(client, data)
    assert (await _post(client, f"/admin/videos/{own}/approve")).status_code == 403
    assert (await WelcomeVideo.objects().get(WelcomeVideo.id == own)).status == "pending"
    # Their own pending video they may watch and delete.
    assert (await client.get(f"/videos/{own}")).status_code == 200
    assert (await _post(client, f"/admin/videos/{own}/delete")).status_code == 303
    assert not await WelcomeVideo.exists().where(WelcomeVideo.id == own)


async def test_a_manager_without_a_department_cannot_upload(client):
    # Single sign-on can create a manager before HR sets their department.
    manager = await make_staff("manager", department=await make_department())
    await StaffUser.update({StaffUser.department: None}).where(StaffUser.id == manager.id)
    await sign_in_staff(client, manager)
    page = await client.get("/admin/videos")
    assert page.status_code == 200
    assert 'id="video-upload"' not in page.text
    response = await start_upload(client, total=1000, department_id=(await make_department()).id)
    assert response.status_code == 400
    assert await WelcomeVideo.count() == 0


async def test_the_current_video_cannot_be_deleted_but_can_be_withdrawn(client):
    department = await make_department()
    video_id = await _uploaded_by_manager(client, department)
    candidate = await make_candidate(department)
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    await _post(client, f"/admin/videos/{video_id}/approve")
    assert (await _post(client, f"/admin/videos/{video_id}/delete")).status_code == 409
    withdrawn = await _post(client, f"/admin/videos/{video_id}/reject", reason="换一个新的")
    assert withdrawn.status_code == 303
    client.cookies.clear()
    await sign_in_candidate(client, candidate)
    assert 'data-testid="welcome-video"' not in (await client.get("/")).text
    assert (await client.get(f"/videos/{video_id}")).status_code == 404


async def test_an_unfinished_upload_is_shown_to_no_one(client):
    department = await make_department()
    manager = await make_staff("manager", department=department)
    await sign_in_staff(client, manager)
    data = tiny_mp4()
    video_id = (await start_upload(client, total=len(data))).json()["id"]
    await put_chunk(client, video_id, 0, data[:1000])
    listing = await client.get("/admin/videos")
    assert 'data-testid="unfinished-row"' in listing.text
    assert 'data-testid="pending-row"' not in listing.text
    assert (await client.get(f"/videos/{video_id}")).status_code == 404
    client.cookies.clear()
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    assert (await _post(client, f"/admin/videos/{video_id}/approve")).status_code == 409
    assert (await client.get(f"/videos/{video_id}")).status_code == 404
