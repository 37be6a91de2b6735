"""The FAQ search: Chinese bigrams ranked by BM25, only what the reader may see, in sync."""

from portal.domain.faq.search import Reader, faq_search, faq_suggestions
from portal.domain.faq.tables import FaqDoc, FaqTerm
from portal.domain.faq.terms import terms_of
from portal.domain.resources.library import ResourceInput, resource_delete, resource_update
from portal.domain.rooms.moderation import message_hide
from portal.domain.rooms.tables import RoomQuestion
from tests.faq.helpers import answered_question, ask, two_cohorts
from tests.resources.helpers import make_resource


def test_terms_are_chinese_bigrams_and_folded_words():
    assert terms_of("宿舍有WiFi吗?") == ["宿舍", "舍有", "wifi", "吗"]
    assert terms_of("ＷＩＦＩ 密码") == ["wifi", "密码"]
    assert terms_of("  ,。!") == []


async def test_a_paraphrase_finds_the_faq_entry_first():
    await make_resource(title="工资每个月几号发?", body="每月 10 日发到你的银行卡。")
    await make_resource(title="宿舍有空调吗?", body="有,每个房间都有。")
    await make_resource(title="体检去哪家医院?", body="市第一人民医院。")
    me, *_ = await two_cohorts()
    matches = await faq_suggestions(candidate_id=me.id, query="请问什么时候发工资")
    assert matches and matches[0].title == "工资每个月几号发?"


async def test_a_two_character_query_matches_and_one_character_falls_back():
    await make_resource(title="宿舍有空调吗?", body="有。")
    await make_resource(title="工资几号发?", body="10 日。")
    reader = Reader(department=None, cohort=None)
    assert [m.title for m in await faq_search("宿舍", reader)] == ["宿舍有空调吗?"]
    assert [m.title for m in await faq_search("资", reader)] == ["工资几号发?"]
    assert await faq_search("100%_", reader) == []


async def test_unrelated_words_are_not_suggested():
    await make_resource(title="宿舍有空调吗?", body="有。")
    me, *_ = await two_cohorts()
    assert await faq_suggestions(candidate_id=me.id, query="培训地点的停车场收费吗") == []


async def test_only_faq_entries_aimed_at_the_reader_are_found():
    me, peer, other, hr = await two_cohorts()
    await make_resource(title="门店的工服怎么领?", body="找店长。", department=await _dept(other))
    await make_resource(title="生产部的工服怎么领?", body="找班长。", department=await _dept(me))
    await make_resource(title="草稿:工服怎么领?", body="草稿。", status="draft")
    titles = [m.title for m in await faq_suggestions(candidate_id=me.id, query="工服怎么领")]
    assert titles == ["生产部的工服怎么领?"]


async def _dept(candidate):
    from portal.domain.organisation.tables import Department

    return await Department.objects().get(Department.id == candidate.department)


async def test_answered_public_questions_of_my_cohort_are_found_private_and_others_not():
    me, peer, other, hr = await two_cohorts()
    await answered_question(peer, hr, "班车几点从地铁站出发?", "早上 7 点 20 分。")
    await answered_question(peer, hr, "班车可以带家属吗?", "不可以。", private=True)
    await answered_question(other, hr, "班车在哪里等?", "门店门口。")
    await ask(peer, "班车要钱吗?")  # not answered yet
    found = await faq_suggestions(candidate_id=me.id, query="班车什么时候出发")
    assert [(m.source, m.title) for m in found] == [("question", "班车几点从地铁站出发?")]
    assert found[0].answer == "早上 7 点 20 分。"
    for hidden in ("班车可以带家属吗", "班车在哪里等", "班车要钱吗"):
        titles = [m.title for m in await faq_suggestions(candidate_id=me.id, query=hidden)]
        assert set(titles) <= {"班车几点从地铁站出发?"}, hidden


async def test_a_hidden_answer_is_no_longer_suggested():
    me, peer, other, hr = await two_cohorts()
    question_id = await answered_question(peer, hr, "报到要带照片吗?", "要,两张一寸照。")
    assert await faq_suggestions(candidate_id=me.id, query="报到带照片")
    row = (
        await RoomQuestion.select(RoomQuestion.room, RoomQuestion.answer_message_id)
        .where(RoomQuestion.id == question_id)
        .first()
    )
    from tests.factories import make_staff

    await message_hide(
        staff=await make_staff("hr"),
        room_id=row["room"],
        message_id=row["answer_message_id"],
        reason="wrong",
    )
    assert await faq_suggestions(candidate_id=me.id, query="报到带照片") == []


async def test_the_index_follows_edits_unpublishing_and_deletes():
    entry = await make_resource(title="宿舍有空调吗?", body="有。")
    reader = Reader(department=None, cohort=None)
    assert await faq_search("空调", reader)
    await resource_update(
        resource_id=entry.id,
        data=ResourceInput(kind="faq", title="宿舍有热水吗?", body="有。", status="published"),
        stored=None,
    )
    assert await faq_search("空调", reader) == []
    assert [m.title for m in await faq_search("热水", reader)] == ["宿舍有热水吗?"]
    await resource_update(
        resource_id=entry.id,
        data=ResourceInput(kind="faq", title="宿舍有热水吗?", body="有。", status="draft"),
        stored=None,
    )
    assert await faq_search("热水", reader) == []
    assert await FaqTerm.count() == 0
    await resource_update(
        resource_id=entry.id,
        data=ResourceInput(kind="faq", title="宿舍有热水吗?", body="有。", status="published"),
        stored=None,
    )
    assert await FaqDoc.count() == 1
    await resource_delete(resource_id=entry.id)
    assert await FaqDoc.count() == 0 and await FaqTerm.count() == 0


async def test_a_rebuild_indexes_what_was_published_before():
    from portal.domain.faq.index import faq_index_rebuild

    me, peer, other, hr = await two_cohorts()
    await make_resource(title="宿舍有空调吗?", body="有。")
    await make_resource(title="草稿", body="草稿。", status="draft")
    await answered_question(peer, hr, "班车几点出发?", "7 点。")
    await answered_question(peer, hr, "可以晚到吗?", "可以。", private=True)
    await FaqTerm.delete(force=True)
    await FaqDoc.delete(force=True)
    assert await faq_index_rebuild() == 2
    assert [m.title for m in await faq_suggestions(candidate_id=me.id, query="班车出发")] == [
        "班车几点出发?"
    ]
