"""E-mail over SMTP with aiosmtplib: multipart text + HTML, one-click unsubscribe headers.

One connection per relay, kept open while there is mail to send and closed when the
relay goes idle; any error closes it and the next message reconnects. ``Message-ID`` is
derived from the outbox row, so a message sent twice (the documented kill window) carries
the same id and the receiving side can tell.
"""

from __future__ import annotations

import contextlib
import email.policy
import hashlib
import html
import re
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from portal.config import get_settings
from portal.domain.messaging.channels import SendFailed
from portal.domain.messaging.channels.sms import preference_category
from portal.domain.messaging.locale import message_locale
from portal.domain.messaging.unsubscribe import unsubscribe_url
from portal.i18n import gettext as _

_URL = re.compile(r"https?://[^\s<>\"']+")


def message_id(row_id: int, dedupe_key: str) -> str:
    domain = parseaddr(get_settings().smtp_from)[1].rpartition("@")[2] or "onramp.invalid"
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:12]
    return f"<outbox.{row_id}.{digest}@{domain}>"


def _html_from_text(text: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return "\n".join(paragraphs)


def email_build(
    *,
    row_id: int,
    dedupe_key: str,
    candidate_id: int,
    category: str,
    recipient: str,
    subject: str,
    body: str,
    body_html: str,
    locale: str,
) -> EmailMessage:
    """The e-mail as sent: text and HTML parts, each with the unsubscribe footer."""
    settings = get_settings()
    url = unsubscribe_url(
        candidate_id=candidate_id, channel="email", category=preference_category(category)
    )
    with message_locale(locale):
        footer_text = _(
            "You receive this because you accepted an offer. Unsubscribe: %(url)s", url=url
        )
        footer_html = _(
            'You receive this because you accepted an offer. <a href="%(url)s">Unsubscribe</a>',
            url=html.escape(url),
        )
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(row_id, dedupe_key)
    message["Auto-Submitted"] = "auto-generated"
    # RFC 2369 and RFC 8058: mail apps show their own "unsubscribe" button and POST to it.
    message["List-Unsubscribe"] = f"<{url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(f"{body.rstrip()}\n\n-- \n{footer_text}\n")
    html_body = body_html or _html_from_text(body)
    lang = "zh-CN" if locale == "zh_CN" else "en"
    message.add_alternative(
        f'<!doctype html><html lang="{lang}"><body>{html_body}'
        f'<hr><p style="color:#5d6678;font-size:12px">{footer_html}</p></body></html>',
        subtype="html",
    )
    return message


def _failure(error: Exception) -> SendFailed:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [response.code for response in error.recipients]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return SendFailed(f"SMTP refused the recipient: {error}", permanent=permanent)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return SendFailed(f"SMTP sign-in failed: {error}", channel_down=True)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return SendFailed(
            f"SMTP answered {error.code}: {error.message}"[:500], permanent=error.code >= 500
        )
    if isinstance(error, ValueError):
        return SendFailed(f"cannot be sent: {error}", permanent=True)
    # Connection refused, reset, timed out, TLS failed: the server, not this message.
    return SendFailed(
        f"SMTP server unreachable: {type(error).__name__}: {error}", channel_down=True
    )


def _ascii_envelope(message: EmailMessage) -> bool:
    return str(message["From"]).isascii() and str(message["To"]).isascii()


async def _send_in_two(
    smtp: aiosmtplib.SMTP, message: EmailMessage, before_data: Callable[[], Awaitable[None]]
) -> None:
    """``send_message`` for one recipient, with a pause between envelope and content."""
    sender = parseaddr(str(message["From"]))[1]
    recipient = parseaddr(str(message["To"]))[1]
    content = message.as_bytes(policy=email.policy.SMTP)
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()
    try:
        await smtp.mail(sender)
        try:
            await smtp.rcpt(recipient)
        except aiosmtplib.SMTPRecipientRefused as refused:
            raise aiosmtplib.SMTPRecipientsRefused([refused]) from None
        await before_data()
        await smtp.data(content)
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
        # As send_message does: reset the envelope for the next message.
        with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
            await smtp.rset()
        raise


class SmtpSender:
    """Sends sequentially over one kept-open connection; reconnects after any error."""

    def __init__(self) -> None:
        self._smtp: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        settings = get_settings()
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            timeout=settings.smtp_timeout_seconds,
        )
        await smtp.connect()
        self._smtp = smtp
        return smtp

    async def send(
        self,
        message: EmailMessage,
        *,
        before_data: Callable[[], Awaitable[None]] | None = None,
    ) -> str:
        """Send; returns the Message-ID once the server accepted the message.

        ``before_data``: awaited after the envelope (MAIL FROM, RCPT TO) and before the
        message itself, which is what the server accepts. The relay waits there for the
        previous message's result to commit: the envelope's round trips overlap that
        commit, and still nothing is accepted before it landed (the kill window).
        """
        if not get_settings().smtp_host:
            raise SendFailed("e-mail is not configured", channel_down=True)
        try:
            smtp = await self._connected()
            if before_data is None or not _ascii_envelope(message):
                if before_data is not None:
                    await before_data()
                await smtp.send_message(message)
            else:
                await _send_in_two(smtp, message, before_data)
        except (aiosmtplib.SMTPException, OSError, ValueError) as error:
            await self.close()
            raise _failure(error) from None
        return str(message["Message-ID"])

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()
