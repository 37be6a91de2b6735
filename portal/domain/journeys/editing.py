"""HR edits a step: every field checked, every text parsed and measured, all or nothing.

A text with an unknown variable (``{nmae}``, ``{name.__class__}``), a subject with a line
break, a body that would not fit its channel for a real-looking candidate, an unknown
stage or tag: each is an error next to its field, and nothing is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.journeys.links import LINK_TARGETS
from portal.domain.journeys.placeholders import TemplateInvalid, allowed_variables, template_render
from portal.domain.journeys.tables import (
    EVENTS,
    GOALS,
    STEP_CATEGORIES,
    STEP_CHANNELS,
    TRIGGERS,
    Journey,
    JourneyStep,
    JourneyVariant,
)
from portal.domain.messaging.channels.sms import sms_text
from portal.domain.messaging.checks import EMAIL_BODY_MAX, INBOX_BODY_MAX, SUBJECT_MAX
from portal.domain.organisation.tables import Cohort, Department, Position, Stage
from portal.domain.surveys.invites import survey_link_valid
from portal.domain.tags.names import tags_resolve
from portal.i18n import gettext as _

MAX_VARIANTS = 5
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_LABEL = re.compile(r"^[A-Za-z0-9]{1,10}$")


@dataclass(frozen=True)
class VariantInput:
    id: int | None
    label: str
    subject_zh: str
    body_zh: str
    subject_en: str = ""
    body_en: str = ""
    remove: bool = False


@dataclass(frozen=True)
class StepInput:
    name: str
    trigger: str
    enabled: bool = True
    stage_id: int | None = None
    delay_hours: str = "0"
    offset_days: str = "0"
    at_time: str = "10:00"
    weekday: str = "4"
    due_in_days: str = "3"
    event: str = ""
    audience_department_id: int | None = None
    audience_position_id: int | None = None
    audience_cohort_id: int | None = None
    audience_stage_id: int | None = None
    audience_tags: str = ""
    channels: tuple[str, ...] = ("inbox",)
    category: str = "engagement"
    link_path: str = "/"
    goal: str = ""
    variants: tuple[VariantInput, ...] = field(default_factory=tuple)


def sample_values(allowed: tuple[str, ...]) -> dict[str, str]:
    """Values as long as real ones get, to measure a text against its channel's limit."""
    link = f"{get_settings().base_url}/go/{'x' * 43}"
    sample = {
        "name": "欧阳晓明",
        "department": "生产部",
        "cohort": "生产部 12 月第 3 期",
        "days_left": "10",
        "start_at": "2026年12月1日 09:00",
        "place": "苏州工业园区星湖街 328 号 培训中心 3 楼",
        "map_link": f"{get_settings().base_url}/map/12345-0123456789ab",
        "video_link": link,
        "link": link,
        "item": "健康证明",
        "deadline": "2026年11月24日",
        "reason": "照片模糊，看不清。",
        "reward": "星巴克咖啡券",
        "digest": "本周：2 门新课程，1 份新资料。",
    }
    return {name: sample.get(name, "") for name in allowed}


def _whole(raw: str, errors: dict[str, str], name: str, low: int, high: int) -> int:
    text = (raw or "").strip()
    if re.fullmatch(r"-?\d{1,6}", text) and low <= int(text) <= high:
        return int(text)
    errors[name] = _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
    return 0


def _check_text(
    variant: VariantInput,
    index: int,
    *,
    allowed: tuple[str, ...],
    channels: tuple[str, ...],
    category: str,
    errors: dict[str, str],
) -> None:
    prefix = f"variants[{index}]."
    for lang in ("zh", "en"):
        subject = getattr(variant, f"subject_{lang}")
        body = getattr(variant, f"body_{lang}")
        if lang == "en" and not (subject.strip() or body.strip()):
            continue  # no English text: English readers get the Chinese one
        rendered: dict[str, str] = {}
        for part, text in (("subject", subject), ("body", body)):
            key = f"{prefix}{part}_{lang}"
            try:
                rendered[part] = template_render(text, sample_values(allowed), allowed=allowed)
            except TemplateInvalid as invalid:
                errors[key] = str(invalid)
        subject_key, body_key = f"{prefix}subject_{lang}", f"{prefix}body_{lang}"
        if subject_key not in errors:
            if len(subject) > SUBJECT_MAX:
                errors[subject_key] = _("The subject can be at most 200 characters long.")
            elif any(char in subject for char in "\r\n\x00"):
                errors[subject_key] = _("The subject must be one line.")
            elif "email" in channels and not subject.strip():
                errors[subject_key] = _("An e-mail needs a subject.")
        if body_key in errors:
            continue
        if not body.strip():
            errors[body_key] = _("The message is empty.")
            continue
        text = rendered["body"]
        if "inbox" in channels and len(text) > INBOX_BODY_MAX:
            errors[body_key] = _("The message is too long for the inbox.")
        elif "email" in channels and len(text) > EMAIL_BODY_MAX:
            errors[body_key] = _("The message is too long for an e-mail.")
        elif "sms" in channels:
            full = sms_text(
                text, candidate_id=2**31 - 1, category=category,
                locale="en" if lang == "en" else "zh_CN",
            )  # fmt: skip
            limit = get_settings().sms_max_chars
            if len(full) > limit:
                errors[body_key] = _(
                    "Too long for an SMS: about %(length)s characters with a real name, "
                    "links and the unsubscribe link; at most %(limit)s.",
                    length=len(full),
                    limit=limit,
                )


async def _exists(table, row_id: int | None) -> bool:  # noqa: ANN001 - a Piccolo table
    return row_id is None or bool(await table.exists().where(table.id == row_id))


async def step_check(data: StepInput) -> tuple[dict, list[VariantInput]]:
    """The step's column values and the variants to keep; ValidationFailed names every error."""
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("Give the step a name.")
    elif len(name) > 100:
        errors["name"] = _("A name can be at most 100 characters long.")
    trigger = data.trigger if data.trigger in TRIGGERS else ""
    if not trigger:
        errors["trigger"] = _("Choose when the step sends.")
    values: dict = {
        "name": name,
        "enabled": bool(data.enabled),
        "trigger": trigger,
        "stage": None,
        "delay_hours": 0,
        "offset_days": 0,
        "at_time": "10:00",
        "weekday": 4,
        "due_in_days": 3,
        "event": "",
    }
    if trigger == "stage_reached":
        if data.stage_id is None or not await _exists(Stage, data.stage_id):
            errors["stage"] = _("Choose a stage.")
        values["stage"] = data.stage_id
        values["delay_hours"] = _whole(data.delay_hours, errors, "delay_hours", 0, 24 * 365)
    if trigger in ("cohort_relative", "checklist_due", "weekly"):
        if not _CLOCK.match((data.at_time or "").strip()):
            errors["at_time"] = _("Enter a time like 10:00.")
        values["at_time"] = (data.at_time or "").strip()
    if trigger == "cohort_relative":
        values["offset_days"] = _whole(data.offset_days, errors, "offset_days", -365, 365)
    if trigger == "checklist_due":
        values["due_in_days"] = _whole(data.due_in_days, errors, "due_in_days", 0, 60)
    if trigger == "weekly":
        values["weekday"] = _whole(data.weekday, errors, "weekday", 0, 6)
    if trigger == "event":
        if data.event not in EVENTS:
            errors["event"] = _("Choose an event.")
        values["event"] = data.event if data.event in EVENTS else ""

    for key, table, row_id in (
        ("audience_department", Department, data.audience_department_id),
        ("audience_position", Position, data.audience_position_id),
        ("audience_cohort", Cohort, data.audience_cohort_id),
        ("audience_stage", Stage, data.audience_stage_id),
    ):
        if not await _exists(table, row_id):
            errors[key] = _("This choice does not exist any more.")
        values[key] = row_id
    try:
        tags = await tags_resolve(data.audience_tags, create=False)
    except ValidationFailed as failed:
        errors["audience_tags"] = failed.errors["tags"]
        tags = []
    values["audience_tags"] = ",".join(str(tag.id) for tag in tags)

    channels = tuple(c for c in STEP_CHANNELS if c in data.channels)
    if not channels or len(channels) != len(set(data.channels)):
        errors["channels"] = _("Choose at least one channel: inbox, e-mail or SMS.")
    values["channels"] = ",".join(channels)
    category = data.category
    allowed_categories = {
        "event": ("transactional",),
        "weekly": ("digest", "engagement"),
        # Logistics before the start (time, place) may be too important for the cap.
        "cohort_relative": ("engagement", "transactional"),
    }.get(trigger, ("engagement",))
    if category not in STEP_CATEGORIES or category not in allowed_categories:
        errors["category"] = _("This kind of message does not fit the step's trigger.")
    values["category"] = category
    if data.link_path not in LINK_TARGETS and not await survey_link_valid(data.link_path):
        errors["link_path"] = _("Choose a page of the portal.")
    values["link_path"] = data.link_path
    if data.goal not in GOALS:
        errors["goal"] = _("Choose a goal from the list.")
    values["goal"] = data.goal

    kept = [v for v in data.variants if not v.remove]
    if not kept:
        errors["variants"] = _("A step needs at least one text.")
    elif len(kept) > MAX_VARIANTS:
        errors["variants"] = _("At most %(count)s variants.", count=MAX_VARIANTS)
    labels = [v.label.strip() for v in kept]
    if len(set(labels)) != len(labels):
        errors["variants"] = _("Each variant needs its own label.")
    context = f"event:{values['event']}" if trigger == "event" else trigger
    allowed = allowed_variables(context) if trigger else allowed_variables("manual")
    for index, variant in enumerate(data.variants):
        if variant.remove:
            continue
        if not _LABEL.match(variant.label.strip()):
            errors[f"variants[{index}].label"] = _("A label is 1–10 letters or digits, like A.")
        _check_text(
            variant, index, allowed=allowed, channels=channels, category=category, errors=errors
        )
    if errors:
        raise ValidationFailed(errors)
    return values, list(data.variants)


async def _save_variants(step_id: int, variants: list[VariantInput], now: datetime) -> None:
    existing = {
        row["id"]
        for row in await JourneyVariant.select(JourneyVariant.id).where(
            JourneyVariant.step == step_id
        )
    }
    for variant in variants:
        columns = {
            JourneyVariant.label: variant.label.strip(),
            JourneyVariant.subject_zh: variant.subject_zh.strip(),
            JourneyVariant.body_zh: variant.body_zh.strip(),
            JourneyVariant.subject_en: variant.subject_en.strip(),
            JourneyVariant.body_en: variant.body_en.strip(),
        }
        if variant.id is not None and variant.id in existing:
            if variant.remove:
                await JourneyVariant.delete().where(JourneyVariant.id == variant.id)
            else:
                await JourneyVariant.update(columns).where(JourneyVariant.id == variant.id)
        elif not variant.remove:
            await JourneyVariant.insert(
                JourneyVariant(
                    step=step_id, created_at=now, **{c._meta.name: v for c, v in columns.items()}
                )
            )


async def step_save(
    *, step_id: int | None, journey_id: int, data: StepInput, staff_id: int | None
) -> int:
    """Create (``step_id`` None) or update a step and its variants; returns its id."""
    if not await Journey.exists().where(Journey.id == journey_id):
        raise NotFound(_("This journey does not exist."))
    if step_id is not None and not await JourneyStep.exists().where(
        (JourneyStep.id == step_id) & (JourneyStep.journey == journey_id)
    ):
        raise NotFound(_("This step does not exist."))
    values, variants = await step_check(data)
    now = datetime.now(UTC)
    async with write_transaction():
        if step_id is None:
            count = await JourneyStep.count().where(JourneyStep.journey == journey_id)
            step = JourneyStep(
                journey=journey_id, sort_order=count + 1, created_at=now, updated_at=now,
                updated_by=staff_id, **values,
            )  # fmt: skip
            await step.save()
            step_id = step.id
        else:
            await JourneyStep.update(
                {**{getattr(JourneyStep, k): v for k, v in values.items()},
                 JourneyStep.updated_at: now, JourneyStep.updated_by: staff_id}
            ).where(JourneyStep.id == step_id)  # fmt: skip
        await _save_variants(step_id, variants, now)
    return step_id


async def step_set_enabled(*, step_id: int, enabled: bool, staff_id: int | None) -> None:
    """Switch a step on or off (idempotent)."""
    updated = await (
        JourneyStep.update(
            {
                JourneyStep.enabled: enabled,
                JourneyStep.updated_at: datetime.now(UTC),
                JourneyStep.updated_by: staff_id,
            }
        )
        .where(JourneyStep.id == step_id)
        .returning(JourneyStep.id)
    )
    if not updated:
        raise NotFound(_("This step does not exist."))
