"""SLA test set-up: rooms and questions made directly as rows, categories restored."""

from __future__ import annotations

import pytest

from portal.domain.rooms.tables import QuestionCategory


@pytest.fixture(autouse=True)
async def restore_question_categories(database: str):
    """Question categories are seed data kept between tests: undo what a test changed."""
    before = await QuestionCategory.select()
    yield
    kept = [row["id"] for row in before]
    await QuestionCategory.delete().where(QuestionCategory.id.not_in(kept))
    for row in before:
        await QuestionCategory.update(
            {
                QuestionCategory.name: row["name"],
                QuestionCategory.name_en: row["name_en"],
                QuestionCategory.responder_role: row["responder_role"],
                QuestionCategory.sort_order: row["sort_order"],
                QuestionCategory.is_active: row["is_active"],
            }
        ).where(QuestionCategory.id == row["id"])
