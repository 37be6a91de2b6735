"""Words for the pool's codes (statuses, outcomes, step kinds…), translated when shown."""

from __future__ import annotations

from portal.i18n import gettext as _


def talent_label(code: str) -> str:
    """The label of a talent-pool code; an unknown code is shown as it is."""
    labels = {
        # entry statuses
        "open": _("In the pool"),
        "closed": _("Cadence ended"),
        "stopped": _("Asked not to be contacted"),
        "rejoined": _("Rejoined"),
        "anonymised": _("Anonymised"),
        # outcomes
        "no_reply": _("No reply"),
        "replied": _("Replied"),
        "interested": _("Interested"),
        "reinterviewed": _("Re-interviewed"),
        "not_interested": _("Not interested"),
        # steps
        "checkin": _("Warm check-in"),
        "news": _("News for their reason"),
        "invite": _("Invitation back"),
        "message": _("Message"),
        "task": _("To-do"),
        "hr": _("HR"),
        "manager": _("Hiring manager"),
        # recall statuses
        "queued": _("Queued"),
        "skipped": _("Skipped"),
        "done": _("Done"),
        # history
        "stage": _("Stage"),
        "note": _("Note"),
        "recall": _("Recall"),
        "outcome": _("Outcome"),
        "withdrawn": _("Withdrawn"),
        "stop": _("Stop"),
        # consent filter
        "yes": _("Valid"),
        "no": _("No consent"),
        "expired": _("Expired"),
        # candidate statuses, outbox statuses in the history
        "active": _("Active"),
        "joined": _("Joined"),
        "sent": _("Sent"),
        "pending": _("Pending"),
        "failed": _("Failed"),
        "suppressed": _("Suppressed"),
        "deferred": _("Deferred"),
        "sending": _("Sending"),
        # default reasons (HR's own labels are shown as typed)
        "Salary": _("Salary"),
        "Commute": _("Commute"),
        "Family": _("Family"),
        "Another offer": _("Another offer"),
        "Role unclear": _("Role unclear"),
        "Team concerns": _("Team concerns"),
        "Start date too late": _("Start date too late"),
        "Other": _("Other"),
    }
    return labels.get(code, code)
