"""Serving welcome videos with HTTP Range support, to the right people only."""

from __future__ import annotations

import pytest

from portal.domain.videos.tables import WelcomeVideo
from portal.files.ranges import ByteRange, RangeNotSatisfiable, parse_range
from tests.factories import (
    make_candidate,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)
from tests.videos.helpers import png_bytes, put_chunk, start_upload, tiny_mp4


@pytest.fixture
async def watching(client):
    """An approved video with a poster, and its department's candidate signed in."""
    department = await make_department()
    data = tiny_mp4(padding=5000)
    manager = await make_staff("manager", department=department)
    await sign_in_staff(client, manager)
    video_id = (await start_upload(client, total=len(data), poster=png_bytes())).json()["id"]
    assert (await put_chunk(client, video_id, 0, data)).status_code == 200
    await WelcomeVideo.update({WelcomeVideo.status: "approved"}).where(WelcomeVideo.id == video_id)
    client.cookies.clear()
    candidate = await make_candidate(department)
    await sign_in_candidate(client, candidate)
    return {"id": video_id, "data": data, "department": department}


async def test_range_from_0_to_99_returns_exactly_those_bytes(client, watching):
    data = watching["data"]
    response = await client.get(f"/videos/{watching['id']}", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response.content == data[:100]
    assert response.headers["content-range"] == f"bytes 0-99/{len(data)}"
    assert response.headers["content-length"] == "100"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"].startswith("video/mp4")
    assert "content-encoding" not in response.headers


async def test_open_ended_and_suffix_ranges(client, watching):
    data, url = watching["data"], f"/videos/{watching['id']}"
    tail = await client.get(url, headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206
    assert tail.content == data[1000:]
    assert tail.headers["content-range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    suffix = await client.get(url, headers={"Range": "bytes=-500"})
    assert suffix.status_code == 206
    assert suffix.content == data[-500:]
    assert suffix.headers["content-range"] == f"bytes {len(data) - 500}-{len(data) - 1}/{len(data)}"
    # A range running past the end is cut at the end.
    over = await client.get(url, headers={"Range": f"bytes=10-{len(data) + 999}"})
    assert over.status_code == 206 and over.content == data[10:]


async def test_a_range_past_the_end_is_416_with_the_size(client, watching):
    data, url = watching["data"], f"/videos/{watching['id']}"
    for header in (
        f"bytes={len(data)}-",
        f"bytes={len(data) + 10}-{len(data) + 20}",
        "bytes=-0",
        "bytes=" + "9" * 5000 + "-",  # was a 500: int() refuses more than 4,300 digits
    ):
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 416, header
        assert response.headers["content-range"] == f"bytes */{len(data)}"
        assert response.content == b""


async def test_whole_file_validators_and_malformed_ranges(client, watching):
    data, url = watching["data"], f"/videos/{watching['id']}"
    whole = await client.get(url)
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["accept-ranges"] == "bytes"
    etag, modified = whole.headers["etag"], whole.headers["last-modified"]
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
    assert (await client.get(url, headers={"If-Modified-Since": modified})).status_code == 304
    # Ranges the server does not do (several, other units, nonsense) get the whole file.
    for header in ("bytes=0-1,5-9", "items=0-5", "bytes=9-2", "bytes=abc"):
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 200, header
        assert response.content == data
    # If-Range: only a client holding the current version gets a part.
    same = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert same.status_code == 206 and same.content == data[:10]
    stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == data


async def test_the_poster_is_served_to_the_candidate(client, watching):
    response = await client.get(f"/videos/{watching['id']}/poster")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8\xff")
    home = await client.get("/")
    assert f'poster="/videos/{watching["id"]}/poster"' in home.text


async def test_a_candidate_of_another_department_gets_404(client, watching):
    client.cookies.clear()
    outsider = await make_candidate(await make_department())
    await sign_in_candidate(client, outsider)
    assert (await client.get(f"/videos/{watching['id']}")).status_code == 404
    assert (await client.get(f"/videos/{watching['id']}/poster")).status_code == 404
    ranged = await client.get(f"/videos/{watching['id']}", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 404
    assert 'data-testid="welcome-video"' not in (await client.get("/")).text
    # Nor can anyone signed out, or ask for a video that does not exist.
    client.cookies.clear()
    assert (await client.get(f"/videos/{watching['id']}")).status_code == 404
    assert (await client.get("/videos/999999")).status_code == 404


async def test_hr_and_the_departments_manager_may_watch_other_staff_not(client, watching):
    client.cookies.clear()
    await sign_in_staff(client, await make_staff("hr"))
    assert (await client.get(f"/videos/{watching['id']}")).status_code == 200
    client.cookies.clear()
    stranger = await make_staff("manager", department=await make_department())
    await sign_in_staff(client, stranger)
    assert (await client.get(f"/videos/{watching['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("bytes = 5-6", ByteRange(5, 6)),
        ("bytes=5-4", None),
        ("bytes=0-1,3-4", None),
        ("pages=1-2", None),
        ("bytes=-", None),
        # Numbers past any size (thousands of digits too) mean "to the end" / "all of it".
        ("bytes=0-" + "9" * 5000, ByteRange(0, 999)),
        ("bytes=-" + "9" * 5000, ByteRange(0, 999)),
        ("bytes=990-" + "9" * 25, ByteRange(990, 999)),
        ("bytes=\u00b2-", None),  # "²" is no digit here
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=1000-1001", "bytes=-0", "bytes=" + "9" * 5000 + "-"]
)
def test_unsatisfiable_ranges(header):
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)
