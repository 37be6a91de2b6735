"""What the admin's journey pages show: journeys and steps, a step's form, labels, previews."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from portal.domain.errors import NotFound
from portal.domain.journeys.compose import Texts, messages_compose
from portal.domain.journeys.digest import digest_parts, digest_text
from portal.domain.journeys.editing import sample_values
from portal.domain.journeys.recipients import Recipient, recipients_by_id
from portal.domain.journeys.specs import StepSpec, step_spec, tag_ids_parse
from portal.domain.journeys.tables import (
    EVENTS,
    Journey,
    JourneySend,
    JourneyStep,
    JourneyVariant,
    ManualSend,
)
from portal.domain.journeys.triggers import due_items
from portal.domain.organisation.tables import Cohort, Department, Position, Stage
from portal.domain.tags.tables import Tag
from portal.i18n import gettext as _
from portal.i18n import localized_name


def weekday_label(day: int) -> str:
    return [
        _("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
        _("Saturday"), _("Sunday"),
    ][day % 7]  # fmt: skip


def event_label(event: str) -> str:
    return {
        "question_answered": _("a question of theirs is answered"),
        "document_approved": _("a document is approved"),
        "document_rejected": _("a document is rejected"),
        "reward_fulfilled": _("a reward is handed over"),
        "login_link_created": _("a sign-in link is made for them"),
    }.get(event, event)


def channel_label(channel: str) -> str:
    return {"inbox": _("Inbox"), "email": _("E-mail"), "sms": _("SMS")}.get(channel, channel)


def goal_label(goal: str) -> str:
    return {
        "": _("None"),
        "checklist_handed_in": _("a checklist item handed in"),
        "course_started": _("a course started"),
        "link_tapped": _("the link tapped"),
    }.get(goal, goal)


def category_label(category: str) -> str:
    return {
        "engagement": _("Engagement (weekly limit applies)"),
        "transactional": _("Transactional (always sent)"),
        "digest": _("Digest"),
    }.get(category, category)


def trigger_summary(row: dict, stages: dict[int, str]) -> str:
    trigger = row["trigger"]
    if trigger == "stage_reached":
        stage = stages.get(row["stage"] or 0, "?")
        if row["delay_hours"]:
            return _(
                "%(hours)s h after reaching “%(stage)s”", hours=row["delay_hours"], stage=stage
            )
        return _("On reaching “%(stage)s”", stage=stage)
    if trigger == "cohort_relative":
        days = row["offset_days"]
        if days < 0:
            return _("%(days)s days before the start, %(time)s", days=-days, time=row["at_time"])
        if days > 0:
            return _("%(days)s days after the start, %(time)s", days=days, time=row["at_time"])
        return _("On the first day, %(time)s", time=row["at_time"])
    if trigger == "checklist_due":
        return _(
            "A checklist item due in %(days)s days and not handed in, %(time)s",
            days=row["due_in_days"],
            time=row["at_time"],
        )
    if trigger == "weekly":
        return _("Every %(day)s, %(time)s", day=weekday_label(row["weekday"]), time=row["at_time"])
    return _("When %(event)s", event=event_label(row["event"]))


@dataclass(frozen=True)
class StepRow:
    id: int
    name: str
    enabled: bool
    trigger: str
    summary: str
    audience: str
    channels: str
    category: str
    variants: int
    queued: int
    skipped: int
    failed: int


@dataclass(frozen=True)
class JourneyRow:
    id: int
    name: str
    description: str
    is_active: bool
    steps: list[StepRow] = field(default_factory=list)


async def _names() -> dict[str, dict[int, str]]:
    stages = await Stage.select(Stage.id, Stage.name, Stage.name_en)
    departments = await Department.select(Department.id, Department.name)
    positions = await Position.select(Position.id, Position.name)
    cohorts = await Cohort.select(Cohort.id, Cohort.name)
    tags = await Tag.select(Tag.id, Tag.name)
    return {
        "stage": {r["id"]: localized_name(r["name"], r["name_en"]) for r in stages},
        "department": {r["id"]: r["name"] for r in departments},
        "position": {r["id"]: r["name"] for r in positions},
        "cohort": {r["id"]: r["name"] for r in cohorts},
        "tag": {r["id"]: r["name"] for r in tags},
    }


def audience_summary(row: dict, names: dict[str, dict[int, str]]) -> str:
    parts = []
    for key, label in (
        ("department", _("Department")),
        ("position", _("Position")),
        ("cohort", _("Cohort")),
        ("stage", _("Stage")),
    ):
        value = row[f"audience_{key}"]
        if value:
            parts.append(f"{label}: {names[key].get(value, '?')}")
    tags = [names["tag"].get(tag, "?") for tag in tag_ids_parse(row["audience_tags"])]
    if tags:
        parts.append(_("Tags: %(tags)s", tags="、".join(tags)))
    return "; ".join(parts) or _("Every active candidate")


async def journeys_overview() -> list[JourneyRow]:
    """Every journey with its steps and what each step did so far (a GROUP BY, not a loop)."""
    journeys = await Journey.select().order_by(Journey.id)
    steps = await JourneyStep.select().order_by(JourneyStep.sort_order).order_by(JourneyStep.id)
    names = await _names()
    variants: dict[int, int] = defaultdict(int)
    for row in await JourneyVariant.select(JourneyVariant.step):
        variants[row["step"]] += 1
    sends: dict[tuple[int, str], int] = {}
    for row in await JourneySend.raw(
        "SELECT step, status, COUNT(*) AS n FROM journey_send GROUP BY step, status"
    ):
        sends[(row["step"], row["status"])] = int(row["n"])
    by_journey: dict[int, list[StepRow]] = defaultdict(list)
    for row in steps:
        by_journey[row["journey"]].append(
            StepRow(
                id=row["id"],
                name=row["name"],
                enabled=row["enabled"],
                trigger=row["trigger"],
                summary=trigger_summary(row, names["stage"]),
                audience=audience_summary(row, names),
                channels=" · ".join(channel_label(c) for c in row["channels"].split(",") if c),
                category=row["category"],
                variants=variants[row["id"]],
                queued=sends.get((row["id"], "queued"), 0),
                skipped=sends.get((row["id"], "skipped"), 0),
                failed=sends.get((row["id"], "failed"), 0),
            )
        )
    return [
        JourneyRow(j["id"], j["name"], j["description"], j["is_active"], by_journey[j["id"]])
        for j in journeys
    ]


async def journey_exists(journey_id: int) -> bool:
    return 0 < journey_id < 2**31 and bool(await Journey.exists().where(Journey.id == journey_id))


async def step_form(step_id: int) -> tuple[dict[str, str], list[dict]]:
    """The form's values for a step and its variants (NotFound for an unknown step)."""
    row = (
        await JourneyStep.select().where(JourneyStep.id == step_id).first()
        if 0 < step_id < 2**31
        else None
    )
    if row is None:
        raise NotFound(_("This step does not exist."))
    tag_names = {r["id"]: r["name"] for r in await Tag.select(Tag.id, Tag.name)}
    values = {
        "journey": str(row["journey"]),
        "name": row["name"],
        "enabled": "1" if row["enabled"] else "",
        "trigger": row["trigger"],
        "stage": str(row["stage"] or ""),
        "delay_hours": str(row["delay_hours"]),
        "offset_days": str(row["offset_days"]),
        "at_time": row["at_time"],
        "weekday": str(row["weekday"]),
        "due_in_days": str(row["due_in_days"]),
        "event": row["event"],
        "audience_department": str(row["audience_department"] or ""),
        "audience_position": str(row["audience_position"] or ""),
        "audience_cohort": str(row["audience_cohort"] or ""),
        "audience_stage": str(row["audience_stage"] or ""),
        "audience_tags": "、".join(
            tag_names[t] for t in tag_ids_parse(row["audience_tags"]) if t in tag_names
        ),
        "channels": row["channels"],
        "category": row["category"],
        "link_path": row["link_path"],
        "goal": row["goal"],
    }
    variants = (
        await JourneyVariant.select()
        .where(JourneyVariant.step == step_id)
        .order_by(JourneyVariant.id)
    )
    return values, [
        {
            "id": str(v["id"]),
            "label": v["label"],
            "subject_zh": v["subject_zh"],
            "body_zh": v["body_zh"],
            "subject_en": v["subject_en"],
            "body_en": v["body_en"],
        }
        for v in variants
    ]


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class StepChoices:
    stages: list[Choice]
    departments: list[Choice]
    positions: list[Choice]
    cohorts: list[Choice]
    events: list[tuple[str, str]]


async def step_choices() -> StepChoices:
    names = await _names()

    def listed(key: str) -> list[Choice]:
        return sorted((Choice(i, n) for i, n in names[key].items()), key=lambda c: c.name)

    stages = await Stage.select(Stage.id, Stage.name, Stage.name_en).order_by(Stage.sort_order)
    return StepChoices(
        stages=[Choice(r["id"], localized_name(r["name"], r["name_en"])) for r in stages],
        departments=listed("department"),
        positions=listed("position"),
        cohorts=listed("cohort"),
        events=[(event, event_label(event)) for event in EVENTS],
    )


@dataclass(frozen=True)
class PreviewMessage:
    variant: str
    locale: str
    channel: str
    subject: str
    body: str


@dataclass(frozen=True)
class StepPreview:
    candidate: Recipient
    messages: list[PreviewMessage]
    # What this candidate's trigger looks like now ("due", or why not).
    note: str


async def _trigger_values(step: StepSpec, recipient: Recipient, now: datetime):  # noqa: ANN202
    """The candidate's real trigger values where there are some, samples otherwise."""
    values = sample_values(step.allowed)
    for name in ("name", "department", "cohort", "days_left", "start_at", "place", "map_link",
                 "link", "video_link"):  # fmt: skip
        values.pop(name, None)  # these come from the candidate
    channel_values: dict[str, dict[str, str]] = {}
    note = ""
    if step.trigger in ("checklist_due", "stage_reached", "cohort_relative", "weekly"):
        horizon = now + (timedelta(days=7) if step.trigger == "weekly" else timedelta(days=3650))
        due = await due_items(step, [recipient], horizon)
        if due:
            values.update(due[0].values)
            note = _("For this candidate the step is due at %(moment)s (UTC).",
                     moment=due[0].moment.strftime("%Y-%m-%d %H:%M"))  # fmt: skip
        else:
            note = _("This step would not reach this candidate as things stand.")
    if step.trigger == "weekly":
        parts = await digest_parts(
            [recipient], since={recipient.id: datetime(2000, 1, 1, tzinfo=UTC)}
        )
        channel_values = {
            channel: {"digest": digest_text(parts[recipient.id], channel=channel,
                                            locale=recipient.locale)}
            for channel in step.channels
        }  # fmt: skip
    return values, channel_values, note


async def step_preview(*, step_id: int, candidate_id: int) -> StepPreview:
    """Every variant of the step rendered for a real candidate, in both languages."""
    step = await step_spec(step_id)
    if step is None:
        raise NotFound(_("This step does not exist."))
    recipient = (await recipients_by_id([candidate_id])).get(candidate_id)
    if recipient is None:
        raise NotFound(_("This candidate does not exist."))
    now = datetime.now(UTC)
    values, channel_values, note = await _trigger_values(step, recipient, now)
    messages = []
    for variant in step.variants:
        for locale in ("zh_CN", "en"):
            shown = Recipient(**{**recipient.__dict__, "locale": locale})
            composed = messages_compose(
                recipient=shown,
                texts=Texts({"zh_CN": (variant.subject_zh, variant.body_zh),
                             "en": (variant.subject_en, variant.body_en)}),
                allowed=step.allowed,
                channels=step.channels,
                category=step.category,
                link_path=step.link_path,
                dedupe_base="preview",
                values=values,
                channel_values=channel_values,
                now=now,
                make_links=False,
            )  # fmt: skip
            messages.extend(
                PreviewMessage(variant.label, locale, m.channel, m.subject, m.body)
                for m in composed.messages
            )
    return StepPreview(candidate=recipient, messages=messages, note=note)


@dataclass(frozen=True)
class ManualSendRow:
    id: int
    created_at: datetime
    staff: str
    subject: str
    channels: str
    category: str
    reason: str
    recipients: int
    messages: int


async def manual_sends_list(limit: int = 100) -> list[ManualSendRow]:
    """The audit of HR's manual sends, newest first: who, when, what, to how many, why."""
    rows = await (
        ManualSend.select(
            ManualSend.all_columns(),
            ManualSend.staff.name.as_alias("staff_name"),
            ManualSend.staff.email.as_alias("staff_email"),
        )
        .order_by(ManualSend.id, ascending=False)
        .limit(limit)
    )
    return [
        ManualSendRow(
            id=r["id"],
            created_at=r["created_at"],
            staff=r["staff_name"] or r["staff_email"] or "—",
            subject=r["subject"] or r["body"][:60],
            channels=" · ".join(channel_label(c) for c in r["channels"].split(",") if c),
            category=r["category"],
            reason=r["transactional_reason"],
            recipients=r["recipients"],
            messages=r["messages"],
        )
        for r in rows
    ]
