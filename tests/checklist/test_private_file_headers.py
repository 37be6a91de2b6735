"""Personal documents are kept by no cache; uploaded PDFs open in a sandbox."""

from __future__ import annotations

import httpx

from portal.domain.checklist.tables import ChecklistFile, ChecklistSubmission
from tests.checklist.helpers import PDF_BYTES, jpeg_bytes, make_template, upload
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)


async def _files(candidate_id: int) -> list[ChecklistFile]:
    submission = await ChecklistSubmission.objects().get(
        ChecklistSubmission.candidate == candidate_id
    )
    return await ChecklistFile.objects().where(ChecklistFile.submission == submission.id)


async def test_every_personal_document_route_says_no_store(app, client, media_dir):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    template = await make_template(max_files=2)
    await sign_in_candidate(client, candidate)
    for name, content, kind in (
        ("身份证.jpg", jpeg_bytes(), "image/jpeg"),
        ("体检.pdf", PDF_BYTES, "application/pdf"),
    ):
        assert (await upload(client, template.id, (name, content, kind))).status_code == 303
    photo, pdf = sorted(await _files(candidate.id), key=lambda f: f.media_type != "image/jpeg")
    candidate_urls = [
        f"/checklist/files/{photo.id}",
        f"/checklist/files/{photo.id}/thumb",
        f"/checklist/files/{pdf.id}",
        "/checklist",
        "/profile",
    ]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as hr:
        await sign_in_staff(hr, await make_staff("hr"))
        staff_urls = [
            f"/admin/documents/files/{photo.id}",
            f"/admin/documents/files/{photo.id}/thumb",
            f"/admin/documents/files/{pdf.id}",
            f"/admin/candidates/{candidate.id}/profile",
        ]
        for browser, urls in ((client, candidate_urls), (hr, staff_urls)):
            for url in urls:
                response = await browser.get(url)
                assert response.status_code == 200, url
                assert response.headers["cache-control"] == "no-store", url
    pdf_response = await client.get(f"/checklist/files/{pdf.id}")
    assert pdf_response.headers["content-security-policy"] == "sandbox"
    assert pdf_response.content == PDF_BYTES
