"""Single-use, expiring sign-in links for candidates."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from portal.auth.tokens import hash_token, new_token
from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.candidates.tables import Candidate, LoginLink
from portal.domain.errors import DomainError, NotFound
from portal.domain.journeys.events import journey_event
from portal.domain.validation import normalize_email, normalize_phone
from portal.i18n import gettext as _


class LinkProblem(enum.Enum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class LoginLinkRefused(DomainError):
    def __init__(self, problem: LinkProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


async def login_link_create(*, candidate_id: int, created_by: int | None = None) -> str:
    """A new sign-in URL for the candidate; earlier unused links stay valid until they expire."""
    candidate = await Candidate.objects().get(Candidate.id == candidate_id)
    if candidate is None:
        raise NotFound(_("This candidate does not exist."))
    if candidate.status == "withdrawn":
        raise DomainError(_("This candidate has withdrawn; reactivate them first."))
    settings = get_settings()
    token = new_token()
    url = f"{settings.base_url}/login/{token}"
    async with write_transaction():
        link = LoginLink(
            candidate=candidate_id,
            token_hash=hash_token(token),
            expires_at=datetime.now(UTC) + timedelta(hours=settings.login_link_ttl_hours),
            created_by=created_by,
        )
        await link.save()
        # The "new sign-in link" journey step sends it to the candidate (SMS, e-mail).
        await journey_event(
            event="login_link_created", candidate_id=candidate_id, ref=f"l{link.id}",
            values={"link": url},
        )  # fmt: skip
    return url


async def login_link_peek(token: str) -> int:
    """The candidate a still-usable link signs in, without using it up (or LoginLinkRefused).

    ``GET /login/<token>`` only looks: link-preview robots (WeChat, SMS apps, mail
    scanners) fetch every URL before the person taps it, so a GET must never redeem.
    """
    if not token or len(token) > 100:
        raise LoginLinkRefused(LinkProblem.UNKNOWN)
    link = (
        await LoginLink.select(
            LoginLink.candidate,
            LoginLink.used_at,
            LoginLink.expires_at,
            LoginLink.candidate.status.as_alias("status"),
        )
        .where(LoginLink.token_hash == hash_token(token))
        .first()
    )
    if link is None:
        raise LoginLinkRefused(LinkProblem.UNKNOWN)
    if link["used_at"] is not None:
        raise LoginLinkRefused(LinkProblem.USED)
    if link["expires_at"] <= datetime.now(UTC):
        raise LoginLinkRefused(LinkProblem.EXPIRED)
    if link["status"] == "withdrawn":
        raise LoginLinkRefused(LinkProblem.WITHDRAWN)
    return link["candidate"]


async def login_link_redeem(token: str) -> int:
    """Consume the link and return its candidate's id, or raise LoginLinkRefused.

    The conditional UPDATE is the single point of truth: of two simultaneous clicks on
    the same link exactly one gets a row back.
    """
    if not token or len(token) > 100:
        raise LoginLinkRefused(LinkProblem.UNKNOWN)
    digest = hash_token(token)
    now = datetime.now(UTC)
    async with write_transaction():
        rows = (
            await LoginLink.update({LoginLink.used_at: now})
            .where(
                (LoginLink.token_hash == digest)
                & LoginLink.used_at.is_null()
                & (LoginLink.expires_at > now)
            )
            .returning(LoginLink.candidate)
        )
        if rows:
            candidate_id = rows[0]["candidate"]
            status = (
                await Candidate.select(Candidate.status).where(Candidate.id == candidate_id).first()
            )
            if status and status["status"] == "withdrawn":
                raise LoginLinkRefused(LinkProblem.WITHDRAWN)
            return candidate_id
    link = await LoginLink.select(LoginLink.used_at).where(LoginLink.token_hash == digest).first()
    if link is None:
        raise LoginLinkRefused(LinkProblem.UNKNOWN)
    raise LoginLinkRefused(LinkProblem.USED if link["used_at"] else LinkProblem.EXPIRED)


async def candidate_find_by_contact(contact: str) -> Candidate | None:
    """The candidate with this phone number or e-mail address."""
    phone = normalize_phone(contact)
    if phone:
        return await Candidate.objects().get(Candidate.phone == phone)
    try:
        email = normalize_email(contact)
    except ValueError:
        return None
    if email is None:
        return None
    return await Candidate.objects().get(Candidate.email == email)
