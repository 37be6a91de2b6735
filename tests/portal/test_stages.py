from __future__ import annotations

import pytest

from portal.domain.errors import DomainError, ValidationFailed
from portal.domain.organisation.stages import (
    StageInput,
    stage_create,
    stage_delete,
    stage_move,
    stage_update,
)
from portal.domain.organisation.tables import Stage
from tests.factories import make_candidate


async def _codes() -> list[str]:
    return [row["code"] for row in await Stage.select(Stage.code).order_by(Stage.sort_order)]


@pytest.fixture
async def restore_stages():
    """Stages are seed data kept between tests: put the default pipeline back."""
    before = await Stage.select().order_by(Stage.sort_order)
    yield
    await Stage.delete().where(Stage.id.not_in([row["id"] for row in before]))
    # Every column: a test that renames a stage also clears its next step (the form's
    # default), which a later test on this database (GET /api/v1/me) reads.
    for row in before:
        await Stage.update(
            {column: row[column._meta.name] for column in Stage._meta.non_default_columns}
        ).where(Stage.id == row["id"])


async def test_default_pipeline_is_seeded_in_order():
    assert await _codes() == [
        "interview_passed",
        "background_check",
        "offer_sent",
        "pre_start",
        "training",
        "joined",
    ]
    offer = await Stage.objects().get(Stage.code == "offer_sent")
    assert offer.name == "Offer 已发放" and offer.next_step and offer.typical_days == 3


async def test_added_stage_goes_last_and_can_be_moved(restore_stages):
    stage = await stage_create(data=StageInput(code="medical", name="体检", typical_days="3"))
    assert (await _codes())[-1] == "medical"
    await stage_move(stage_id=stage.id, direction=-1)
    assert (await _codes())[-2:] == ["medical", "joined"]


async def test_bad_stage_input_names_each_field_and_writes_nothing(restore_stages):
    with pytest.raises(ValidationFailed) as failure:
        await stage_create(data=StageInput(code="Offer Sent!", name="", typical_days="abc"))
    assert set(failure.value.errors) == {"code", "name", "typical_days"}
    with pytest.raises(ValidationFailed) as duplicate:
        await stage_create(data=StageInput(code="joined", name="重复", typical_days=-1))
    assert set(duplicate.value.errors) == {"code", "typical_days"}
    assert len(await _codes()) == 6


async def test_stage_rename_keeps_its_candidates(restore_stages):
    candidate = await make_candidate()
    first = await Stage.objects().get(Stage.code == "interview_passed")
    await stage_update(
        stage_id=first.id,
        data=StageInput(code="interview_passed", name="复试通过", typical_days=1),
    )
    assert (await Stage.objects().get(Stage.id == candidate.stage)).name == "复试通过"


async def test_a_stage_with_history_cannot_be_deleted(restore_stages):
    await make_candidate()
    first = await Stage.objects().get(Stage.code == "interview_passed")
    with pytest.raises(DomainError):
        await stage_delete(stage_id=first.id)
    unused = await stage_create(data=StageInput(code="unused", name="未使用"))
    await stage_delete(stage_id=unused.id)
    assert "unused" not in await _codes()
