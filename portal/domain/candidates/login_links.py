"""Single-use, expiring sign-in links for candidates."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from portal.auth.tokens import hash_token, new_token
from portal.config import get_settings
from portal.db import PreparedSQL, write_transaction
from portal.domain.candidates.tables import Candidate, LoginLink
from portal.domain.errors import DomainError, NotFound
from portal.domain.insights.activity import activity_record
from portal.domain.journeys.events import journey_event
from portal.domain.messaging.tables import OutboxMessage
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
    """A new sign-in URL for the candidate; earlier unused links stay valid until they expire.

    The URL is returned to the caller, so only callers who act for the system may have it:
    the ``onramp login-link`` command, the API's integrations, the demo. Staff in the admin
    app use :func:`login_link_send`, which never gives it to them.
    """
    url, _delivered = await _login_link_make(candidate_id=candidate_id, created_by=created_by)
    return url


class LinkNotSent(DomainError):
    """No enabled journey step delivers sign-in links to this candidate: nothing was made."""


async def login_link_send(*, candidate_id: int, sent_by: int | None) -> int:
    """Send the candidate a new sign-in link through the outbox (SMS, e-mail, not the inbox);
    how many messages were queued.

    The link is not returned: a staff member who could read it could sign in as the candidate
    and change their bank card (``access.may_see_staff_made_login_link``). When nothing would
    deliver it (the "new sign-in link" step is off, or the candidate is outside its audience)
    LinkNotSent is raised and no link exists.
    """
    _url, queued = await _login_link_make(
        candidate_id=candidate_id, created_by=sent_by, must_deliver=True
    )
    return queued


async def _login_link_make(
    *, candidate_id: int, created_by: int | None, must_deliver: bool = False
) -> tuple[str, int]:
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
        delivered = await journey_event(
            event="login_link_created", candidate_id=candidate_id, ref=f"l{link.id}",
            values={"link": url},
        )  # fmt: skip
        # The inbox is no way to deliver a sign-in link: reading it needs one.
        queued = await OutboxMessage.count().where(
            (OutboxMessage.candidate == candidate_id)
            & (OutboxMessage.channel != "inbox")
            & OutboxMessage.dedupe_key.like(f"journey:%:{candidate_id}:l{link.id}:%")
        ) if delivered.queued else 0  # fmt: skip
        if must_deliver and not queued:
            # Rolls the link back with the transaction: a link nobody received is no use.
            raise LinkNotSent(
                _(
                    "No message would deliver the link: turn on the “New sign-in link” step "
                    "in Journeys, and check the candidate's phone number or e-mail."
                )
            )
    return url, queued


async def login_link_peek(token: str) -> int:
    """The candidate a still-usable link signs in, without using it up (or LoginLinkRefused).

    ``GET /login/<token>`` only looks: link-preview robots (WeChat, SMS apps, mail
    scanners) fetch every URL before the person taps it, so a GET must never redeem.
    """
    if not token or len(token) > 100:
        raise LoginLinkRefused(LinkProblem.UNKNOWN)
    link = await _link_state(hash_token(token))
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

    One conditional UPDATE is both the check and the write, and the single point of
    truth: of two simultaneous clicks on the same link exactly one gets a row back. It
    runs alone, without an explicit transaction (a statement is atomic by itself), so a
    sign-in costs one round trip to the database: on SQLite one turn of the writer
    instead of four (BEGIN IMMEDIATE, update, status read, COMMIT). A withdrawn
    candidate's link matches nothing and stays unused, as before. Only a refused link
    costs a second, read-only query, to say why.
    """
    if not token or len(token) > 100:
        raise LoginLinkRefused(LinkProblem.UNKNOWN)
    digest = hash_token(token)
    now = datetime.now(UTC)
    rows = await _REDEEM.rows(now, digest, now)
    if rows:
        activity_record(rows[0]["candidate"], "sign_in")
        return rows[0]["candidate"]
    link = await _link_state(digest)
    if link is None:
        raise LoginLinkRefused(LinkProblem.UNKNOWN)
    if link["used_at"] is not None:
        raise LoginLinkRefused(LinkProblem.USED)
    if link["expires_at"] <= now:
        raise LoginLinkRefused(LinkProblem.EXPIRED)
    # Unused and unexpired, so the candidate's status refused it (or a race with a
    # concurrent click that has since used it: that click signed in, this one did not).
    if link["status"] == "withdrawn":
        raise LoginLinkRefused(LinkProblem.WITHDRAWN)
    raise LoginLinkRefused(LinkProblem.USED)


# The token hash is unique (an index), the candidate a primary-key lookup. Both statements
# are written as SQL built once: Piccolo's query builder (a join, a column alias copied
# deeply) cost more CPU than the read itself, twice per sign-in (the page, then the tap).
_REDEEM = PreparedSQL(
    "UPDATE login_link SET used_at = {} "
    "WHERE token_hash = {} AND used_at IS NULL AND expires_at > {} "
    "AND candidate IN (SELECT id FROM candidate WHERE status <> 'withdrawn') "
    "RETURNING candidate"
)
_LINK_STATE = PreparedSQL(
    "SELECT l.candidate AS candidate, l.used_at AS used_at, l.expires_at AS expires_at, "
    "c.status AS status FROM login_link l LEFT JOIN candidate c ON c.id = l.candidate "
    "WHERE l.token_hash = {}"
)


async def _link_state(digest: str) -> dict | None:
    """The link with this token hash: its candidate, when used, when it expires, and the
    candidate's status."""
    rows = await _LINK_STATE.rows(digest)
    return rows[0] if rows else None


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
