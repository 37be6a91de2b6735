"""Resumable chunked uploads of welcome videos: offsets, caps, content checks, completion."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from portal.domain.videos.tables import WelcomeVideo
from portal.domain.videos.uploads import video_uploads_expire
from portal.files.storage import get_storage
from tests.factories import make_department, make_staff, sign_in_as, sign_in_staff
from tests.videos.helpers import (
    csrf_headers,
    png_bytes,
    put_chunk,
    start_upload,
    stored_keys,
    tiny_mp4,
)


async def _manager(client, department=None):
    department = department or await make_department()
    return department, await sign_in_as(client, "manager", department=department)


async def test_interrupted_upload_resumes_and_ends_with_the_exact_bytes(client):
    department, manager = await _manager(client)
    data = tiny_mp4(padding=10000) + b"\x00" * 5000  # trailing bytes are part of the file too
    chunk = 2048
    started = await start_upload(client, total=len(data))
    assert started.status_code == 201, started.text
    assert started.json() == {
        "id": started.json()["id"],
        "offset": 0,
        "total": len(data),
        "status": "uploading",
        "complete": False,
    }
    video_id = started.json()["id"]

    # Two chunks arrive; the third is "lost" on the way: the client sends the fourth.
    assert (await put_chunk(client, video_id, 0, data[:chunk])).status_code == 200
    assert (await put_chunk(client, video_id, chunk, data[chunk : 2 * chunk])).status_code == 200
    skipped = await put_chunk(client, video_id, 3 * chunk, data[3 * chunk : 4 * chunk])
    assert skipped.status_code == 409
    assert skipped.json()["offset"] == 2 * chunk

    # After the dropped connection the client asks where the upload stands…
    progress = await client.get(f"/admin/videos/uploads/{video_id}")
    assert progress.status_code == 200
    assert progress.json()["offset"] == 2 * chunk
    assert progress.headers["upload-offset"] == str(2 * chunk)
    head = await client.head(f"/admin/videos/uploads/{video_id}")
    assert head.status_code == 200 and head.headers["upload-offset"] == str(2 * chunk)
    # …and a chunk the server stored but whose answer was lost is refused, not doubled.
    repeated = await put_chunk(client, video_id, chunk, data[chunk : 2 * chunk])
    assert repeated.status_code == 409 and repeated.json()["offset"] == 2 * chunk

    offset = progress.json()["offset"]
    while offset < len(data):
        response = await put_chunk(client, video_id, offset, data[offset : offset + chunk])
        assert response.status_code == 200, response.text
        offset = response.json()["offset"]
    assert response.json()["complete"] is True
    assert response.json()["status"] == "pending"

    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    assert video.status == "pending"
    assert video.received_bytes == len(data)
    assert video.media_type == "video/mp4"
    assert video.department == department.id
    assert video.uploaded_by == manager.id
    assert get_storage().local_path(video.storage_key).read_bytes() == data


async def test_a_complete_upload_cannot_be_completed_again(client):
    await _manager(client)
    data = tiny_mp4()
    video_id = (await start_upload(client, total=len(data))).json()["id"]
    assert (await put_chunk(client, video_id, 0, data)).json()["complete"] is True
    again = await put_chunk(client, video_id, 0, data)
    assert again.status_code == 409
    assert "already complete" in again.json()["error"] or "已经" in again.json()["error"]
    more = await put_chunk(client, video_id, len(data), b"extra")
    assert more.status_code == 409
    progress = (await client.get(f"/admin/videos/uploads/{video_id}")).json()
    assert progress["complete"] is True and progress["offset"] == len(data)
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    assert get_storage().local_path(video.storage_key).read_bytes() == data


async def test_chunk_at_a_wrong_offset_is_refused_with_the_current_offset(client):
    await _manager(client)
    data = tiny_mp4()
    video_id = (await start_upload(client, total=len(data))).json()["id"]
    ahead = await put_chunk(client, video_id, 100, data[100:200])
    assert ahead.status_code == 409
    assert ahead.json()["offset"] == 0
    assert ahead.headers["upload-offset"] == "0"
    assert (await put_chunk(client, video_id, 0, data[:1000])).status_code == 200
    behind = await put_chunk(client, video_id, 500, data[500:1500])
    assert behind.status_code == 409 and behind.json()["offset"] == 1000
    missing = await client.put(
        f"/admin/videos/uploads/{video_id}", content=b"x", headers=csrf_headers(client)
    )
    assert missing.status_code == 400
    bad = await client.put(
        f"/admin/videos/uploads/{video_id}",
        content=b"x",
        headers={**csrf_headers(client), "Upload-Offset": "-5"},
    )
    assert bad.status_code == 400
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    assert get_storage().local_path(video.storage_key).read_bytes() == data[:1000]


async def test_a_video_over_the_cap_is_refused_before_anything_is_written(client, video_cap):
    video_cap(10_000)
    await _manager(client)
    files_before = stored_keys()
    response = await start_upload(client, total=10_001)
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert await WelcomeVideo.count() == 0
    assert stored_keys() == files_before
    # At the cap exactly is fine.
    assert (await start_upload(client, total=10_000)).status_code == 201


async def test_chunks_past_the_declared_size_are_refused(client):
    await _manager(client)
    data = tiny_mp4()
    video_id = (await start_upload(client, total=len(data))).json()["id"]
    response = await put_chunk(client, video_id, 0, data + b"more")
    assert response.status_code == 413
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    assert await get_storage().size(video.storage_key) is None
    assert video.status == "uploading"


async def test_the_default_cap_is_500_megabytes(client):
    await _manager(client)
    assert (await start_upload(client, total=500 * 1024 * 1024)).status_code == 201
    too_big = await start_upload(client, total=500 * 1024 * 1024 + 1)
    assert too_big.status_code == 400
    assert "500" in too_big.json()["errors"]["file"]


async def test_a_pdf_renamed_mp4_is_refused_by_content_and_removed(client):
    await _manager(client)
    files_before = stored_keys()
    pdf = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 100
    video_id = (await start_upload(client, total=len(pdf), title="welcome.mp4")).json()["id"]
    response = await put_chunk(client, video_id, 0, pdf[:1024])
    assert response.status_code == 415
    assert "MP4" in response.json()["error"]
    assert await WelcomeVideo.count() == 0
    assert stored_keys() == files_before
    assert (await put_chunk(client, video_id, 0, pdf[:1024])).status_code == 404


async def test_an_executable_renamed_mp4_is_refused(client):
    await _manager(client)
    for program in (b"MZ\x90\x00" + bytes(200), b"\x7fELF\x02\x01\x01" + bytes(200)):
        video_id = (await start_upload(client, total=len(program))).json()["id"]
        assert (await put_chunk(client, video_id, 0, program)).status_code == 415
    # A still picture is not a video either.
    picture = png_bytes()
    video_id = (await start_upload(client, total=len(picture))).json()["id"]
    assert (await put_chunk(client, video_id, 0, picture)).status_code == 415
    assert await WelcomeVideo.count() == 0


async def test_webm_is_accepted(client):
    await _manager(client)
    # An EBML header whose DocType is "webm", as a browser's MediaRecorder writes it.
    webm = bytes.fromhex("1a45dfa39f4286810142f7810142f2810442f381084282") + b"\x84webm"
    webm += bytes(300)
    video_id = (await start_upload(client, total=len(webm))).json()["id"]
    response = await put_chunk(client, video_id, 0, webm)
    assert response.status_code == 200
    assert (
        await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    ).media_type == "video/webm"


async def test_missing_fields_and_bad_sizes_are_reported_per_field(client):
    await make_department()
    hr = await make_staff("hr")
    await sign_in_staff(client, hr)
    response = await client.post(
        "/admin/videos/uploads",
        data={"title": "  ", "department": "", "total_bytes": "lots"},
        headers=csrf_headers(client),
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "department", "file"}
    unknown = await start_upload(client, total=100, department_id=999999)
    assert unknown.status_code == 400 and "department" in unknown.json()["errors"]
    assert await WelcomeVideo.count() == 0


async def test_upload_endpoints_need_the_csrf_header(client):
    await _manager(client)
    data = tiny_mp4()
    video_id = (await start_upload(client, total=len(data))).json()["id"]
    response = await client.put(
        f"/admin/videos/uploads/{video_id}",
        content=data,
        headers={"Upload-Offset": "0", "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 403
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    assert await get_storage().size(video.storage_key) is None


async def test_signed_out_people_cannot_upload(client):
    response = await client.get("/admin/videos")
    assert response.status_code in (302, 303)
    assert "/admin/login" in response.headers["location"]


async def test_a_poster_is_checked_and_re_encoded(client):
    await _manager(client)
    data = tiny_mp4()
    response = await start_upload(client, total=len(data), poster=png_bytes())
    assert response.status_code == 201, response.text
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == response.json()["id"])
    stored = get_storage().local_path(video.poster_key).read_bytes()
    assert stored.startswith(b"\xff\xd8\xff")  # JPEG, whatever was uploaded

    refused = await start_upload(client, total=len(data), poster=b"%PDF-1.4 not a picture")
    assert refused.status_code == 400
    assert "poster" in refused.json()["errors"]
    assert await WelcomeVideo.count() == 1


async def test_abandoned_uploads_are_removed_and_finished_ones_kept(client):
    await _manager(client)
    files_before = stored_keys()
    data = tiny_mp4()
    stale_id = (await start_upload(client, total=len(data))).json()["id"]
    assert (await put_chunk(client, stale_id, 0, data[:1000])).status_code == 200
    done_id = (await start_upload(client, total=len(data))).json()["id"]
    assert (await put_chunk(client, done_id, 0, data)).status_code == 200
    later = datetime.now(UTC) + timedelta(hours=25)
    assert await video_uploads_expire(now=later) == 1
    assert await WelcomeVideo.exists().where(WelcomeVideo.id == stale_id) is False
    assert await WelcomeVideo.exists().where(WelcomeVideo.id == done_id) is True
    assert len(stored_keys()) == len(files_before) + 1


async def test_the_same_chunk_sent_twice_at_once_is_stored_once(client):
    await _manager(client)
    data = tiny_mp4(padding=10000)
    video_id = (await start_upload(client, total=len(data))).json()["id"]
    first, second = await asyncio.gather(
        put_chunk(client, video_id, 0, data[:3000]), put_chunk(client, video_id, 0, data[:3000])
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    video = await WelcomeVideo.objects().get(WelcomeVideo.id == video_id)
    assert get_storage().local_path(video.storage_key).read_bytes() == data[:3000]
    assert video.received_bytes == 3000
