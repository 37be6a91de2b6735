"""More ways to earn points than quizzes: a daily check-in, a complete profile, every
checklist item approved, the first question asked.

Each award is one row of the points ledger (:mod:`portal.domain.learning.points`) with a
source key that names its cause (``checkin:2026-11-29``, ``earn:profile``…). The ledger's
unique ``(candidate, source_key)`` and ``ON CONFLICT DO NOTHING`` make a double click, a
retry or two workers award at most once; nothing here checks first. HR sets each amount
or switches a way off (``/admin/learning/points``); a kind without a row earns its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.db import after_commit, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import ValidationFailed
from portal.domain.learning.points import point_entry_append
from portal.domain.learning.tables import PointRule
from portal.domain.validation import whole_number
from portal.i18n import gettext as _

# kind: (default amount, the ledger's reason: shown in English to HR, never to candidates)
EARNING_KINDS: dict[str, tuple[int, str]] = {
    "checkin": (2, "Daily check-in"),
    "profile": (20, "Personal information complete"),
    "checklist": (30, "Every checklist item approved"),
    "first_question": (5, "First question asked"),
}
MAX_AMOUNT = 1000


@dataclass(frozen=True)
class EarningRule:
    kind: str
    amount: int
    enabled: bool

    @property
    def earns(self) -> int:
        return self.amount if self.enabled else 0


async def earning_rules() -> dict[str, EarningRule]:
    rows = {
        row["kind"]: row
        for row in await PointRule.select(PointRule.kind, PointRule.amount, PointRule.enabled)
    }
    rules = {}
    for kind, (default, _reason) in EARNING_KINDS.items():
        row = rows.get(kind)
        rules[kind] = (
            EarningRule(kind, row["amount"], row["enabled"])
            if row
            else EarningRule(kind, default, True)
        )
    return rules


async def earning_rules_save(*, values: dict[str, str]) -> None:
    """Save HR's form: ``<kind>_amount`` (whole number 0–1000) and ``<kind>_enabled`` ("1")."""
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[int, bool]] = {}
    for kind in EARNING_KINDS:
        field = f"{kind}_amount"
        amount = whole_number(values.get(field, ""), minimum=0, maximum=MAX_AMOUNT)
        if amount is None:
            errors[field] = _("Enter a whole number from 0 to %(max)s.", max=MAX_AMOUNT)
            continue
        cleaned[kind] = (amount, values.get(f"{kind}_enabled") == "1")
    if errors:
        raise ValidationFailed(errors)
    now = datetime.now(UTC)
    async with write_transaction():
        for kind, (amount, enabled) in cleaned.items():
            await PointRule.raw(
                "INSERT INTO point_rule (kind, amount, enabled, updated_at) "
                "VALUES ({}, {}, {}, {}) "
                "ON CONFLICT (kind) DO UPDATE SET amount = excluded.amount, "
                "enabled = excluded.enabled, updated_at = excluded.updated_at",
                kind,
                amount,
                enabled,
                now,
            )


async def earning_award(*, candidate_id: int, kind: str, source_key: str) -> int:
    """Award ``kind``'s points once per ``source_key``; the points written (0: off or done)."""
    rule = (await earning_rules())[kind]
    if not rule.earns:
        return 0
    written = await point_entry_append(
        candidate_id=candidate_id,
        amount=rule.earns,
        reason=EARNING_KINDS[kind][1],
        source_key=source_key,
    )
    return rule.earns if written else 0


# -- daily check-in ------------------------------------------------------------------


async def _local_today(candidate_id: int, now: datetime | None = None) -> date:
    row = (
        await Candidate.select(Candidate.cohort.timezone.as_alias("timezone"))
        .where(Candidate.id == candidate_id)
        .first()
    )
    zone = (row or {}).get("timezone") or get_settings().default_timezone
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()


def checkin_source_key(day: date) -> str:
    return f"checkin:{day.isoformat()}"


@dataclass(frozen=True)
class CheckinState:
    enabled: bool
    amount: int
    done_today: bool
    days: int  # check-ins so far


# The check-in card's figures (the rule, the check-ins so far and the latest: ISO dates
# sort as text) as columns of a query that reads the candidate as ``c``: the home page's
# one row (portal/domain/candidates/home.py) and daily_checkin_state below.
CHECKIN_COLUMNS_SQL = (
    "(SELECT amount FROM point_rule WHERE kind = 'checkin') AS checkin_amount, "
    "(SELECT enabled FROM point_rule WHERE kind = 'checkin') AS checkin_enabled, "
    "(SELECT COUNT(*) FROM point_entry WHERE candidate = c.id "
    "AND source_key LIKE 'checkin:%') AS checkin_days, "
    "(SELECT MAX(source_key) FROM point_entry WHERE candidate = c.id "
    "AND source_key LIKE 'checkin:%') AS checkin_latest"
)


# One row even for an unknown candidate (the rule's defaults, no check-ins).
_CHECKIN_STATE_SQL = (
    f"SELECT co.timezone AS timezone, {CHECKIN_COLUMNS_SQL} "
    "FROM (SELECT 1 AS one) card LEFT JOIN candidate c ON c.id = {} "
    "LEFT JOIN cohort co ON co.id = c.cohort"
)


async def daily_checkin_state(*, candidate_id: int, now: datetime | None = None) -> CheckinState:
    [row] = await PointRule.raw(_CHECKIN_STATE_SQL, candidate_id)
    return checkin_state_from(
        amount=row["checkin_amount"],
        enabled=row["checkin_enabled"],
        days=row["checkin_days"],
        latest=row["checkin_latest"],
        timezone=row["timezone"],
        now=now,
    )


def checkin_state_from(
    *,
    amount: int | None,
    enabled: object,
    days: int | None,
    latest: str | None,
    timezone: str | None,
    now: datetime | None = None,
) -> CheckinState:
    """The card's state from the rule (None: not set, the default), the check-ins so far,
    the latest one's key and the candidate's time zone (None: the default zone)."""
    default = EARNING_KINDS["checkin"][0]
    amount = default if amount is None else amount
    is_enabled = True if enabled is None else bool(enabled)
    zone = timezone or get_settings().default_timezone
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()
    return CheckinState(
        enabled=is_enabled and amount > 0,
        amount=amount,
        done_today=latest == checkin_source_key(today),
        days=int(days or 0),
    )


async def daily_checkin(*, candidate_id: int, now: datetime | None = None) -> int:
    """Check in for today (the cohort's local day); the points earned, 0 when already done."""
    day = await _local_today(candidate_id, now)
    return await earning_award(
        candidate_id=candidate_id, kind="checkin", source_key=checkin_source_key(day)
    )


# -- milestones ----------------------------------------------------------------------


async def profile_completed(*, candidate_id: int) -> int:
    """A saved profile has every field (the form requires them): award once."""
    return await earning_award(candidate_id=candidate_id, kind="profile", source_key="earn:profile")


async def first_question_asked(*, candidate_id: int) -> int:
    return await earning_award(
        candidate_id=candidate_id, kind="first_question", source_key="earn:first_question"
    )


async def checklist_approval_check(*, candidate_id: int) -> None:
    """After a document is approved (and committed): when every item is, award once."""

    async def check() -> None:
        from portal.domain.checklist.items import candidate_checklist

        checklist = await candidate_checklist(candidate_id=candidate_id)
        if checklist.total and checklist.approved == checklist.total:
            async with write_transaction():
                await earning_award(
                    candidate_id=candidate_id, kind="checklist", source_key="earn:checklist"
                )

    await after_commit(check)
