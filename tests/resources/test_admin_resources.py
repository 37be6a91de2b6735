"""HR publishes resources: validation, files checked by content, ordering, roles."""

import pytest

from portal.domain.resources.tables import Resource
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)
from tests.resources.helpers import PDF_BYTES, PNG_BYTES, make_resource, stored_files


async def _hr(client, role="hr"):
    staff = await make_staff(role)
    await sign_in_staff(client, staff)
    return staff


def _form(client, **values):
    base = {
        "kind": "faq",
        "title": "问题",
        "body": "回答",
        "url": "",
        "audience": "everyone",
        "department": "",
        "cohort": "",
        "status": "published",
        "sort_order": "",
        "_csrf_token": client.cookies.get("onramp_csrf"),
    }
    base.update(values)
    return base


async def _create(client, files=None, **values):
    return await client.post(
        "/admin/resources/new", data=_form(client, **values), files=files, follow_redirects=False
    )


async def test_hr_publishes_an_faq_entry_for_a_cohort(client):
    cohort = await make_cohort(await make_department())
    await _hr(client)
    page = await client.get("/admin/resources/new?kind=faq")
    assert page.status_code == 200
    response = await _create(client, audience="cohort", cohort=str(cohort.id))
    assert response.status_code == 303
    row = await Resource.objects().first()
    assert (row.kind, row.title, row.audience, row.cohort) == ("faq", "问题", "cohort", cohort.id)
    assert row.published_at is not None
    listing = await client.get("/admin/resources")
    assert "问题" in listing.text and cohort.name in listing.text


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "/relative/path",
        "ftp://example.com/x",
        "https://",
        "https://exa mple.com",
        "",
    ],
)
async def test_links_must_be_http_or_https(client, url):
    await _hr(client)
    response = await _create(client, kind="link", title="链接", body="", url=url)
    assert response.status_code == 400
    assert 'data-testid="error-url"' in response.text
    assert await Resource.count() == 0


async def test_a_valid_link_is_saved(client):
    await _hr(client)
    response = await _create(
        client, kind="link", title="官网", body="", url="https://example.com/a?b=1"
    )
    assert response.status_code == 303
    assert (await Resource.objects().first()).url == "https://example.com/a?b=1"


async def test_targeting_needs_an_existing_department_or_cohort(client):
    await _hr(client)
    for values in (
        {"audience": "department", "department": ""},
        {"audience": "department", "department": "999999"},
        {"audience": "cohort", "cohort": "abc"},
        {"audience": "nobody"},
        {"status": "live"},
        {"sort_order": "1e9"},
        {"title": "", "body": ""},
        {"title": "x" * 201},
    ):
        response = await _create(client, **values)
        assert response.status_code == 400, values
        assert 'data-testid="error-' in response.text
    assert await Resource.count() == 0


async def test_a_pdf_upload_is_stored_under_a_generated_name(client):
    await _hr(client)
    response = await _create(
        client,
        kind="file",
        title="员工手册",
        body="",
        files={"file": ("../../etc/passwd.pdf", PDF_BYTES, "image/png")},
    )
    assert response.status_code == 303
    row = await Resource.objects().first()
    assert row.file_type == "application/pdf"  # by content, not the browser's claim
    assert row.file_name == "passwd.pdf"
    assert row.file_key.startswith("resources/") and ".." not in row.file_key
    assert row.file_size == len(PDF_BYTES)
    assert len(stored_files()) == 1
    download = await client.get(f"/admin/resources/{row.id}/file")
    assert download.status_code == 200 and download.content == PDF_BYTES


async def test_nul_in_a_text_field_of_an_upload_form_is_refused_and_nothing_kept(client):
    """PostgreSQL cannot store NUL (it was a 500 there, and SQLite stored it); a file's own
    bytes may hold NUL and are still taken."""
    await _hr(client)
    pdf_with_nul = PDF_BYTES + b"\x00\x00"
    handbook = {"file": ("handbook.pdf", pdf_with_nul, "application/pdf")}
    for field in ("title", "body"):
        values = {"title": "员工手册", "body": "", field: "员工\x00手册"}
        refused = await _create(client, kind="file", files=handbook, **values)
        assert refused.status_code == 400, field
    assert await Resource.count() == 0
    assert stored_files() == []
    taken = await _create(client, kind="file", title="员工手册", body="", files=handbook)
    assert taken.status_code == 303
    assert (await Resource.objects().first()).file_size == len(pdf_with_nul)


async def test_a_pdf_renamed_jpg_is_kept_as_a_pdf(client):
    await _hr(client)
    await _create(
        client,
        kind="file",
        title="表格",
        body="",
        files={"file": ("form.jpg", PDF_BYTES, "image/jpeg")},
    )
    row = await Resource.objects().first()
    assert row.file_type == "application/pdf" and row.file_name == "form.pdf"


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00" + b"\x00" * 200, b"#!/bin/sh\nrm -rf /\n", b"<svg onload=alert(1)>", b""],
)
async def test_files_that_are_not_pdf_or_pictures_are_refused(client, content):
    await _hr(client)
    response = await _create(
        client,
        kind="file",
        title="x",
        body="",
        files={"file": ("tool.pdf", content, "application/pdf")},
    )
    assert response.status_code == 400
    assert 'data-testid="error-file"' in response.text
    assert await Resource.count() == 0
    assert stored_files() == []


async def test_a_file_over_the_cap_is_refused_and_nothing_kept(client, small_cap):
    await _hr(client)
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = await _create(
        client,
        kind="file",
        title="大文件",
        body="",
        files={"file": ("big.pdf", big, "application/pdf")},
    )
    assert response.status_code == 400
    assert "1 MB" in response.text
    assert await Resource.count() == 0
    assert stored_files() == []


async def test_a_file_resource_needs_a_file_and_a_bad_form_keeps_no_file(client):
    await _hr(client)
    assert (await _create(client, kind="file", title="x", body="")).status_code == 400
    response = await _create(
        client,
        kind="file",
        title="",
        body="",
        files={"file": ("a.png", PNG_BYTES, "image/png")},
    )
    assert response.status_code == 400
    assert 'data-testid="error-title"' in response.text
    assert stored_files() == []


async def test_replacing_a_file_removes_the_old_one_and_delete_removes_all(client):
    await _hr(client)
    resource = await make_resource("file", title="手册")
    old_key = resource.file_key
    response = await client.post(
        f"/admin/resources/{resource.id}/edit",
        data=_form(client, kind="file", title="新手册", body=""),
        files={"file": ("new.png", PNG_BYTES, "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    row = await Resource.objects().get(Resource.id == resource.id)
    assert row.file_key != old_key and row.file_type.startswith("image/")
    assert row.title == "新手册"
    assert len(stored_files()) == 1
    # Editing without choosing a file keeps it.
    await client.post(
        f"/admin/resources/{resource.id}/edit",
        data=_form(client, kind="file", title="再改", body=""),
        follow_redirects=False,
    )
    assert (await Resource.objects().get(Resource.id == resource.id)).file_key == row.file_key
    deleted = await client.post(
        f"/admin/resources/{resource.id}/delete",
        data={"_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert await Resource.count() == 0 and stored_files() == []


async def test_moving_changes_the_order(client):
    await _hr(client)
    a = await make_resource(title="A")
    b = await make_resource(title="B")
    c = await make_resource(title="C")
    await client.post(
        f"/admin/resources/{c.id}/move/up",
        data={"_csrf_token": client.cookies.get("onramp_csrf")},
    )
    text = (await client.get("/admin/resources")).text
    assert text.index(f'id="resource-{a.id}"') < text.index(f'id="resource-{c.id}"')
    assert text.index(f'id="resource-{c.id}"') < text.index(f'id="resource-{b.id}"')
    order = [
        r["title"] for r in await Resource.select(Resource.title).order_by(Resource.sort_order)
    ]
    assert order == ["A", "C", "B"]
    await client.post(
        f"/admin/resources/{a.id}/move/up", data={"_csrf_token": client.cookies.get("onramp_csrf")}
    )
    # The first cannot move further up.
    order = [
        r["title"] for r in await Resource.select(Resource.title).order_by(Resource.sort_order)
    ]
    assert order == ["A", "C", "B"]


async def test_a_draft_is_hidden_from_candidates_until_published(client):
    candidate = await make_candidate()
    resource = await make_resource(title="草稿", status="draft")
    await _hr(client)
    await client.post(
        f"/admin/resources/{resource.id}/edit",
        data=_form(client, title="已发布"),
        follow_redirects=False,
    )
    client.cookies.clear()
    await sign_in_candidate(client, candidate)
    assert "已发布" in (await client.get("/resources")).text


async def test_managers_cannot_manage_resources(client):
    resource = await make_resource()
    manager = await make_staff("manager", department=await make_department())
    await sign_in_staff(client, manager)
    assert (await client.get("/admin/resources")).status_code == 403
    assert (await client.get("/admin/resources/new?kind=faq")).status_code == 403
    assert (await _create(client)).status_code == 403
    assert (await client.get(f"/admin/resources/{resource.id}/edit")).status_code == 403
    delete = await client.post(
        f"/admin/resources/{resource.id}/delete",
        data={"_csrf_token": client.cookies.get("onramp_csrf")},
    )
    assert delete.status_code == 403
    assert await Resource.count() == 1
    assert 'href="/admin/resources"' not in (await client.get("/admin/candidates")).text


async def test_candidates_cannot_reach_the_admin_pages(client):
    candidate = await make_candidate()
    file = await make_resource("file")
    await sign_in_candidate(client, candidate)
    response = await client.get(f"/admin/resources/{file.id}/file", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert "/admin/login" in response.headers["location"]


async def test_unknown_kinds_and_ids_are_not_found(client):
    await _hr(client)
    assert (await client.get("/admin/resources/new?kind=video")).status_code == 404
    assert (await _create(client, kind="video")).status_code == 404
    assert (await client.get("/admin/resources/424242/edit")).status_code == 404
    assert (await client.get("/admin/resources/424242/file")).status_code == 404


async def test_an_uploaded_photo_loses_its_gps_location(client):
    import io

    from PIL import Image

    from portal.files.storage import get_storage

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 18.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#1a7f37").save(buffer, format="JPEG", exif=exif)
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif().get(0x8825)
    await _hr(client)
    response = await _create(
        client,
        kind="file",
        title="地图",
        body="",
        files={"file": ("map.jpg", buffer.getvalue(), "image/jpeg")},
    )
    assert response.status_code == 303
    row = await Resource.objects().first()
    with Image.open(get_storage().local_path(row.file_key)) as stored:
        assert not stored.getexif().get(0x8825)
    assert len(stored_files()) == 1  # the original upload was not kept
