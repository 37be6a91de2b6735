"""The relay: every ``onramp serve`` process claims due messages, sends them, records.

Per worker, messages are sent ONE AT A TIME, and each result is committed right after the
channel accepted the message, before the next one is handed over (the next e-mail's
envelope may go while the commit runs, its content not). So a worker killed at any moment
leaves at most one message that the channel accepted but the outbox still shows as
``sending``; after its lease expires another worker sends it again. That is the only
duplicate the design allows: at most one per killed worker (docs/outbox.md, "The kill
window"). E-mail goes over one kept-open SMTP connection. A result that fails to commit
is retried until it lands (``records.RecordConnection``).

When a channel is down (SMTP refuses connections, the SMS provider answers 5xx), the
message tried records the error and its back-off, the rest of the batch on that channel
is handed back untried, and this worker stops claiming that channel for a back-off of its
own; other channels keep flowing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from portal.config import get_settings
from portal.db import current_engine
from portal.domain.messaging.channels import SendFailed, channels_offered
from portal.domain.messaging.channels.bots import bot_post
from portal.domain.messaging.channels.email import SmtpSender, email_build
from portal.domain.messaging.channels.sms import SmsSender, sms_text
from portal.domain.messaging.claims import Claim, outbox_claim
from portal.domain.messaging.digests import digests_compose
from portal.domain.messaging.incidents import outbox_watch
from portal.domain.messaging.records import (
    RecordConnection,
    outbox_record_failure,
    outbox_record_sent,
    outbox_release,
)
from portal.domain.messaging.tables import CohortBot
from portal.domain.messaging.wakeup import (
    NOTIFY_CHANNEL,
    SQLITE_LOOK_SECONDS,
    outbox_waiter,
    outbox_waiter_drop,
)

logger = logging.getLogger("onramp.outbox")

# Housekeeping (the stuck alert, digests) runs at most this often per worker.
WATCH_EVERY_SECONDS = 15.0
# Stop using a claim this long before its lease ends: a send must finish inside the lease.
LEASE_MARGIN_SECONDS = 5.0


# On shutdown, a send under way may finish and record its result for this long: a message
# the channel accepted must not be left ``sending`` (it would be sent again after its lease).
SHUTDOWN_GRACE_SECONDS = 10.0
# Closing the relay's connections (SMTP QUIT, the record connection) at most this long.
CLOSE_SECONDS = 10.0


async def _settle(attempt: asyncio.Task) -> None:
    """Wait for one send-and-record; if this task is cancelled (shutdown), let it finish."""
    try:
        await asyncio.shield(attempt)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception, asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(attempt), SHUTDOWN_GRACE_SECONDS)
        raise


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Relay:
    """One worker's relay: its senders, and which channels it is leaving alone for now."""

    def __init__(self, worker: str | None = None) -> None:
        self.worker = worker or new_worker_id()
        self.smtp = SmtpSender()
        self.sms = SmsSender()
        self.records = RecordConnection()
        self.wake = outbox_waiter()
        self._listener: Any = None
        # channel → (monotonic time it may be tried again, consecutive failures)
        self.paused: dict[str, tuple[float, int]] = {}
        self._last_watch = 0.0

    def _channels(self) -> list[str]:
        now = time.monotonic()
        return [
            channel
            for channel in channels_offered()
            if self.paused.get(channel, (0.0, 0))[0] <= now
        ]

    def _pause(self, channel: str) -> None:
        settings = get_settings()
        failures = self.paused.get(channel, (0.0, 0))[1] + 1
        delay = min(
            settings.outbox_backoff_max_seconds,
            settings.outbox_backoff_seconds * 2 ** (failures - 1),
        )
        self.paused[channel] = (time.monotonic() + delay, failures)

    def _prepare(self, claim: Claim) -> object:
        """What can be made before the previous send's result has committed: the e-mail.

        Building a message is CPU work; doing it while the previous result's commit is in
        flight (another thread, or the database server) takes that commit off the path.
        A building error is returned, and raised by :meth:`_send` as that message's failure.
        """
        if claim.channel != "email":
            return None
        try:
            return email_build(
                row_id=claim.id,
                dedupe_key=claim.dedupe_key,
                candidate_id=claim.candidate_id or 0,
                category=claim.category,
                recipient=claim.recipient,
                subject=claim.subject,
                body=claim.body,
                body_html=claim.body_html,
                locale=claim.locale,
            )
        except Exception as error:  # noqa: BLE001 - recorded as this message's failure
            return error

    async def _send(
        self, claim: Claim, prepared: object, previous_recorded: Callable[[], Awaitable[None]]
    ) -> str:
        """Hand one message to its channel; returns the provider's message id."""
        settings = get_settings()
        if isinstance(prepared, Exception):
            raise prepared
        if claim.channel == "email":
            return await self.smtp.send(prepared, before_data=previous_recorded)  # type: ignore[arg-type]
        await previous_recorded()
        if claim.channel == "inbox":
            return ""
        if claim.channel == "sms":
            text = sms_text(
                claim.body,
                candidate_id=claim.candidate_id or 0,
                category=claim.category,
                locale=claim.locale,
            )
            return await self.sms.send(phone=claim.recipient, text=text)
        if claim.channel == "bot":
            if claim.recipient == "hr":
                if not settings.hr_bot_url:
                    raise SendFailed("the HR bot is not configured", permanent=True)
                kind, url, secret = (
                    settings.hr_bot_kind,
                    settings.hr_bot_url,
                    settings.hr_bot_secret or "",
                )
            else:
                cohort_id = int(claim.recipient.removeprefix("cohort:") or 0)
                bot = await CohortBot.objects().get(CohortBot.cohort == cohort_id)
                if bot is None:
                    raise SendFailed("the cohort has no group bot any more", permanent=True)
                kind, url, secret = bot.kind, bot.url, bot.secret
            await bot_post(
                kind,
                url,
                text=claim.body,
                title=claim.subject,
                body_format=claim.body_format,
                secret=secret,
                timeout=settings.smtp_timeout_seconds,
            )
            return ""
        raise SendFailed(f"unknown channel {claim.channel!r}", permanent=True)

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim one batch and work through it; returns how many messages it claimed.

        One message at a time: the next message is handed over only once the previous
        result has committed (the kill window). Only the next e-mail's building and its
        envelope (MAIL FROM, RCPT TO) overlap that commit.
        """
        claims = await outbox_claim(
            worker=self.worker, now=now or datetime.now(UTC), channels=self._channels()
        )
        pending = list(claims.sendable)
        recording: asyncio.Task[None] | None = None
        prepared: object = None
        try:
            while pending:
                claim = pending[0]
                if prepared is None:
                    prepared = self._prepare(claim)
                # After a delivered message, the next send starts while its "sent" commits
                # and waits for it before the content (RecordConnection, the kill window);
                # after a failure the relay first learns whether the channel is down.
                previous = recording
                if previous is not None and (
                    claim.channel != "email" or not getattr(previous, "delivered", False)
                ):
                    await _settle(previous)
                    previous = recording = None
                if claim.channel in self.paused and self.paused[claim.channel][0] > (
                    time.monotonic()
                ):
                    break  # handed back below with the rest
                settings = get_settings()
                margin = timedelta(
                    seconds=min(
                        LEASE_MARGIN_SECONDS + settings.smtp_timeout_seconds,
                        settings.outbox_lease_seconds / 2,
                    )
                )
                if datetime.now(UTC) > claim.lease_until - margin:
                    break  # too close to the lease's end to start another send
                pending.pop(0)
                sent = asyncio.Event()
                recording = asyncio.create_task(self._attempt(claim, prepared, sent, previous))
                # Once the channel has answered, the commit of the result is under way:
                # build the next message meanwhile.
                waiter = asyncio.create_task(sent.wait())
                try:
                    await asyncio.wait({waiter, recording}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                if previous is not None:
                    await _settle(previous)  # done already: its commit preceded this send
                prepared = self._prepare(pending[0]) if pending else None
            # Messages of a channel that went down meanwhile are handed back untried.
        finally:
            if recording is not None:
                await _settle(recording)
            if pending:
                await outbox_release(message_ids=[c.id for c in pending], worker=self.worker)
        return claims.total

    async def _attempt(
        self,
        claim: Claim,
        prepared: object,
        sent: asyncio.Event,
        previous: asyncio.Task[None] | None,
    ) -> None:
        async def previous_recorded() -> None:
            if previous is not None:
                await asyncio.wait({previous})  # its errors are the relay loop's to see

        try:
            outcome = await self._deliver(claim, prepared, previous_recorded)
        finally:
            sent.set()
        task = asyncio.current_task()
        if task is not None:
            task.delivered = not isinstance(outcome, SendFailed)  # type: ignore[attr-defined]
        await self._record(claim, outcome)

    async def _deliver(
        self,
        claim: Claim,
        prepared: object,
        previous_recorded: Callable[[], Awaitable[None]],
    ) -> str | SendFailed:
        """Hand one message to its channel: the provider's id, or why it failed.

        Nothing is handed over before ``previous_recorded`` returned (e-mail: only the
        envelope goes first); a failure before that still waits for it.
        """
        try:
            provider_id = await self._send(claim, prepared, previous_recorded)
        except SendFailed as failure:
            return failure
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug or an unexpected library error: retry later
            logger.exception("outbox message %s failed unexpectedly", claim.id)
            return SendFailed(f"{type(error).__name__}: {error}")
        finally:
            await previous_recorded()
        self.paused.pop(claim.channel, None)
        return provider_id

    async def _record(self, claim: Claim, outcome: str | SendFailed) -> None:
        """Commit what happened (retried until it lands, see RecordConnection)."""
        if isinstance(outcome, SendFailed):
            status = await outbox_record_failure(
                message_id=claim.id,
                worker=self.worker,
                error=str(outcome),
                attempts=claim.attempts,
                permanent=outcome.permanent,
                records=self.records,
            )
            if outcome.channel_down:
                self._pause(claim.channel)
            logger.warning("outbox message %s: %s (%s)", claim.id, outcome, status)
            return
        if not await outbox_record_sent(
            message_id=claim.id,
            worker=self.worker,
            provider_message_id=outcome,
            records=self.records,
        ):
            logger.warning("outbox message %s: sent after its lease was lost", claim.id)

    async def housekeeping(self, *, force: bool = False) -> None:
        """The stuck alert and digests, at most every ``WATCH_EVERY_SECONDS``."""
        # A short alert threshold (tests) is checked more often than every 15 s.
        every = min(WATCH_EVERY_SECONDS, get_settings().outbox_alert_minutes * 60 / 4)
        if not force and time.monotonic() - self._last_watch < every:
            return
        self._last_watch = time.monotonic()
        await outbox_watch()
        await digests_compose()

    async def idle(self) -> None:
        """Nothing is due: let go of the SMTP connection rather than let it time out."""
        await self.smtp.close()

    async def wait_for_work(self, interval: float) -> None:
        """Sleep until something may be due: a message queued (this process, another
        worker's NOTIFY on PostgreSQL, another connection's commit on SQLite) or
        ``interval`` passed (scheduled messages, retries, expired leases)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + interval
        if isinstance(current_engine(), SQLiteEngine):
            version = await self.records.data_version()
            while not self.wake.is_set() and loop.time() < deadline:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self.wake.wait(), min(SQLITE_LOOK_SECONDS, deadline - loop.time())
                    )
                if await self.records.data_version() != version:
                    return
            return
        await self._listen()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), max(0.0, deadline - loop.time()))

    async def _listen(self) -> None:
        """LISTEN on a connection of the relay's own; without one, the timed poll only."""
        import asyncpg

        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(
                **current_engine().config,  # type: ignore[attr-defined]
                timeout=10,
                server_settings={"application_name": "onramp outbox relay"},
            )
            await self._listener.add_listener(NOTIFY_CHANNEL, lambda *_: self.wake.set())
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            logger.warning("outbox relay: cannot LISTEN (%s); polling only", error)
            self._listener = None

    async def close(self) -> None:
        """Let go of every connection; never longer than ``CLOSE_SECONDS`` (a shutdown must
        not wait on a channel or a database that stopped answering)."""
        outbox_waiter_drop(self.wake)
        listener, self._listener = self._listener, None
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                if listener is not None:
                    with contextlib.suppress(Exception):
                        await listener.close(timeout=5)
                await self.smtp.close()
                await self.sms.close()
                await self.records.close()
        except TimeoutError:
            logger.warning(
                "outbox relay %s: closing took over %g s; left", self.worker, CLOSE_SECONDS
            )

    async def drain(self, *, timeout: float = 60.0) -> None:
        """Run until nothing is due (tests and the CLI); housekeeping once at the end."""
        deadline = time.monotonic() + timeout
        while await self.run_once() and time.monotonic() < deadline:
            pass
        await self.housekeeping(force=True)


async def _relay_forever(relay: Relay, interval: float) -> None:
    try:
        while True:
            claimed = 0
            relay.wake.clear()  # a message queued from here on wakes the wait below
            try:
                claimed = await relay.run_once()
                await relay.housekeeping()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not stop the relay; the next round catches up.
                logger.exception("outbox relay round failed")
            if not claimed:
                await relay.idle()
                await relay.wait_for_work(interval)
            else:
                await asyncio.sleep(0)  # let page requests in between batches
    finally:
        await relay.close()


_RELAY: dict[str, asyncio.Task[None]] = {}


async def outbox_relay_start() -> None:
    """Start this process's relay (the app's on_startup). ``ONRAMP_OUTBOX_RELAY_SECONDS=0``
    leaves it off (test servers sharing a database with tests that drive the relay)."""
    interval = get_settings().outbox_relay_seconds
    if interval <= 0:
        return
    if "task" not in _RELAY or _RELAY["task"].done():
        _RELAY["task"] = asyncio.create_task(_relay_forever(Relay(), interval), name="outbox")


# How often a stop repeats its cancellation, and how long it waits for the relay at most.
_STOP_RETRY_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 15.0


async def outbox_relay_stop() -> None:
    """Stop this process's relay: the app's on_shutdown hook.

    It takes no parameters on purpose: Litestar passes the app to a hook whose signature
    has any parameter at all, keyword-only ones included.
    """
    await outbox_relay_stop_within(STOP_TIMEOUT_SECONDS)


async def outbox_relay_stop_within(timeout: float) -> None:
    """Stop this process's relay within ``timeout`` seconds.

    The cancellation is repeated until the relay ends: on Python 3.11, ``asyncio.wait_for``
    (which aiosmtplib uses for every SMTP reply) can swallow a cancellation that arrives
    with the reply, and the relay would carry on; a single cancel then left shut-down
    waiting for ever. Past ``timeout`` the stop gives up with a warning rather than hang
    (a message it was sending stays claimed and is retried when its claim expires).
    """
    task = _RELAY.pop("task", None)
    if task is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=min(_STOP_RETRY_SECONDS, timeout))
        if not task.done() and loop.time() >= deadline:
            logger.warning("outbox relay did not stop within %.0f s; leaving it", timeout)
            return
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
