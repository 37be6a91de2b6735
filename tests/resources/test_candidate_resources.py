"""Candidates see the published resources aimed at them, and only those."""

from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate
from tests.resources.helpers import make_resource


async def _setting():
    production = await make_department("生产部")
    stores = await make_department("门店")
    mine = await make_cohort(production, name="第1期")
    theirs = await make_cohort(stores, name="第2期")
    candidate = await make_candidate(production, cohort=mine)
    return production, stores, mine, theirs, candidate


async def test_a_candidate_sees_everyone_department_and_cohort_resources_only(client):
    production, stores, mine, theirs, candidate = await _setting()
    await make_resource(title="全员问题")
    await make_resource(title="生产部问题", department=production)
    await make_resource(title="第1期问题", cohort=mine)
    await make_resource(title="门店问题", department=stores)
    await make_resource(title="第2期问题", cohort=theirs)
    await make_resource(title="草稿问题", status="draft")
    await sign_in_candidate(client, candidate)
    page = await client.get("/resources")
    assert page.status_code == 200
    for visible in ("全员问题", "生产部问题", "第1期问题"):
        assert visible in page.text
    for hidden in ("门店问题", "第2期问题", "草稿问题"):
        assert hidden not in page.text


async def test_resources_are_grouped_by_kind_in_order(client):
    *_, candidate = await _setting()
    await make_resource("guide", title="入职指南", body="# 第一天\n\n带上**身份证**。")
    await make_resource("link", title="公司官网", url="https://example.com/about", body="")
    await make_resource("file", title="员工手册", body="")
    await make_resource(title="第二个问题")
    first = await make_resource(title="第一个问题")
    from portal.domain.resources.library import resource_move

    await resource_move(resource_id=first.id, direction="up")
    await sign_in_candidate(client, candidate)
    text = (await client.get("/resources")).text
    sections = [text.index(f'data-testid="{name}"') for name in ("guides", "faq", "files", "links")]
    assert sections == sorted(sections)
    assert text.index("第一个问题") < text.index("第二个问题")
    assert 'href="https://example.com/about" rel="noopener noreferrer"' in text


async def test_faq_search_looks_in_questions_and_answers(client):
    *_, candidate = await _setting()
    await make_resource(title="宿舍有空调吗?", body="有。")
    await make_resource(title="工资什么时候发?", body="每月 10 日发到你的银行卡 (Bank card)。")
    await make_resource(title="要带什么?", body="身份证和照片。")
    await sign_in_candidate(client, candidate)

    by_question = await client.get("/resources", params={"q": "宿舍"})
    assert by_question.text.count('data-testid="faq-item"') == 1
    assert "宿舍有空调吗" in by_question.text

    by_answer = await client.get("/resources", params={"q": "bank CARD"})  # any case, all words
    assert by_answer.text.count('data-testid="faq-item"') == 1
    assert "工资什么时候发" in by_answer.text

    nothing = await client.get("/resources", params={"q": "<script>x</script>"})
    assert nothing.text.count('data-testid="faq-item"') == 0
    assert 'data-testid="faq-result"' in nothing.text
    assert "<script>x</script>" not in nothing.text

    everything = await client.get("/resources", params={"q": "  "})
    assert everything.text.count('data-testid="faq-item"') == 3
    # The search is a plain GET form: it works without JavaScript.
    assert '<form method="get" action="/resources#faq"' in everything.text


async def test_guides_render_markdown_safely(client):
    *_, candidate = await _setting()
    guide = await make_resource(
        "guide",
        title="指南",
        body="# 标题\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))",
    )
    await sign_in_candidate(client, candidate)
    page = await client.get(f"/resources/{guide.id}")
    assert page.status_code == 200
    assert "<h1>标题</h1>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert 'href="javascript:' not in page.text


async def test_another_cohorts_guide_and_file_are_not_found(client):
    _, stores, _, theirs, candidate = await _setting()
    guide = await make_resource("guide", title="别人的指南", body="x", cohort=theirs)
    file = await make_resource("file", title="别人的文件", department=stores)
    draft = await make_resource("file", title="草稿文件", status="draft")
    await sign_in_candidate(client, candidate)
    assert (await client.get(f"/resources/{guide.id}")).status_code == 404
    assert (await client.get(f"/resources/{file.id}/file")).status_code == 404
    assert (await client.get(f"/resources/{draft.id}/file")).status_code == 404
    assert (await client.get("/resources/99999999999/file")).status_code == 404


async def test_a_targeted_file_downloads_with_its_real_type(client):
    production, *_, candidate = await _setting()
    file = await make_resource("file", title="手册", department=production, file_name="手册.pdf")
    await sign_in_candidate(client, candidate)
    response = await client.get(f"/resources/{file.id}/file")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "private" in response.headers["cache-control"]
    assert "filename*=utf-8''" in response.headers["content-disposition"]


async def test_signed_out_visitors_get_no_file(client):
    file = await make_resource("file", title="手册")
    response = await client.get(f"/resources/{file.id}/file", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert "/welcome" in response.headers["location"]


async def test_an_empty_library_says_so(client):
    *_, candidate = await _setting()
    await sign_in_candidate(client, candidate)
    assert 'data-testid="no-resources"' in (await client.get("/resources")).text
