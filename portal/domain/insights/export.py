"""The dashboards as CSV: UTF-8 with a byte-order mark (Excel reads the Chinese), one figure a
row, every text cell formula-safe (the SLA figures' cell rule: a leading = + - @ is quoted)."""

from __future__ import annotations

import csv
import io

from portal.domain.insights.content import Content
from portal.domain.insights.dashboard import Dashboard
from portal.domain.spreadsheets import spreadsheet_cell
from portal.i18n import gettext as _


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def dashboard_csv(dashboard: Dashboard, content: Content) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    selection, funnel, engagement = dashboard.selection, dashboard.funnel, dashboard.engagement
    writer.writerow([_("Section"), _("Figure"), _("Value"), _("Candidates")])
    writer.writerow([_("Period"), _("From"), selection.start.isoformat(), ""])
    writer.writerow([_("Period"), _("Until"), selection.end.isoformat(), ""])
    rows: list[tuple[str, str, object, object]] = [
        (_("Funnel"), _("Candidates"), funnel.total, ""),
        (_("Funnel"), _("Active"), funnel.active, ""),
        (_("Funnel"), _("Withdrawn"), funnel.withdrawn, ""),
        (_("Funnel"), _("Withdrawal rate"), _share(funnel.withdrawal_rate), ""),
        (_("Funnel"), _("Started"), funnel.started, ""),
        (_("Funnel"), _("Planned head-count"), funnel.planned, ""),
        (_("Funnel"), _("Median days from offer to start"), funnel.offer_to_start_median or "", ""),
    ]
    rows += [(_("Stage now"), label, count, "") for label, count in funnel.stages]
    rows += [(_("Withdrawal reason"), reason, count, "") for reason, count in funnel.reasons]
    rows += [
        (_("Week"), week.isoformat(), added, withdrawn) for week, added, withdrawn in funnel.weeks
    ]
    labels = [label for label, _count in funnel.stages]
    rows += [
        (_("Reached per week"), f"{week.isoformat()} {label}", count, "")
        for week, counts in funnel.stage_weeks
        for label, count in zip(labels, counts, strict=True)
        if count
    ]
    rows += [
        (_("Engagement"), _("Weekly active share"), _share(engagement.weekly_active_share), ""),
        (
            _("Engagement"),
            _("Median days since last visit"),
            engagement.median_days_since_visit
            if engagement.median_days_since_visit is not None
            else "",
            "",
        ),
        (_("Engagement"), _("Never visited"), engagement.never_visited, ""),
        (_("Engagement"), _("Course completion"), _share(engagement.course_completion), ""),
        (
            _("Engagement"),
            _("Checklist done of due by now"),
            _share(engagement.checklist_completion),
            "",
        ),
        (_("Engagement"), _("Questions asked"), engagement.questions_asked, ""),
        (_("Engagement"), _("Answered within SLA"), _share(engagement.within_sla_share), ""),
        (_("Engagement"), _("Inbox read rate"), _share(engagement.inbox_read_rate), ""),
    ]
    for title, items in (
        (_("Lesson"), content.lessons),
        (_("Resource"), content.resources),
        (_("Announcement"), content.announcements),
    ):
        rows += [(title, item.name, item.events, item.candidates) for item in items]
    for section, name, value, people in rows:
        writer.writerow(
            [
                spreadsheet_cell(section),
                spreadsheet_cell(str(name)),
                spreadsheet_cell(str(value)),
                people,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
