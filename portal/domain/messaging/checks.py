"""Checking a message before it is queued: every problem is a clear error, nothing is saved.

Limits are per channel. E-mail and SMS texts are checked with the unsubscribe footer the
relay will add, so a message that fits here is never refused at send time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.config import get_settings
from portal.domain.messaging.channels import channels_offered
from portal.domain.messaging.channels.bots import bot_text_limit
from portal.domain.messaging.channels.sms import sms_text
from portal.domain.messaging.tables import CATEGORIES, CHANNELS
from portal.domain.validation import normalize_email, normalize_phone, row_id_from
from portal.i18n import SUPPORTED_LOCALES
from portal.i18n import gettext as _

DEDUPE_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
SUBJECT_MAX = 200
INBOX_BODY_MAX = 20_000
EMAIL_BODY_MAX = 100_000
EMAIL_HTML_MAX = 500_000
LINK_MAX = 500
CANDIDATE_CATEGORIES = ("transactional", "engagement", "digest")
BOT_CATEGORIES = ("announcement", "alert")


@dataclass(frozen=True)
class OutboundMessage:
    """What a feature hands the outbox. See docs/outbox.md, "Enqueueing from a feature".

    ``dedupe_key`` names the cause (``journey:<step>:<candidate>``): enqueueing the same
    key again returns the first row and changes nothing. ``recipient`` defaults to the
    candidate's e-mail address or phone number; bot messages name their bot: ``"hr"`` or
    ``"cohort:<id>"``. ``body`` is plain text (Markdown for ``body_format="markdown"`` bot
    posts); e-mail may add ``body_html`` (else it is made from the text).
    """

    dedupe_key: str
    channel: str
    category: str
    body: str
    candidate_id: int | None = None
    recipient: str = ""
    subject: str = ""
    body_html: str = ""
    body_format: str = "text"
    link: str = ""
    locale: str = "zh_CN"
    not_before: datetime | None = None


@dataclass(frozen=True)
class CandidateContact:
    id: int
    email: str | None
    phone: str


def _has_line_break(text: str) -> bool:
    return any(char in text for char in "\r\n\x00")


def _bot_target(
    recipient: str, bots: dict[int, tuple[str, str]], errors: dict[str, str]
) -> str | None:
    """The bot's kind for ``hr`` / ``cohort:<id>``, or None with an error recorded."""
    settings = get_settings()
    if recipient == "hr":
        if not settings.hr_bot_url:
            errors["recipient"] = _("The HR group bot is not configured.")
            return None
        return settings.hr_bot_kind
    if recipient.startswith("cohort:") and (cohort_id := row_id_from(recipient[7:])):
        found = bots.get(cohort_id)
        if found is None:
            errors["recipient"] = _("This cohort has no group bot.")
            return None
        return found[0]
    errors["recipient"] = _('A bot message goes to "hr" or "cohort:<id>".')
    return None


def outbound_message_check(
    message: OutboundMessage,
    *,
    candidate: CandidateContact | None,
    bots: dict[int, tuple[str, str]],
    now: datetime,
) -> dict[str, Any]:
    """The row's values, or :class:`ValidationFailed`-ready errors raised as a dict.

    ``candidate`` is the message's candidate as loaded by the caller (None when unknown);
    ``bots`` maps cohort ids to ``(kind, url)`` for the cohorts the batch names.
    """
    errors: dict[str, str] = {}
    if not isinstance(message.dedupe_key, str) or not DEDUPE_KEY.match(message.dedupe_key):
        errors["dedupe_key"] = _(
            "The dedupe key must be 1–200 printable characters without spaces."
        )
    channel = message.channel
    if channel not in CHANNELS:
        errors["channel"] = _("Unknown channel.")
    elif channel not in channels_offered():
        errors["channel"] = _("This channel is not configured.")
    category = message.category
    allowed = BOT_CATEGORIES if channel == "bot" else CANDIDATE_CATEGORIES
    if category not in CATEGORIES or category not in allowed:
        errors["category"] = _("This category cannot be used on this channel.")
    if message.locale not in SUPPORTED_LOCALES:
        errors["locale"] = _("Unknown language.")
    if message.body_format not in ("text", "markdown") or (
        message.body_format == "markdown" and channel != "bot"
    ):
        errors["body_format"] = _("Markdown is only for group bots.")
    subject = message.subject or ""
    if len(subject) > SUBJECT_MAX:
        errors["subject"] = _("The subject can be at most 200 characters long.")
    elif _has_line_break(subject):
        errors["subject"] = _("The subject must be one line.")
    body = message.body or ""
    if not body.strip():
        errors["body"] = _("The message is empty.")
    link = message.link or ""
    if link and (
        len(link) > LINK_MAX
        or not link.startswith("/")
        or link.startswith("//")
        or "\\" in link
        or _has_line_break(link)
    ):
        errors["link"] = _("The link must be a path on this site, like /checklist.")
    not_before = message.not_before
    if not_before is not None and (
        not isinstance(not_before, datetime) or not_before.tzinfo is None
    ):
        errors["not_before"] = _("The send time needs a time zone.")

    recipient = message.recipient or ""
    if channel in ("inbox", "email", "sms"):
        if message.candidate_id is None or candidate is None:
            errors["candidate"] = _("This candidate does not exist.")
        if channel == "email":
            address = recipient or (candidate.email if candidate else "") or ""
            try:
                recipient = normalize_email(address) or ""
            except ValueError:
                recipient = ""
                errors["recipient"] = _("This is not a valid e-mail address.")
            if not recipient and "recipient" not in errors and candidate is not None:
                errors["recipient"] = _("This candidate has no e-mail address.")
            if not subject.strip() and "subject" not in errors:
                errors["subject"] = _("An e-mail needs a subject.")
            if len(body) > EMAIL_BODY_MAX or len(message.body_html or "") > EMAIL_HTML_MAX:
                errors["body"] = _("The message is too long for an e-mail.")
        elif channel == "sms":
            phone = normalize_phone(recipient or (candidate.phone if candidate else ""))
            if phone is None:
                errors["recipient"] = _("This is not a valid mobile number.")
            recipient = phone or ""
            if "body" not in errors and candidate is not None:
                full = sms_text(
                    body,
                    candidate_id=candidate.id,
                    category=category,
                    locale=message.locale if message.locale in SUPPORTED_LOCALES else "zh_CN",
                )
                limit = get_settings().sms_max_chars
                if len(full) > limit:
                    errors["body"] = _(
                        "The SMS is too long: %(length)s characters with the unsubscribe "
                        "link, at most %(limit)s.",
                        length=len(full),
                        limit=limit,
                    )
        else:
            recipient = ""
            if len(body) > INBOX_BODY_MAX:
                errors["body"] = _("The message is too long for the inbox.")
    elif channel == "bot":
        kind = _bot_target(recipient, bots, errors)
        if kind is not None and "body" not in errors:
            limit = bot_text_limit(kind, message.body_format)
            size = len(body.encode("utf-8")) + len(subject.encode("utf-8"))
            if size > limit:
                errors["body"] = _(
                    "The message is too long for this group bot: %(size)s bytes, at most "
                    "%(limit)s.",
                    size=size,
                    limit=limit,
                )
    if errors:
        raise _Invalid(errors)
    due = max(now, not_before) if not_before is not None else now
    deliver_now = channel == "inbox" and due <= now
    return {
        "dedupe_key": message.dedupe_key,
        "channel": channel,
        "category": category,
        "candidate": message.candidate_id if channel != "bot" else None,
        "recipient": recipient,
        "locale": message.locale,
        "subject": subject,
        "body": body,
        "body_html": message.body_html or "",
        "body_format": message.body_format,
        "link": link,
        "not_before": due,
        "due_at": due,
        "next_attempt_at": due,
        # An inbox item has nowhere to travel: it is delivered when its cause commits.
        "status": "sent" if deliver_now else "pending",
        "sent_at": now if deliver_now else None,
        "created_at": now,
    }


class _Invalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors
