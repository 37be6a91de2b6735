"""Recall funnel: contacted → replied → interested → rejoined, per reason and per variant.

Per reason counts entries (each once); per variant counts the recall steps that reached
someone (``day 90 news · B``), judged by the outcome recorded on that step (an outcome is
recorded on the latest recall of the entry's round). CSV: UTF-8 with a BOM, cells that
would start a formula are prefixed with ``'`` (the rule of the SLA and checklist exports).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from portal.domain.journeys.statistics import ProportionTest, two_proportion_test
from portal.domain.spreadsheets import spreadsheet_cell
from portal.domain.talent.labels import talent_label
from portal.domain.talent.tables import TalentReason, TalentRecall
from portal.i18n import gettext as _

REPLIED = ("replied", "interested", "reinterviewed", "rejoined", "not_interested")
INTERESTED = ("interested", "reinterviewed", "rejoined")


@dataclass
class FunnelRow:
    group: str
    contacted: int = 0
    replied: int = 0
    interested: int = 0
    rejoined: int = 0

    def add(self, outcome: str, *, rejoined: bool = False) -> None:
        self.contacted += 1
        self.replied += outcome in REPLIED
        self.interested += outcome in INTERESTED
        self.rejoined += outcome == "rejoined" or rejoined


@dataclass(frozen=True)
class VariantComparison:
    """B against A on one step, by reply rate (the journeys' two-proportion test)."""

    step: str
    a: FunnelRow
    b: FunnelRow
    test: ProportionTest


@dataclass(frozen=True)
class RecallFunnel:
    by_reason: list[FunnelRow]
    by_variant: list[FunnelRow]
    comparisons: list[VariantComparison]


async def recall_funnel(*, department_scope: int | None) -> RecallFunnel:
    recalls = TalentRecall.select(
        TalentRecall.entry,
        TalentRecall.day,
        TalentRecall.kind,
        TalentRecall.variant,
        TalentRecall.outcome,
        TalentRecall.entry.reason.as_alias("reason"),
        TalentRecall.entry.status.as_alias("entry_status"),
    ).where(TalentRecall.status != "skipped")
    if department_scope is not None:
        recalls = recalls.where(TalentRecall.entry.department == department_scope)
    rows = await recalls.order_by(TalentRecall.day)
    labels = {
        r["id"]: talent_label(r["label"])
        for r in await TalentReason.select(TalentReason.id, TalentReason.label)
    }
    entries: dict[int, dict] = {}
    variants: dict[str, FunnelRow] = {}
    steps: dict[str, dict[str, FunnelRow]] = {}
    for row in rows:
        seen = entries.setdefault(row["entry"], {"reason": row["reason"], "outcome": ""})
        if row["outcome"]:
            seen["outcome"] = row["outcome"]
        seen["rejoined"] = row["entry_status"] == "rejoined"
        step = f"{_('day %(day)s', day=row['day'])} {talent_label(row['kind'])}"
        name = f"{step} · {row['variant']}"
        variants.setdefault(name, FunnelRow(name)).add(row["outcome"])
        steps.setdefault(step, {})[row["variant"]] = variants[name]
    reasons: dict[str, FunnelRow] = {}
    for seen in entries.values():
        name = labels.get(seen["reason"], _("Other"))
        reasons.setdefault(name, FunnelRow(name)).add(
            seen["outcome"], rejoined=seen.get("rejoined", False)
        )
    comparisons = [
        VariantComparison(
            step,
            pair["A"],
            pair["B"],
            two_proportion_test(
                pair["A"].replied, pair["A"].contacted, pair["B"].replied, pair["B"].contacted
            ),
        )
        for step, pair in sorted(steps.items())
        if "A" in pair and "B" in pair
    ]
    return RecallFunnel(
        by_reason=sorted(reasons.values(), key=lambda r: r.group),
        by_variant=sorted(variants.values(), key=lambda r: r.group),
        comparisons=comparisons,
    )


def recall_funnel_csv(funnel: RecallFunnel) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [_("Group"), _("Name"), _("Contacted"), _("Replied"), _("Interested"), _("Rejoined")]
    )
    for kind, rows in ((_("Reason"), funnel.by_reason), (_("Variant"), funnel.by_variant)):
        for row in rows:
            writer.writerow(
                [
                    kind,
                    spreadsheet_cell(row.group),
                    row.contacted,
                    row.replied,
                    row.interested,
                    row.rejoined,
                ]
            )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


__all__ = ["RecallFunnel", "recall_funnel", "recall_funnel_csv"]
