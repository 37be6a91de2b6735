"""The CSV import pages: upload, preview with per-row problems, import all or the valid rows."""

from __future__ import annotations

import re

import httpx
import pytest

from portal.domain.candidates.tables import Candidate, StageChange
from tests.admin.forms import csrf_token, field_error
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_position,
    make_staff,
    sign_in_as,
    sign_in_staff,
)

IMPORT = "/admin/candidates/import"
CONFIRM = "/admin/candidates/import/confirm"

GOOD_CSV = (
    "姓名,手机号,邮箱,部门,岗位,培训批次,外部编号\r\n"
    "张三,138 0013 8000,zhangsan@example.com,生产部,操作工,生产部第1期,HR-1\r\n"
    "李四,+86 139-0013-9000,,生产部,,,HR-2\r\n"
)


async def _organisation():
    department = await make_department("生产部")
    await make_position(department, "操作工")
    cohort = await make_cohort(department, name="生产部第1期")
    return department, cohort


async def _upload(
    client: httpx.AsyncClient, content: bytes, filename: str = "candidates.csv", *, token=True
) -> httpx.Response:
    data = {"_csrf_token": await csrf_token(client)} if token else {}
    return await client.post(
        IMPORT,
        data=data,
        files={"file": (filename, content, "text/csv")},
        follow_redirects=False,
    )


def _preview_token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "the preview page has no confirmation form"
    return match.group(1)


async def _confirm(
    client: httpx.AsyncClient, token: str, mode: str = "all", **extra: str
) -> httpx.Response:
    data = {"token": token, "mode": mode, "_csrf_token": await csrf_token(client), **extra}
    return await client.post(CONFIRM, data=data, follow_redirects=False)


def _row_errors(html: str) -> dict[int, list[str]]:
    """Row number → the fields named in that row's problems."""
    found: dict[int, list[str]] = {}
    for number, cell in re.findall(
        r'data-testid="invalid-row" data-row="(\d+)">(.*?)</tr>', html, flags=re.S
    ):
        found[int(number)] = re.findall(r'data-field="([a-z_]+)"', cell)
    return found


async def test_a_clean_utf8_file_is_previewed_then_imported(client):
    staff = await sign_in_as(client)
    department, cohort = await _organisation()
    page = await _upload(client, GOOD_CSV.encode("utf-8"))
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.text.count('data-testid="valid-row"') == 2
    assert 'data-testid="invalid-row"' not in page.text
    assert await Candidate.count() == 0  # a preview imports nothing

    done = await _confirm(client, _preview_token(page.text))
    assert done.status_code == 200, done.text
    assert done.text.count('data-testid="imported-row"') == 2
    assert "已导入 2 名候选人" in done.text
    rows = await Candidate.select().order_by(Candidate.phone)
    assert [(r["name"], r["phone"], r["email"], r["external_id"]) for r in rows] == [
        ("张三", "13800138000", "zhangsan@example.com", "HR-1"),
        ("李四", "13900139000", None, "HR-2"),
    ]
    assert rows[0]["cohort"] == cohort.id and rows[1]["cohort"] is None
    assert {r["department"] for r in rows} == {department.id}
    changes = await StageChange.select().where(StageChange.source == "import")
    assert len(changes) == 2 and {c["changed_by"] for c in changes} == {staff.id}


async def _import_rows() -> list[tuple]:
    rows = await Candidate.select(
        Candidate.name, Candidate.phone, Candidate.email, Candidate.cohort, Candidate.external_id
    ).order_by(Candidate.phone)
    return [tuple(row.values()) for row in rows]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
async def test_utf8_utf8_bom_and_gbk_files_import_the_same(client, encoding):
    await sign_in_as(client)
    _department, cohort = await _organisation()
    page = await _upload(client, GOOD_CSV.encode(encoding))
    assert page.status_code == 200, page.text
    assert "张三" in page.text and "生产部第1期" in page.text
    done = await _confirm(client, _preview_token(page.text))
    assert done.status_code == 200
    assert await _import_rows() == [
        ("张三", "13800138000", "zhangsan@example.com", cohort.id, "HR-1"),
        ("李四", "13900139000", None, None, "HR-2"),
    ]


BROKEN_CSV = (
    "姓名,手机号,部门,培训批次\n"
    "好人,13800138000,生产部,生产部第1期\n"  # row 2
    "坏号码,1380013,生产部,\n"  # row 3
    "无批次,13800138001,生产部,第99期\n"  # row 4
    "重复甲,13900139000,生产部,\n"  # row 5
    "重复乙,139 0013 9000,生产部,\n"  # row 6
    "老朋友,13700137000,生产部,\n"  # row 7: already a candidate
)


async def test_broken_rows_are_each_shown_and_nothing_is_imported(client):
    await sign_in_as(client)
    department, _cohort = await _organisation()
    await make_candidate(department, phone="13700137000")
    page = await _upload(client, BROKEN_CSV.encode())
    assert page.status_code == 200
    assert _row_errors(page.text) == {
        3: ["phone"],
        4: ["cohort"],
        5: ["phone"],
        6: ["phone"],
        7: ["phone"],
    }
    assert "没有名为“第99期”的培训批次。" in page.text
    assert "与本文件第 6 行重复。" in page.text and "与本文件第 5 行重复。" in page.text
    assert "Another candidate already has this value." not in page.text  # translated
    assert "1 行可以导入" in page.text and "5 行有问题" in page.text
    assert re.search(r'<button type="button" disabled[^>]*data-testid="import-all"', page.text)
    assert 'data-testid="import-valid"' in page.text
    # "Import all" posted anyway (a forged or stale form) imports nothing.
    refused = await _confirm(client, _preview_token(page.text), mode="all")
    assert refused.status_code == 409
    assert await Candidate.count() == 1


async def test_importing_only_the_valid_rows_needs_the_box_and_imports_exactly_them(client):
    await sign_in_as(client)
    department, cohort = await _organisation()
    await make_candidate(department, phone="13700137000")
    page = await _upload(client, BROKEN_CSV.encode())
    token = _preview_token(page.text)

    unticked = await _confirm(client, token, mode="valid")
    assert unticked.status_code == 400
    assert field_error(unticked.text, "confirm_partial")
    assert await Candidate.count() == 1

    done = await _confirm(client, token, mode="valid", confirm_partial="yes")
    assert done.status_code == 200, done.text
    assert "已导入 1 名候选人" in done.text
    phones = [row["phone"] for row in await Candidate.select(Candidate.phone)]
    assert sorted(phones) == ["13700137000", "13800138000"]
    imported = await Candidate.objects().get(Candidate.phone == "13800138000")
    assert (imported.name, imported.cohort) == ("好人", cohort.id)


async def test_a_second_confirm_says_the_import_was_already_done(client):
    await sign_in_as(client)
    await _organisation()
    page = await _upload(client, GOOD_CSV.encode())
    token = _preview_token(page.text)
    first = await _confirm(client, token)
    second = await _confirm(client, token)
    assert first.status_code == 200
    assert second.status_code == 409
    assert 'data-testid="import-repeated"' in second.text
    assert "此导入已经完成：已导入 2 名候选人。没有重复导入。" in second.text
    assert await Candidate.count() == 2


async def test_a_stale_preview_shows_the_new_error_and_imports_nothing(client):
    await sign_in_as(client)
    department, _cohort = await _organisation()
    page = await _upload(client, GOOD_CSV.encode())
    token = _preview_token(page.text)
    # Meanwhile a colleague adds 李四 by hand.
    await make_candidate(department, name="李四", phone="13900139000")

    stale = await _confirm(client, token)
    assert stale.status_code == 409
    assert 'data-testid="import-alert"' in stale.text
    assert _row_errors(stale.text) == {3: ["phone"]}
    assert await Candidate.count() == 1
    # The refreshed preview no longer offers "import all", but the valid row.
    assert 'data-testid="import-valid"' in stale.text
    done = await _confirm(client, _preview_token(stale.text), mode="valid", confirm_partial="yes")
    assert done.status_code == 200
    assert await Candidate.count() == 2


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (
            "姓名,邮箱,部门\n张三,a@example.com,生产部\n".encode(),
            "a.csv",
            "文件缺少以下列：手机号 / phone",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.csv", "这不是 CSV 文件"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "名单.xlsx", "这是 Excel 工作簿"),
        (b"", "empty.csv", "文件是空的。"),
        (b"x" * (2 * 1024 * 1024 + 1), "big.csv", "文件超过 2 MB"),
    ],
)
async def test_an_unusable_file_is_refused_on_the_form(client, content, filename, message):
    await sign_in_as(client)
    page = await _upload(client, content, filename)
    assert page.status_code == 400
    assert message in page.text
    assert 'data-testid="import-error"' in page.text
    assert 'name="token"' not in page.text


async def test_a_request_over_the_upload_limit_is_sent_back_to_the_form(client):
    await sign_in_as(client)
    response = await _upload(client, b"a" * (3 * 1024 * 1024))
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "文件超过 2 MB" in page.text


async def test_posting_without_a_file_asks_for_one(client):
    await sign_in_as(client)
    response = await client.post(
        IMPORT, data={"_csrf_token": await csrf_token(client)}, follow_redirects=False
    )
    assert response.status_code == 400
    assert "请选择要上传的 CSV 文件。" in response.text


async def test_without_the_csrf_token_nothing_is_previewed_or_imported(client):
    await sign_in_as(client)
    await _organisation()
    refused = await _upload(client, GOOD_CSV.encode(), token=False)
    assert refused.status_code == 403
    forged = await client.post(
        IMPORT,
        data={"_csrf_token": "forged"},
        files={"file": ("a.csv", GOOD_CSV.encode(), "text/csv")},
    )
    assert forged.status_code == 403

    page = await _upload(client, GOOD_CSV.encode())
    token = _preview_token(page.text)
    for data in ({"token": token, "mode": "all"}, {"token": token, "_csrf_token": "forged"}):
        response = await client.post(CONFIRM, data=data, follow_redirects=False)
        assert response.status_code == 403
    assert await Candidate.count() == 0
    # The refused posts did not use up the preview.
    assert (await _confirm(client, token)).status_code == 200
    assert await Candidate.count() == 2


async def test_managers_cannot_import(client):
    await _organisation()
    hr = await make_staff("hr")
    department = await make_department()
    manager = await make_staff("manager", department=department)
    # A preview made by HR, which the manager tries to confirm.
    await sign_in_staff(client, hr)
    token = _preview_token((await _upload(client, GOOD_CSV.encode())).text)
    client.cookies.clear()

    await sign_in_staff(client, manager)
    assert (await client.get(IMPORT)).status_code == 403
    assert (await client.get(f"{IMPORT}/template.csv")).status_code == 403
    assert (await _upload(client, GOOD_CSV.encode())).status_code == 403
    assert (await _confirm(client, token)).status_code == 403
    assert await Candidate.count() == 0
    candidates_page = await client.get("/admin/candidates")
    assert 'href="/admin/candidates/import"' not in candidates_page.text


async def test_another_staff_member_cannot_confirm_someone_elses_preview(client, app):
    await _organisation()
    owner = await make_staff("hr")
    colleague = await make_staff("admin")
    await sign_in_staff(client, owner)
    token = _preview_token((await _upload(client, GOOD_CSV.encode())).text)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as other:
        await sign_in_staff(other, colleague)
        for mode, extra in (("all", {}), ("valid", {"confirm_partial": "yes"})):
            response = await _confirm(other, token, mode=mode, **extra)
            assert response.status_code == 404
            assert "此预览已不可用" in response.text
    assert await Candidate.count() == 0
    assert (await _confirm(client, token)).status_code == 200
    assert await Candidate.count() == 2


async def test_an_unknown_preview_asks_to_upload_again(client):
    await sign_in_as(client)
    response = await _confirm(client, "no-such-preview-token-000000")
    assert response.status_code == 404
    assert 'type="file"' in response.text


async def test_what_the_file_says_is_shown_escaped(client):
    await sign_in_as(client)
    await _organisation()
    content = '姓名,手机号,部门,备注<b>\n"<script>alert(1)</script>",13800138000,<i>生产部</i>,x\n'
    page = await _upload(client, content.encode(), filename="<img src=x onerror=alert(1)>.csv")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<i>生产部</i>" not in page.text and "<img src=x" not in page.text
    assert "备注&lt;b&gt;" in page.text  # the ignored column, named


async def test_the_template_opens_in_excel_as_utf8(client):
    await sign_in_as(client)
    response = await client.get(f"{IMPORT}/template.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines()[0] == (
        "姓名,手机号,邮箱,部门,岗位,培训批次,外部编号,标签"
    )
    client.cookies.set("onramp_lang", "en")
    english = await client.get(f"{IMPORT}/template.csv")
    assert english.content.decode("utf-8-sig").startswith("name,phone,email,department")


async def test_the_upload_page_lists_the_names_a_file_may_use(client):
    await sign_in_as(client)
    await _organisation()
    page = await client.get(IMPORT)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'name="_csrf_token"' in page.text
    for name in ("生产部", "操作工", "生产部第1期"):
        assert name in page.text


async def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = await client.get(IMPORT, follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/admin/login")
