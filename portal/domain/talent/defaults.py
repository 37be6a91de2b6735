"""The default withdrawal reasons and recall cadence, created once per database.

Created on first use (and at start-up), not by a migration, so a database always has them;
HR edits them afterwards (reasons are deactivated, never deleted).
"""

from __future__ import annotations

from portal.db import is_unique_violation, write_transaction
from portal.domain.talent.tables import TalentCadenceStep, TalentReason

REASONS = [
    ("salary", "Salary"),
    ("commute", "Commute"),
    ("family", "Family"),
    ("another_offer", "Another offer"),
    ("role_unclear", "Role unclear"),
    ("team_concerns", "Team concerns"),
    ("start_date", "Start date too late"),
    ("other", "Other"),
]

# (reason code or None for the default, day, kind, body A, body B, link to the growth path)
CADENCE = [
    (
        None,
        30,
        "checkin",
        "{name}，好久不见！最近一切都好吗？有什么想聊的，随时回复我们。",
        "",
        False,
    ),
    (None, 90, "news", "{name}，我们有一些新变化想和你分享，欢迎回复了解详情。", "", False),
    (
        None,
        180,
        "invite",
        "{name}，我们正在招聘，很希望你回来！看看你的成长路径：{growth_link}",
        "{name}，团队一直记得你，愿意回来聊聊吗？成长路径：{growth_link}",
        True,
    ),
    ("salary", 90, "news", "{name}，我们调整了薪酬结构，想和你分享具体变化，欢迎回复。", "", False),
    (
        "commute",
        90,
        "news",
        "{name}，我们新开通了班车线路，上下班更方便了，欢迎回复了解。",
        "",
        False,
    ),
    (
        "team_concerns",
        90,
        "news",
        "{name}，我们推出了新员工导师计划，每位新人都有专人带教，欢迎回复了解。",
        "",
        False,
    ),
    ("role_unclear", 90, "news", "{name}，我们整理了岗位介绍和成长路径：{growth_link}", "", True),
]


async def talent_defaults_ensure() -> None:
    """Create the default reasons and cadence when there are no reasons at all.

    Every ``onramp serve`` worker calls this as it starts; on PostgreSQL two of them can
    both find no reasons and insert. The second's insert then fails on the unique code and
    its transaction rolls back whole: the first one's set is complete, nothing to do.
    """
    if await TalentReason.exists():
        return
    try:
        await _defaults_create()
    except Exception as error:
        if not is_unique_violation(error):
            raise


async def _defaults_create() -> None:
    async with write_transaction():
        if await TalentReason.exists():
            return
        await TalentReason.insert(
            *(
                TalentReason(code=code, label=label, sort_order=order, active=True)
                for order, (code, label) in enumerate(REASONS)
            )
        )
        ids = {
            row["code"]: row["id"]
            for row in await TalentReason.select(TalentReason.id, TalentReason.code)
        }
        await TalentCadenceStep.insert(
            *(
                TalentCadenceStep(
                    reason=ids[code] if code else None,
                    day=day,
                    kind=kind,
                    mode="message",
                    assignee="hr",
                    body_a=body_a,
                    body_b=body_b,
                    link_growth=growth,
                )
                for code, day, kind, body_a, body_b, growth in CADENCE
            )
        )
