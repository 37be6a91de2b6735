"""One-tap links in messages: tap, and you are signed in on the right page.

Like sign-in links (``portal.domain.candidates.login_links``): a random token of which
only the SHA-256 is stored, single use, expiring (``ONRAMP_MESSAGE_LINK_TTL_HOURS``),
refused for a withdrawn candidate. The target is a local path, checked when the link is
made and again when it is followed. ``GET /go/<token>`` never uses the link up (link
previews and mail scanners fetch every URL): it shows a one-tap "continue" page whose
POST redeems it. The redemption is one conditional UPDATE: of two taps exactly one wins.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal.auth.tokens import hash_token, new_token
from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import DomainError
from portal.domain.insights.activity import activity_record
from portal.domain.journeys.tables import MessageLink

# The pages a message may lead to, and what HR sees when choosing one.
LINK_TARGETS = ("/", "/checklist", "/learning", "/rooms", "/resources", "/inbox", "/rewards")


def is_local_path(path: str) -> bool:
    return (
        isinstance(path, str)
        and path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
        and len(path) <= 200
        and all(0x20 < ord(char) < 0x7F for char in path)
    )


class TapProblem(enum.Enum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class TapRefused(DomainError):
    def __init__(self, problem: TapProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


@dataclass(frozen=True)
class TapLink:
    candidate_id: int
    target: str


async def message_link_create(
    *,
    candidate_id: int,
    target: str,
    send_id: int | None = None,
    manual_send_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """A new one-tap URL (call it inside the transaction that queues the message)."""
    if not is_local_path(target):
        raise ValueError(f"not a local path: {target!r}")
    settings = get_settings()
    token = new_token()
    now = now or datetime.now(UTC)
    await MessageLink.insert(
        MessageLink(
            candidate=candidate_id,
            token_hash=hash_token(token),
            target=target,
            send=send_id,
            manual_send=manual_send_id,
            expires_at=now + timedelta(hours=settings.message_link_ttl_hours),
            created_at=now,
        )
    )
    return f"{settings.base_url}/go/{token}"


def _plausible(token: str) -> bool:
    return isinstance(token, str) and 0 < len(token) <= 100


@dataclass(frozen=True)
class LinkState:
    """A link as found, without using it: whose it is, where it leads, what is wrong."""

    candidate_id: int
    target: str
    problem: TapProblem | None


async def message_link_peek(token: str, *, now: datetime | None = None) -> LinkState:
    """What following the link would do (the GET); TapRefused only for an unknown token."""
    if not _plausible(token):
        raise TapRefused(TapProblem.UNKNOWN)
    now = now or datetime.now(UTC)
    row = (
        await MessageLink.select(
            MessageLink.candidate,
            MessageLink.target,
            MessageLink.used_at,
            MessageLink.expires_at,
            MessageLink.candidate.status.as_alias("status"),
        )
        .where(MessageLink.token_hash == hash_token(token))
        .first()
    )
    if row is None:
        raise TapRefused(TapProblem.UNKNOWN)
    problem = None
    if row["status"] == "withdrawn":
        problem = TapProblem.WITHDRAWN
    elif row["used_at"] is not None:
        problem = TapProblem.USED
    elif row["expires_at"] <= now:
        problem = TapProblem.EXPIRED
    return LinkState(row["candidate"], _safe(row["target"]), problem)


def _safe(target: str) -> str:
    return target if is_local_path(target) else "/"


async def message_link_redeem(
    token: str, *, signed_in_as: int | None = None, now: datetime | None = None
) -> TapLink:
    """Use the link up and return where it leads; TapRefused says why not.

    ``signed_in_as`` is the candidate the visitor is already signed in as: following a
    used or expired link of one's own then still lands on its page (nothing to sign in).
    """
    if not _plausible(token):
        raise TapRefused(TapProblem.UNKNOWN)
    now = now or datetime.now(UTC)
    digest = hash_token(token)
    async with write_transaction():
        rows = (
            await MessageLink.update({MessageLink.used_at: now})
            .where(
                (MessageLink.token_hash == digest)
                & MessageLink.used_at.is_null()
                & (MessageLink.expires_at > now)
            )
            .returning(MessageLink.candidate, MessageLink.target)
        )
        if rows:
            status = (
                await Candidate.select(Candidate.status)
                .where(Candidate.id == rows[0]["candidate"])
                .first()
            )
            if status is None or status["status"] == "withdrawn":
                # Raising rolls the tap back: a reactivated candidate's link still works.
                raise TapRefused(TapProblem.WITHDRAWN)
            activity_record(rows[0]["candidate"], "link_tapped")
            return TapLink(candidate_id=rows[0]["candidate"], target=_safe(rows[0]["target"]))
    row = (
        await MessageLink.select(
            MessageLink.candidate,
            MessageLink.target,
            MessageLink.used_at,
            MessageLink.candidate.status.as_alias("status"),
        )
        .where(MessageLink.token_hash == digest)
        .first()
    )
    if row is None:
        raise TapRefused(TapProblem.UNKNOWN)
    if row["status"] == "withdrawn":
        raise TapRefused(TapProblem.WITHDRAWN)
    if signed_in_as is not None and signed_in_as == row["candidate"]:
        return TapLink(candidate_id=row["candidate"], target=_safe(row["target"]))
    raise TapRefused(TapProblem.USED if row["used_at"] else TapProblem.EXPIRED)
