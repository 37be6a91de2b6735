"""HR writes to selected candidates by hand, through the same outbox and policy.

The same template language and variables as the journeys (``{name}``, ``{days_left}``,
``{link}``…). Engagement by default, so the cap, quiet hours and unsubscribe apply; HR
may mark a message transactional (it then bypasses the cap) only with a reason, and the
send row records who, when and why. All or nothing: if any candidate's message cannot be
queued (an SMS too long with their name), nothing is, and the error names them. The
form's ``client_id`` is unique: a double submit queues nothing more, and every message's
dedupe key is ``manual:<send>:<candidate>:<channel>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.errors import ValidationFailed
from portal.domain.journeys.compose import Composed, Texts, messages_compose, usable_channels
from portal.domain.journeys.editing import VariantInput, _check_text
from portal.domain.journeys.links import LINK_TARGETS
from portal.domain.journeys.placeholders import allowed_variables
from portal.domain.journeys.recipients import recipients_by_id
from portal.domain.journeys.tables import STEP_CHANNELS, ManualSend, MessageLink
from portal.domain.messaging.channels import channels_offered
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.enqueue import messages_enqueue
from portal.i18n import gettext as _

MAX_RECIPIENTS = 5000
_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
ALLOWED = allowed_variables("manual")


@dataclass(frozen=True)
class ManualInput:
    subject: str
    body: str
    channels: tuple[str, ...]
    client_id: str
    transactional: bool = False
    reason: str = ""
    link_path: str = "/"


@dataclass(frozen=True)
class ManualResult:
    send_id: int
    recipients: int
    messages: int
    skipped: int
    duplicate: bool


def manual_check(data: ManualInput, *, recipients: int) -> None:
    """Every problem with the form, as field errors; nothing is saved."""
    errors: dict[str, str] = {}
    channels = tuple(c for c in STEP_CHANNELS if c in data.channels)
    if not channels or len(channels) != len(set(data.channels)):
        errors["channels"] = _("Choose at least one channel: inbox, e-mail or SMS.")
    category = "transactional" if data.transactional else "engagement"
    if data.transactional:
        reason = " ".join(data.reason.split())
        if not reason:
            errors["reason"] = _(
                "Say why this message must bypass the weekly limit (it is recorded)."
            )
        elif len(reason) > 500:
            errors["reason"] = _("A reason can be at most 500 characters long.")
    if data.link_path not in LINK_TARGETS:
        errors["link_path"] = _("Choose a page of the portal.")
    if not _CLIENT_ID.match(data.client_id or ""):
        errors["form"] = _("The form expired; please send again.")
    if recipients == 0:
        errors["candidates"] = _("Select at least one candidate.")
    elif recipients > MAX_RECIPIENTS:
        errors["candidates"] = _(
            "At most %(limit)s candidates at once; narrow the filter.", limit=MAX_RECIPIENTS
        )
    text_errors: dict[str, str] = {}
    _check_text(
        VariantInput(id=None, label="A", subject_zh=data.subject, body_zh=data.body),
        0,
        allowed=ALLOWED,
        channels=channels,
        category=category,
        errors=text_errors,
    )
    for key, message in text_errors.items():
        errors["subject" if "subject" in key else "body"] = message
    if errors:
        raise ValidationFailed(errors)


def manual_compose(recipient, data: ManualInput, *, send_id: int | None, now: datetime,
                   make_links: bool = True) -> Composed:  # fmt: skip # noqa: ANN001
    channels = usable_channels(recipient, tuple(data.channels), channels_offered())
    return messages_compose(
        recipient=recipient,
        texts=Texts({"zh_CN": (data.subject, data.body)}),
        allowed=ALLOWED,
        channels=channels,
        category="transactional" if data.transactional else "engagement",
        link_path=data.link_path,
        dedupe_base=f"manual:{send_id or 0}:{recipient.id}",
        manual_send_id=send_id,
        now=now,
        make_links=make_links,
    )


async def manual_send(
    *, staff_id: int, candidate_ids: Sequence[int], data: ManualInput, now: datetime | None = None
) -> ManualResult:
    """Queue the message for every selected candidate who can get it (not withdrawn)."""
    now = now or datetime.now(UTC)
    recipients = [
        r for r in (await recipients_by_id(candidate_ids)).values() if r.status != "withdrawn"
    ]
    manual_check(data, recipients=len(recipients))
    async with write_transaction():
        inserted = await (
            ManualSend.insert(
                ManualSend(
                    client_id=data.client_id,
                    staff=staff_id,
                    subject=data.subject.strip(),
                    body=data.body.strip(),
                    channels=",".join(data.channels),
                    category="transactional" if data.transactional else "engagement",
                    transactional_reason=" ".join(data.reason.split())
                    if data.transactional
                    else "",
                    link_path=data.link_path,
                    created_at=now,
                )
            )
            .on_conflict(target=ManualSend.client_id, action="DO NOTHING")
            .returning(ManualSend.id)
        )
        if not inserted:
            first = await ManualSend.select().where(ManualSend.client_id == data.client_id).first()
            return ManualResult(first["id"], first["recipients"], first["messages"], 0, True)
        send_id = inserted[0]["id"]
        messages: list[OutboundMessage] = []
        owners: list[str] = []
        links: list[MessageLink] = []
        skipped = 0
        for recipient in sorted(recipients, key=lambda r: r.id):
            composed = manual_compose(recipient, data, send_id=send_id, now=now)
            if not composed.messages:
                skipped += 1
                continue
            messages.extend(composed.messages)
            owners.extend(recipient.name for _ in composed.messages)
            links.extend(composed.links)
        try:
            await messages_enqueue(messages=messages, now=now)
        except ValidationFailed as failed:
            # Name the candidate: "messages[7].body" means nothing to HR.
            key, problem = next(iter(failed.errors.items()))
            index = int(key[9 : key.index("]")]) if key.startswith("messages[") else 0
            raise ValidationFailed(
                {"body": _("%(name)s: %(problem)s", name=owners[index], problem=problem)}
            ) from failed
        if links:
            await MessageLink.insert(*links)
        await ManualSend.update(
            {
                ManualSend.recipients: len(recipients) - skipped,
                ManualSend.messages: len(messages),
            }
        ).where(ManualSend.id == send_id)
    return ManualResult(send_id, len(recipients) - skipped, len(messages), skipped, False)


@dataclass(frozen=True)
class ManualPreview:
    candidate: str
    channel: str
    subject: str
    body: str


async def manual_preview(
    *, candidate_ids: Sequence[int], data: ManualInput, shown: int = 2
) -> list[ManualPreview]:
    """The message as the first selected candidates would get it (no link is created)."""
    now = datetime.now(UTC)
    recipients = await recipients_by_id(list(candidate_ids)[:50])
    previews = []
    for recipient in sorted(recipients.values(), key=lambda r: r.id)[:shown]:
        composed = manual_compose(recipient, data, send_id=None, now=now, make_links=False)
        previews.extend(
            ManualPreview(recipient.name, m.channel, m.subject, m.body) for m in composed.messages
        )
    return previews
