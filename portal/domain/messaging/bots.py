"""HR's settings for cohort group bots, and posting an announcement to one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.messaging.checks import OutboundMessage
from portal.domain.messaging.enqueue import Enqueued, message_enqueue
from portal.domain.messaging.tables import BOT_KINDS, CohortBot
from portal.domain.organisation.tables import Cohort
from portal.i18n import gettext as _
from portal.net.outbound import OutboundUrlRefused, outbound_url_check


@dataclass(frozen=True)
class CohortBotInput:
    kind: str
    url: str
    secret: str = ""


async def cohort_bot_save(*, cohort_id: int, data: CohortBotInput) -> None:
    """Set (or replace) a cohort's bot; the URL goes through the shared outbound check."""
    errors: dict[str, str] = {}
    if data.kind not in BOT_KINDS:
        errors["kind"] = _("Choose WeCom, DingTalk or Feishu.")
    try:
        url = outbound_url_check(data.url)
    except OutboundUrlRefused as refused:
        errors["url"] = str(refused)
        url = ""
    secret = (data.secret or "").strip()
    if len(secret) > 200 or any(ord(c) < 33 for c in secret):
        errors["secret"] = _("The secret is at most 200 characters, without spaces.")
    if errors:
        raise ValidationFailed(errors)
    if not await Cohort.exists().where(Cohort.id == cohort_id):
        raise NotFound(_("This cohort does not exist."))
    async with write_transaction():
        await CohortBot.insert(
            CohortBot(
                cohort=cohort_id,
                kind=data.kind,
                url=url,
                secret=secret,
                updated_at=datetime.now(UTC),
            )
        ).on_conflict(
            target=CohortBot.cohort,
            action="DO UPDATE",
            values=[CohortBot.kind, CohortBot.url, CohortBot.secret, CohortBot.updated_at],
        )


async def cohort_bot_delete(*, cohort_id: int) -> None:
    await CohortBot.delete().where(CohortBot.cohort == cohort_id)


async def cohort_announcement_send(
    *, cohort_id: int, text: str, client_id: str, staff_id: int
) -> Enqueued:
    """Queue an announcement to the cohort's bot; the form's ``client_id`` makes a double
    submit one message (it is part of the dedupe key)."""
    if not client_id or len(client_id) > 64 or not client_id.isascii():
        raise ValidationFailed({"text": _("Please reload the page and try again.")})
    return await message_enqueue(
        message=OutboundMessage(
            dedupe_key=f"announcement:{cohort_id}:{staff_id}:{client_id}",
            channel="bot",
            category="announcement",
            recipient=f"cohort:{cohort_id}",
            body=(text or "").strip(),
        )
    )
