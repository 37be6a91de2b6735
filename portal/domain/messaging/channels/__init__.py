"""Channels: how an outbox row leaves (inbox, SMTP e-mail, SMS over HTTP, group bots).

A channel that is not configured is not offered: enqueueing to it is refused, and the
candidate's preferences page does not show it.
"""

from __future__ import annotations

from portal.config import get_settings


class SendFailed(Exception):
    """A send did not go through; ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False, channel_down: bool = False):
        super().__init__(message)
        self.permanent = permanent
        # The channel itself is unreachable (connection refused, SMTP down): every other
        # message on it would fail the same way, so the relay pauses the channel.
        self.channel_down = channel_down


def channels_offered() -> tuple[str, ...]:
    """The channels that can be used now: the inbox always, the others when configured."""
    settings = get_settings()
    offered = ["inbox"]
    if settings.smtp_host:
        offered.append("email")
    if settings.sms_url:
        offered.append("sms")
    offered.append("bot")  # HR's bot is a setting, cohort bots are rows: checked per message
    return tuple(offered)
