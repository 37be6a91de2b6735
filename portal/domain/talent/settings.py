"""HR edits the reasons, the cadence and its templates per reason (``reason`` NULL: the
default cadence; a reason's step replaces the default step of the same day)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.db import unique_violation_raises, write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.talent.defaults import talent_defaults_ensure
from portal.domain.talent.tables import (
    ASSIGNEES,
    STEP_KINDS,
    STEP_MODES,
    TalentCadenceStep,
    TalentReason,
)
from portal.domain.validation import whole_number
from portal.i18n import gettext as _

CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
KNOWN_PLACEHOLDERS = {"name", "growth_link"}
BODY_MAX = 300


def _label(label: str, errors: dict[str, str]) -> str:
    label = " ".join((label or "").split())
    if not label or len(label) > 100 or any(c in label for c in "<>{}"):
        errors["label"] = _("A label is 1–100 characters, without <, >, { or }.")
    return label


async def reason_add(*, code: str, label: str) -> None:
    await talent_defaults_ensure()
    errors: dict[str, str] = {}
    code = (code or "").strip()
    if not CODE.match(code):
        errors["code"] = _("A code is lowercase letters, digits and _ (e.g. shift_work).")
    label = _label(label, errors)
    if errors:
        raise ValidationFailed(errors)
    count = await TalentReason.count()
    with unique_violation_raises(lambda: ValidationFailed({"code": _("This code exists.")})):
        async with write_transaction():
            await TalentReason(code=code, label=label, sort_order=count, active=True).save()


async def reason_edit(*, reason_id: int, label: str, active: bool) -> None:
    errors: dict[str, str] = {}
    label = _label(label, errors)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        reason = await TalentReason.objects().get(TalentReason.id == reason_id)
        if reason is None:
            raise NotFound(_("Not found."))
        if reason.code == "other" and not active:
            raise ValidationFailed({"active": _("“Other” is always offered.")})
        await TalentReason.update({TalentReason.label: label, TalentReason.active: active}).where(
            TalentReason.id == reason_id
        )


@dataclass(frozen=True)
class StepInput:
    reason_code: str
    day: str
    kind: str
    mode: str
    assignee: str
    body_a: str
    body_b: str


def _body(text: str, field: str, errors: dict[str, str]) -> str:
    text = (text or "").strip()
    if len(text) > BODY_MAX:
        errors[field] = _("A template is at most 300 characters long.")
    unknown = set(PLACEHOLDER.findall(text)) - KNOWN_PLACEHOLDERS
    if unknown:
        errors[field] = _("Only {name} and {growth_link} can be filled in.")
    return text


async def _step_values(data: StepInput) -> dict:
    errors: dict[str, str] = {}
    reason_id = None
    if data.reason_code:
        reason = await TalentReason.objects().get(TalentReason.code == data.reason_code)
        if reason is None:
            errors["reason_code"] = _("Choose one of the listed reasons.")
        else:
            reason_id = reason.id
    day = whole_number(data.day, minimum=1, maximum=730)
    if day is None:
        errors["day"] = _("A day between 1 and 730.")
    if data.kind not in STEP_KINDS:
        errors["kind"] = _("Unknown kind of step.")
    if data.mode not in STEP_MODES:
        errors["mode"] = _("A step is a message or a to-do.")
    if data.assignee not in ASSIGNEES:
        errors["assignee"] = _("A to-do is for HR or the hiring manager.")
    body_a = _body(data.body_a, "body_a", errors)
    body_b = _body(data.body_b, "body_b", errors)
    if not body_a and "body_a" not in errors:
        errors["body_a"] = _("Write the text of variant A.")
    if errors:
        raise ValidationFailed(errors)
    return {
        TalentCadenceStep.reason: reason_id,
        TalentCadenceStep.day: day,
        TalentCadenceStep.kind: data.kind,
        TalentCadenceStep.mode: data.mode,
        TalentCadenceStep.assignee: data.assignee,
        TalentCadenceStep.body_a: body_a,
        TalentCadenceStep.body_b: body_b,
        TalentCadenceStep.link_growth: "{growth_link}" in body_a + body_b,
    }


async def cadence_step_save(*, step_id: int | None, data: StepInput) -> None:
    await talent_defaults_ensure()
    values = await _step_values(data)
    async with write_transaction():
        if step_id is None:
            step = TalentCadenceStep()
            for column, value in values.items():
                setattr(step, column._meta.name, value)
            await step.save()
            return
        rows = (
            await TalentCadenceStep.update(values)
            .where(TalentCadenceStep.id == step_id)
            .returning(TalentCadenceStep.id)
        )
        if not rows:
            raise NotFound(_("Not found."))


async def cadence_step_delete(*, step_id: int) -> None:
    async with write_transaction():
        await TalentCadenceStep.delete().where(TalentCadenceStep.id == step_id)


async def cadence_steps() -> list[dict]:
    await talent_defaults_ensure()
    return (
        await TalentCadenceStep.select(
            *TalentCadenceStep.all_columns(),
            TalentCadenceStep.reason.code.as_alias("reason_code"),
            TalentCadenceStep.reason.label.as_alias("reason_label"),
        )
        .order_by(TalentCadenceStep.reason)
        .order_by(TalentCadenceStep.day)
    )
