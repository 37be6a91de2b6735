"""Anonymisation is irreversible and leaves no personal data: every table's text columns
and the media directory are searched for the name and phone afterwards."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from piccolo.columns import Text, Varchar

from portal.auth.sessions import Principal
from portal.domain.checklist.tables import ChecklistFile, ChecklistSubmission, ChecklistTemplate
from portal.domain.messaging.enqueue import OutboundMessage, message_enqueue
from portal.domain.profiles.tables import CandidateProfile
from portal.domain.rooms.membership import cohort_room_ensure, member_for_principal
from portal.domain.rooms.messages import message_send
from portal.domain.talent.anonymise import candidate_anonymise
from portal.domain.talent.pool import entry_edit, withdrawal_reason_counts
from portal.domain.talent.tables import TalentEntry, TalentEvent, TalentNeed
from portal.domain.talent.tick import talent_tick
from portal.files.storage import get_storage, new_key
from portal.piccolo_app import APP_CONFIG
from tests.factories import make_candidate, make_cohort
from tests.talent.helpers import now, withdrawn

NAME = "欧阳测试"
PHONE = "13912345678"
EMAIL = "ouyang.test@example.com"


async def _chunks(data: bytes):
    yield data


async def _everything_a_person_leaves(cohort) -> int:
    """A candidate with a profile, a document, room messages and messages; returns the id."""
    candidate = await make_candidate(cohort=cohort, name=NAME, phone=PHONE, email=EMAIL)
    await CandidateProfile(
        candidate=candidate.id, legal_name=NAME, id_number_enc="x", emergency_name="欧阳妈妈",
        emergency_relationship="母亲", emergency_phone="13800001111", bank_name="银行",
        bank_card_enc="y", address="苏州市某路1号",
    ).save()  # fmt: skip
    template = ChecklistTemplate(title="身份证")
    await template.save()
    submission = ChecklistSubmission(
        candidate=candidate.id, template=template.id, status="submitted", round=1
    )
    await submission.save()
    key = new_key("checklist")
    await get_storage().save(key, _chunks(f"{NAME} {PHONE}".encode()), max_bytes=1000)
    await ChecklistFile(
        submission=submission.id, storage_key=key, original_name=f"{NAME}身份证.jpg",
        media_type="image/jpeg", family="image", size=10,
    ).save()  # fmt: skip
    room_id = await cohort_room_ensure(cohort.id)
    member = await member_for_principal(Principal(kind="candidate", id=candidate.id))
    await message_send(
        room_id=room_id, author=member, client_id="0f6b6a9e-0000-4000-8000-0000000000aa",
        kind="chat", body=f"我是{NAME}，电话{PHONE}",
    )  # fmt: skip
    await message_enqueue(
        message=OutboundMessage(
            dedupe_key="anon:test",
            channel="inbox",
            category="transactional",
            candidate_id=candidate.id,
            body=f"{NAME}，你好",
        )  # fmt: skip
    )
    return candidate.id


async def _text_dump() -> str:
    parts: list[str] = []
    for table in APP_CONFIG.table_classes:
        columns = [c for c in table._meta.columns if isinstance(c, (Text, Varchar))]
        if not columns:
            continue
        for row in await table.select(*columns):
            parts.extend(str(v) for v in row.values() if v is not None)
    return "\n".join(parts)


def _media_dump() -> str:
    root = get_storage().local_path("checklist").parent
    found = []
    for path in root.rglob("*"):
        found.append(str(path))
        if path.is_file():
            found.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(found)


async def test_expired_consent_is_anonymised_and_nothing_personal_remains(channels):
    cohort = await make_cohort()
    neighbour = await make_candidate(cohort=cohort, name="旁人")
    candidate_id = await _everything_a_person_leaves(cohort)
    from portal.domain.candidates.records import candidate_set_status
    from portal.domain.talent.withdrawal import WithdrawalInput

    await candidate_set_status(
        candidate_id=candidate_id, status="withdrawn",
        withdrawal=WithdrawalInput(
            reason_code="salary", text=f"{NAME}说工资低，电话{PHONE}", needs="弹性工作",
            consent=True, change_mind=f"加薪就来 {NAME}",
        ),
    )  # fmt: skip
    entry = await TalentEntry.objects().get(TalentEntry.candidate == candidate_id)
    await entry_edit(
        entry_id=entry.id, department_scope=None, needs="弹性工作", notes=f"{NAME} 很优秀",
        actor_id=None, now=now(),
    )  # fmt: skip
    dump = await _text_dump()
    assert NAME in dump and PHONE in dump  # the dump does see them before
    assert NAME in _media_dump()

    # Before expiry nothing happens; after it, the tick anonymises.
    assert (await talent_tick(now=now())).anonymised == 0
    result = await talent_tick(now=now() + timedelta(days=400))
    assert result.anonymised == 1

    dump = await _text_dump()
    for secret in (NAME, PHONE, EMAIL, "欧阳妈妈", "13800001111", "苏州市某路1号"):
        assert secret not in dump, secret
    assert NAME not in _media_dump() and PHONE not in _media_dump()
    # Aggregates stay: the reason, the need, the department; the neighbour is untouched.
    counts = {c.code: c.count for c in await withdrawal_reason_counts()}
    assert counts["salary"] == 1
    assert await TalentNeed.count() == 1
    entry = await TalentEntry.objects().get(TalentEntry.id == entry.id)
    assert entry.status == "anonymised" and entry.department is not None
    assert "旁人" in dump and neighbour.phone in dump
    # Irreversible: a second run finds nothing to do, the record cannot be reactivated.
    await candidate_anonymise(candidate_id=candidate_id, now=now())
    with pytest.raises(Exception):  # noqa: B017
        await candidate_set_status(candidate_id=candidate_id, status="active")


async def test_without_consent_anonymised_after_the_grace_period():
    candidate, entry = await withdrawn(consent=False, name="无同意者")
    assert (await talent_tick(now=now() + timedelta(days=29))).anonymised == 0
    assert (await talent_tick(now=now() + timedelta(days=31))).anonymised == 1
    assert "无同意者" not in await _text_dump()


async def test_an_active_candidate_is_never_anonymised():
    candidate = await make_candidate(name="在职者")
    await candidate_anonymise(candidate_id=candidate.id, now=now())
    assert "在职者" in await _text_dump()


async def test_two_ticks_anonymising_one_candidate_at_once_do_it_once():
    """Every worker's talent tick reads the due entries; both may pick the same candidate."""
    candidate, entry = await withdrawn(consent=False, name="并发者")
    later = now() + timedelta(days=31)
    await asyncio.gather(
        *(candidate_anonymise(candidate_id=candidate.id, now=later) for _ in range(3))
    )
    await candidate_anonymise(candidate_id=candidate.id, now=later + timedelta(days=1))
    events = await TalentEvent.select(TalentEvent.kind, TalentEvent.created_at).where(
        (TalentEvent.entry == entry.id) & (TalentEvent.kind == "anonymised")
    )
    assert [row["created_at"] for row in events] == [later]
    stored = await TalentEntry.objects().get(TalentEntry.id == entry.id)
    assert (stored.status, stored.anonymised_at) == ("anonymised", later)
    assert "并发者" not in await _text_dump()
