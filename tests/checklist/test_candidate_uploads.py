"""Candidates upload files to their checklist items: good files kept, bad ones refused."""

from __future__ import annotations

import io

from PIL import Image

from portal.config import get_settings
from portal.domain.checklist.tables import ChecklistFile, ChecklistSubmission
from portal.files.storage import get_storage
from tests.checklist.helpers import (
    ELF_BYTES,
    EXE_BYTES,
    GPS_IFD,
    PDF_BYTES,
    jpeg_bytes,
    make_template,
    png_bytes,
    stored_files,
    upload,
)
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def _signed_in(client, department=None):
    department = department or await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    await sign_in_candidate(client, candidate)
    return candidate


async def _files_of(candidate_id: int) -> list[ChecklistFile]:
    submissions = await ChecklistSubmission.select(ChecklistSubmission.id).where(
        ChecklistSubmission.candidate == candidate_id
    )
    ids = [s["id"] for s in submissions]
    if not ids:
        return []
    return await ChecklistFile.objects().where(ChecklistFile.submission.is_in(ids))


async def test_photo_upload_is_kept_and_shown_with_a_thumbnail(client, media_dir):
    candidate = await _signed_in(client)
    template = await make_template()
    response = await upload(client, template.id, ("身份证.jpg", jpeg_bytes(), "image/jpeg"))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/checklist?done=uploaded")

    [file] = await _files_of(candidate.id)
    assert file.media_type == "image/jpeg" and file.family == "photo"
    assert file.original_name == "身份证.jpg"
    assert file.thumb_key
    page = await client.get("/checklist")
    assert f"/checklist/files/{file.id}/thumb" in page.text
    assert "身份证.jpg" in page.text
    thumb = await client.get(f"/checklist/files/{file.id}/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    # Only the re-encoded photo and its thumbnail remain: the raw upload is gone.
    assert len(stored_files(media_dir)) == 2


async def test_stored_photo_has_no_exif_location(client):
    candidate = await _signed_in(client)
    template = await make_template()
    original = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the sample has GPS
    response = await upload(client, template.id, ("gps.jpg", original, "image/jpeg"))
    assert response.status_code == 303

    [file] = await _files_of(candidate.id)
    downloaded = await client.get(f"/checklist/files/{file.id}")
    assert downloaded.status_code == 200
    stored = Image.open(io.BytesIO(downloaded.content))
    assert stored.format == "JPEG"
    exif = stored.getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert 0x010F not in exif  # no camera make either: nothing of the EXIF is copied
    assert b"PhoneMaker" not in downloaded.content


async def test_photo_orientation_is_applied_to_the_pixels(client):
    candidate = await _signed_in(client)
    template = await make_template()
    # Orientation 6: the camera was held upright, the sensor data is rotated 90°.
    response = await upload(
        client, template.id, ("up.jpg", jpeg_bytes(size=(80, 40), orientation=6), "image/jpeg")
    )
    assert response.status_code == 303
    [file] = await _files_of(candidate.id)
    stored = Image.open(get_storage().local_path(file.storage_key))
    assert stored.size == (40, 80)
    assert 0x0112 not in stored.getexif()


async def test_png_stays_png_without_metadata(client):
    candidate = await _signed_in(client)
    template = await make_template()
    assert (
        await upload(client, template.id, ("s.png", png_bytes(), "image/png"))
    ).status_code == 303
    [file] = await _files_of(candidate.id)
    assert file.media_type == "image/png" and file.original_name == "s.png"


async def test_pdf_renamed_jpg_is_accepted_as_pdf_where_pdf_is_allowed(client):
    candidate = await _signed_in(client)
    template = await make_template(families=("photo", "pdf"))
    response = await upload(client, template.id, ("scan.jpg", PDF_BYTES, "image/jpeg"))
    assert response.status_code == 303
    [file] = await _files_of(candidate.id)
    # Judged by content: a PDF, shown and served as one.
    assert file.media_type == "application/pdf" and file.family == "pdf"
    assert file.original_name == "scan.pdf"
    assert not file.thumb_key
    served = await client.get(f"/checklist/files/{file.id}")
    assert served.headers["content-type"] == "application/pdf"
    assert served.content == PDF_BYTES


async def test_pdf_renamed_jpg_is_refused_where_only_photos_are_allowed(client, media_dir):
    candidate = await _signed_in(client)
    template = await make_template(families=("photo",))
    response = await upload(client, template.id, ("photo.jpg", PDF_BYTES, "image/jpeg"))
    assert response.status_code == 400
    assert "只接受照片" in response.text
    assert await _files_of(candidate.id) == []
    assert stored_files(media_dir) == []


async def test_executables_renamed_pdf_are_refused(client, media_dir):
    candidate = await _signed_in(client)
    template = await make_template(families=("pdf",))
    for content in (EXE_BYTES, ELF_BYTES):
        response = await upload(client, template.id, ("合同.pdf", content, "application/pdf"))
        assert response.status_code == 400
        assert "只接受 PDF" in response.text
    assert await _files_of(candidate.id) == []
    assert stored_files(media_dir) == []


async def test_file_over_the_cap_is_refused_and_nothing_is_stored(client, media_dir, monkeypatch):
    monkeypatch.setenv("ONRAMP_UPLOAD_MAX_BYTES", "2048")
    get_settings.cache_clear()
    candidate = await _signed_in(client)
    template = await make_template(families=("pdf",))
    big = PDF_BYTES + b"%" + b"x" * 4096
    response = await upload(client, template.id, ("big.pdf", big, "application/pdf"))
    assert response.status_code == 413
    assert "2 KB" in response.text
    assert await _files_of(candidate.id) == []
    assert stored_files(media_dir) == []
    # A file under the cap still goes through.
    ok = await upload(client, template.id, ("small.pdf", PDF_BYTES, "application/pdf"))
    assert ok.status_code == 303


async def test_one_bad_file_among_several_keeps_none_of_them(client, media_dir):
    candidate = await _signed_in(client)
    template = await make_template(max_files=3)
    response = await upload(
        client,
        template.id,
        ("a.jpg", jpeg_bytes(), "image/jpeg"),
        ("b.pdf", EXE_BYTES, "application/pdf"),
    )
    assert response.status_code == 400
    assert await _files_of(candidate.id) == []
    assert stored_files(media_dir) == []


async def test_path_in_file_name_is_not_used_as_a_path(client, media_dir):
    candidate = await _signed_in(client)
    template = await make_template()
    name = "../../etc/<script>alert(1)</script>passwd.pdf"
    response = await upload(client, template.id, (name, PDF_BYTES, "application/pdf"))
    assert response.status_code == 303
    [file] = await _files_of(candidate.id)
    assert file.storage_key.startswith("checklist/")
    assert ".." not in file.storage_key and "passwd" not in file.storage_key
    assert "/" not in file.original_name and ".." not in file.original_name
    # Every stored file is inside the media directory.
    for path in stored_files(media_dir):
        assert path.resolve().is_relative_to(media_dir.resolve())
    page = await client.get("/checklist")
    assert "<script>alert(1)</script>" not in page.text
    served = await client.get(f"/checklist/files/{file.id}")
    disposition = served.headers["content-disposition"]
    assert disposition.startswith("inline; filename=")
    assert "/" not in disposition.split("filename*=")[0]
    assert served.headers["x-content-type-options"] == "nosniff"


async def test_empty_and_missing_files_get_a_clear_message(client):
    await _signed_in(client)
    template = await make_template()
    empty = await upload(client, template.id, ("empty.jpg", b"", "image/jpeg"))
    assert empty.status_code == 400 and "这个文件是空的" in empty.text
    none = await upload(client, template.id)
    assert none.status_code == 400 and "请先选择文件" in none.text


async def test_an_item_takes_no_more_files_than_its_maximum(client):
    candidate = await _signed_in(client)
    template = await make_template(max_files=1)
    assert (
        await upload(client, template.id, ("a.jpg", jpeg_bytes(), "image/jpeg"))
    ).status_code == 303
    second = await upload(client, template.id, ("b.jpg", jpeg_bytes(), "image/jpeg"))
    assert second.status_code == 400
    assert "最多" in second.text
    assert len(await _files_of(candidate.id)) == 1


async def test_broken_image_is_refused_with_a_message(client, media_dir):
    await _signed_in(client)
    template = await make_template(families=("photo",))
    broken = jpeg_bytes()[:40]
    response = await upload(client, template.id, ("broken.jpg", broken, "image/jpeg"))
    assert response.status_code == 400
    assert "无法读取" in response.text
    assert stored_files(media_dir) == []


async def test_heic_photo_is_refused_with_advice(client, media_dir):
    await _signed_in(client)
    template = await make_template(families=("photo",))
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    response = await upload(client, template.id, ("IMG_0001.HEIC", heic, "image/heic"))
    assert response.status_code == 400
    assert "HEIC" in response.text
    assert stored_files(media_dir) == []


async def test_decompression_bomb_is_refused(client, media_dir):
    await _signed_in(client)
    template = await make_template(families=("photo",))
    buffer = io.BytesIO()
    # 64 million pixels in a few kilobytes: decoding it would take hundreds of MB.
    Image.new("1", (8000, 8000)).save(buffer, format="PNG")
    assert buffer.tell() < 100_000
    response = await upload(client, template.id, ("bomb.png", buffer.getvalue(), "image/png"))
    assert response.status_code == 400
    assert "图片太大" in response.text and "8000×8000" in response.text
    assert stored_files(media_dir) == []


async def test_two_uploads_at_once_never_exceed_the_item_limit(client, media_dir):
    import asyncio

    candidate = await _signed_in(client)
    template = await make_template(max_files=1)
    responses = await asyncio.gather(
        upload(client, template.id, ("a.pdf", PDF_BYTES, "application/pdf")),
        upload(client, template.id, ("b.pdf", PDF_BYTES, "application/pdf")),
    )
    assert sorted(r.status_code for r in responses)[0] == 303
    assert len(await _files_of(candidate.id)) == 1
    # The refused one left nothing behind in storage.
    assert len(stored_files(media_dir)) == 1
