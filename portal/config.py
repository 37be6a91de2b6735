"""Settings, read once from ``ONRAMP_*`` environment variables (and ``.env``).

Each setting is declared once, below, with its environment name, default and meaning; no
other module reads the environment: everything asks :func:`get_settings`. Tests set the
environment and call ``get_settings.cache_clear()``. ``onramp settings`` prints the table
the README's configuration section is checked against.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


Parser = Callable[[str, str], Any]


@dataclass(frozen=True)
class EnvVar:
    """Where a setting comes from: its variable, how to read it, what it means."""

    name: str
    parse: Parser
    meaning: str
    # How the default reads in the documentation when it is not a plain value.
    default_text: str | None = None


def text(name: str, raw: str) -> str:
    return raw


def whole_number(minimum: int = 1) -> Parser:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum}, got {value}")
        return value

    return parse


def one_of(*choices: str) -> Parser:
    def parse(name: str, raw: str) -> str:
        if raw not in choices:
            raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
        return raw

    return parse


def path(name: str, raw: str) -> Path:
    return Path(raw)


def time_zone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} is not a known time zone: {raw!r}") from None
    return raw


def database_url(name: str, raw: str) -> str:
    if not raw.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise SettingsError(f"{name} must start with sqlite:/// or postgresql://, got {raw!r}")
    return raw


def url_without_slash(name: str, raw: str) -> str:
    return raw.rstrip("/")


def secret_key(name: str, raw: str) -> str:
    if len(raw) < 32:
        raise SettingsError(f"{name} must be at least 32 characters long")
    return raw


def decimal_number(minimum: float = 0.0) -> Parser:
    """A number that may have a fraction (e.g. ``0.5`` seconds); at least ``minimum``."""

    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if not value >= minimum or value == float("inf"):
            raise SettingsError(f"{name} must be at least {minimum:g}, got {raw!r}")
        return value

    return parse


def yes_no(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def http_url(name: str, raw: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name} must be an http:// or https:// URL, got {raw!r}")
    return raw.strip()


def clock_range(name: str, raw: str) -> str:
    """``HH:MM-HH:MM`` (may wrap past midnight), or ``off``; checked here, parsed by users."""
    value = raw.strip().lower()
    if value in ("off", "none"):
        return ""
    import re

    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", value)
    if not match:
        raise SettingsError(f"{name} must look like 21:00-08:30 (or off), got {raw!r}")
    hours = [int(match.group(1)), int(match.group(3))]
    minutes = [int(match.group(2)), int(match.group(4))]
    if any(h > 23 for h in hours) or any(m > 59 for m in minutes):
        raise SettingsError(f"{name} has an impossible time: {raw!r}")
    if (hours[0], minutes[0]) == (hours[1], minutes[1]):
        raise SettingsError(f"{name} must not start and end at the same minute: {raw!r}")
    return f"{hours[0]:02d}:{minutes[0]:02d}-{hours[1]:02d}:{minutes[1]:02d}"


def sms_body_template(name: str, raw: str) -> str:
    """JSON with ``{phone}`` and ``{text}`` placeholders inside string values."""
    import json

    if "{phone}" not in raw or "{text}" not in raw:
        raise SettingsError(f"{name} must contain {{phone}} and {{text}}")
    try:
        json.loads(raw.replace("{phone}", "0").replace("{text}", "x"))
    except ValueError:
        raise SettingsError(
            f"{name} must be JSON once {{phone}} and {{text}} are filled in, got {raw!r}"
        ) from None
    return raw


def contact_phone(name: str, raw: str) -> str | None:
    """A phone number for a ``tel:`` link: digits, spaces, dashes and a leading ``+``."""
    value = raw.strip()
    if not value:
        return None
    if len(value) > 30 or not re.fullmatch(r"\+?[0-9][0-9 \-]*[0-9]", value):
        raise SettingsError(f"{name} must be a phone number like +86 512 6666 8888, got {raw!r}")
    return value


def env(
    name: str,
    default: Any,
    meaning: str,
    *,
    parse: Parser = text,
    default_text: str | None = None,
) -> Any:
    """Declare a setting: its ``ONRAMP_*`` variable, default and meaning, in one place."""
    return field(
        default=default,
        metadata={"env": EnvVar(name, parse, meaning, default_text)},
    )


@dataclass(frozen=True)
class Settings:
    var_dir: Path = env(
        "ONRAMP_VAR_DIR",
        PROJECT_ROOT / "var",
        "where the SQLite file, stores and generated secret live",
        parse=path,
        default_text="`./var`",
    )
    database_url: str = env(
        "ONRAMP_DATABASE_URL",
        "",
        "`sqlite:///path` or `postgresql://user:pass@host:5432/db`",
        parse=database_url,
        default_text="`sqlite:///./var/onramp.db`",
    )
    database_pool_size: int = env(
        "ONRAMP_DATABASE_POOL_SIZE",
        10,
        "database connections each worker process keeps: PostgreSQL's pool, opened at "
        "start-up; on SQLite, reader connections (opened as needed) besides one writer",
        parse=whole_number(),
    )
    sqlite_synchronous: str = env(
        "ONRAMP_SQLITE_SYNCHRONOUS",
        "NORMAL",
        "SQLite only: `NORMAL` (a commit waits for no disk flush; WAL keeps the file "
        "consistent, a power cut may lose the last commits) or `FULL` (every commit flushes: "
        "about 2 ms each on a virtual disk, so at most a few hundred writes/s)",
        parse=one_of("NORMAL", "FULL"),
    )
    database_pool_timeout_seconds: int = env(
        "ONRAMP_DATABASE_POOL_TIMEOUT_SECONDS",
        30,
        "how long a request waits for a free database connection (a busy pool queues, and "
        "a PostgreSQL that refuses connections is retried) before it fails",
        parse=whole_number(),
    )
    redis_url: str | None = env(
        "ONRAMP_REDIS_URL",
        None,
        "e.g. `redis://127.0.0.1:6379/0`; when set, sessions, rate limits and the rooms' "
        "fan-out go through Redis (any number of workers/hosts; required for `--workers` "
        "above 1). Without it sessions are files under `var/stores/` and one process serves "
        "the rooms",
    )
    redis_namespace: str = env(
        "ONRAMP_REDIS_NAMESPACE",
        "onramp",
        "prefix of every Redis key and channel, so several installations can share one Redis",
    )
    media_dir: Path | None = env(
        "ONRAMP_MEDIA_DIR",
        None,
        "uploaded files and videos",
        parse=path,
        default_text="`./var/media`",
    )
    secret_key: str = env(
        "ONRAMP_SECRET_KEY",
        "",
        "signs CSRF tokens; at least 32 characters; set it explicitly when running several hosts",
        parse=secret_key,
        default_text="generated once into `var/secret_key`",
    )
    base_url: str = env(
        "ONRAMP_BASE_URL",
        "http://127.0.0.1:8000",
        "public URL, used in sign-in links; `https://…` makes cookies `Secure`",
        parse=url_without_slash,
    )
    default_timezone: str = env(
        "ONRAMP_DEFAULT_TIMEZONE",
        "Asia/Shanghai",
        "time zone for candidates without a cohort and new cohorts",
        parse=time_zone,
    )
    login_link_ttl_hours: int = env(
        "ONRAMP_LOGIN_LINK_TTL_HOURS",
        7 * 24,
        "how long a sign-in link stays valid (7 days)",
        parse=whole_number(),
    )
    session_ttl_hours: int = env(
        "ONRAMP_SESSION_TTL_HOURS",
        30 * 24,
        "how long a session lasts (30 days)",
        parse=whole_number(),
    )
    staff_login_max_attempts: int = env(
        "ONRAMP_STAFF_LOGIN_MAX_ATTEMPTS",
        5,
        "failed staff sign-ins allowed per e-mail and per IP…",
        parse=whole_number(),
    )
    staff_login_window_seconds: int = env(
        "ONRAMP_STAFF_LOGIN_WINDOW_SECONDS",
        15 * 60,
        "…within this window",
        parse=whole_number(),
    )
    link_request_max_per_phone: int = env(
        "ONRAMP_LINK_REQUEST_MAX_PER_PHONE",
        3,
        "new sign-in links a candidate may ask for with one phone number…",
        parse=whole_number(),
    )
    link_request_max_per_ip: int = env(
        "ONRAMP_LINK_REQUEST_MAX_PER_IP",
        10,
        "…and from one IP address…",
        parse=whole_number(),
    )
    link_request_window_seconds: int = env(
        "ONRAMP_LINK_REQUEST_WINDOW_SECONDS",
        3600,
        "…within this window",
        parse=whole_number(),
    )
    hr_contact_phone: str | None = env(
        "ONRAMP_HR_CONTACT_PHONE",
        None,
        "HR's phone number, shown as a `tel:` link where a candidate cannot sign in; "
        "unset: not shown",
        parse=contact_phone,
    )
    oidc_issuer: str | None = env(
        "ONRAMP_OIDC_ISSUER",
        None,
        "OIDC provider (issuer URL); with `ONRAMP_OIDC_CLIENT_ID` enables single sign-on for staff",
        parse=url_without_slash,
    )
    oidc_client_id: str | None = env(
        "ONRAMP_OIDC_CLIENT_ID",
        None,
        "the client registered at the provider; redirect URI is `{BASE_URL}/admin/oidc/callback`",
    )
    oidc_client_secret: str | None = env(
        "ONRAMP_OIDC_CLIENT_SECRET", None, "the client's secret at the provider"
    )
    oidc_scopes: str = env("ONRAMP_OIDC_SCOPES", "openid email profile", "scopes requested")
    oidc_button_label: str = env("ONRAMP_OIDC_BUTTON_LABEL", "SSO", "label of the sign-in button")
    oidc_default_role: str | None = env(
        "ONRAMP_OIDC_DEFAULT_ROLE",
        None,
        "`hr`, `manager` or `admin`: create unknown SSO users with this role; unset refuses them",
        parse=one_of("hr", "manager", "admin"),
    )
    room_rate_limit_count: int = env(
        "ONRAMP_ROOM_RATE_LIMIT_COUNT",
        5,
        "room messages a member may send per window…",
        parse=whole_number(),
    )
    room_rate_limit_seconds: int = env(
        "ONRAMP_ROOM_RATE_LIMIT_SECONDS", 10, "…of this many seconds", parse=whole_number()
    )
    room_message_max_chars: int = env(
        "ONRAMP_ROOM_MESSAGE_MAX_CHARS", 1000, "longest room message", parse=whole_number()
    )
    room_sockets_per_session: int = env(
        "ONRAMP_ROOM_SOCKETS_PER_SESSION",
        10,
        "open room websockets one session may have per worker process; more are refused "
        "with HTTP 429",
        parse=whole_number(),
    )
    header_timeout_seconds: int = env(
        "ONRAMP_HEADER_TIMEOUT_SECONDS",
        10,
        "a connection must finish sending its request headers (a websocket its handshake) "
        "within this time, or it is closed (half-open connections, slowloris)",
        parse=whole_number(),
    )
    sla_check_seconds: int = env(
        "ONRAMP_SLA_CHECK_SECONDS",
        30,
        "how often each process looks for questions nearing or past their deadline (`0`: never)",
        parse=whole_number(minimum=0),
    )
    upload_max_bytes: int = env(
        "ONRAMP_UPLOAD_MAX_BYTES",
        10 * 1024 * 1024,
        "largest checklist file (10 MB)",
        parse=whole_number(),
    )
    image_decodes: int = env(
        "ONRAMP_IMAGE_DECODES",
        2,
        "photos one worker process decodes and re-encodes at once (each needs up to 200 MB, "
        "see README); more uploads wait their turn",
        parse=whole_number(),
    )
    image_max_pixels: int = env(
        "ONRAMP_IMAGE_MAX_PIXELS",
        4096 * 4096,
        "largest decoded photo in pixels; JPEGs are decoded at 1/2 to 1/8 size to fit, other "
        "pictures above it are refused with a clear message",
        parse=whole_number(minimum=1_000_000),
    )
    resource_max_mb: int = env(
        "ONRAMP_RESOURCE_MAX_MB", 20, "largest resource-library file, in MB", parse=whole_number()
    )
    video_max_bytes: int = env(
        "ONRAMP_VIDEO_MAX_BYTES",
        500 * 1024 * 1024,
        "largest welcome video (500 MB)",
        parse=whole_number(),
    )
    field_key: str = env(
        "ONRAMP_FIELD_KEY",
        "",
        "comma-separated secrets encrypting ID and bank card numbers; the first encrypts, "
        "all decrypt (`new,old` rotates)",
        default_text="derived from `ONRAMP_SECRET_KEY`",
    )
    smtp_host: str | None = env(
        "ONRAMP_SMTP_HOST",
        None,
        "SMTP server for e-mail (e.g. `smtp.example.com`); unset: e-mail is not offered",
    )
    smtp_port: int = env("ONRAMP_SMTP_PORT", 587, "SMTP port", parse=whole_number())
    smtp_tls: str = env(
        "ONRAMP_SMTP_TLS",
        "starttls",
        "`starttls` (upgrade, required), `tls` (implicit TLS, usually port 465) or `none`",
        parse=one_of("starttls", "tls", "none"),
    )
    smtp_user: str | None = env("ONRAMP_SMTP_USER", None, "SMTP user name (unset: no AUTH)")
    smtp_password: str | None = env("ONRAMP_SMTP_PASSWORD", None, "SMTP password")
    smtp_from: str = env(
        "ONRAMP_SMTP_FROM",
        "Onramp <noreply@onramp.example>",
        "sender of every e-mail (`Name <address>`)",
    )
    smtp_timeout_seconds: float = env(
        "ONRAMP_SMTP_TIMEOUT_SECONDS",
        20.0,
        "how long one SMTP command may take before the send counts as failed",
        parse=decimal_number(0.1),
    )
    sms_url: str | None = env(
        "ONRAMP_SMS_URL",
        None,
        "the SMS provider's HTTP endpoint (POST, JSON); unset: SMS is not offered",
        parse=http_url,
    )
    sms_auth: str | None = env(
        "ONRAMP_SMS_AUTH", None, "value of the `Authorization` header sent to the SMS provider"
    )
    sms_body_template: str = env(
        "ONRAMP_SMS_BODY_TEMPLATE",
        '{"to": "{phone}", "text": "{text}"}',
        "JSON body posted to the provider; `{phone}` and `{text}` are filled in (JSON-escaped)",
        parse=sms_body_template,
    )
    sms_id_field: str = env(
        "ONRAMP_SMS_ID_FIELD",
        "id",
        "where the provider's answer holds its message id (dotted path, e.g. `data.msgid`)",
    )
    sms_max_chars: int = env(
        "ONRAMP_SMS_MAX_CHARS",
        300,
        "longest SMS text, unsubscribe link included",
        parse=whole_number(20),
    )
    hr_bot_url: str | None = env(
        "ONRAMP_HR_BOT_URL",
        None,
        "HR's group-bot webhook for alerts (outbox stuck, …); unset: no bot alerts",
        parse=http_url,
    )
    hr_bot_kind: str = env(
        "ONRAMP_HR_BOT_KIND",
        "wecom",
        "`wecom`, `dingtalk` or `feishu`: the payload format of `ONRAMP_HR_BOT_URL`",
        parse=one_of("wecom", "dingtalk", "feishu"),
    )
    hr_bot_secret: str | None = env(
        "ONRAMP_HR_BOT_SECRET",
        None,
        "signing secret of the HR bot (DingTalk and Feishu; unset: unsigned)",
    )
    outbound_allow_private: bool = env(
        "ONRAMP_OUTBOUND_ALLOW_PRIVATE",
        False,
        "let HR-configured webhooks reach loopback, link-local and private addresses "
        "(tests, intranet bots)",
        parse=yes_no,
    )
    outbox_relay_seconds: float = env(
        "ONRAMP_OUTBOX_RELAY_SECONDS",
        1.0,
        "how long each process's outbox relay sleeps when nothing is due (`0`: relay off)",
        parse=decimal_number(0),
    )
    activity_flush_seconds: float = env(
        "ONRAMP_ACTIVITY_FLUSH_SECONDS",
        5.0,
        "how often each process writes its buffered activity events (a crash loses at most "
        "this long's events; `0`: no background writer)",
        parse=decimal_number(0),
    )
    activity_flush_events: int = env(
        "ONRAMP_ACTIVITY_FLUSH_EVENTS",
        500,
        "buffered activity events that trigger a write before the interval is up",
        parse=whole_number(),
    )
    activity_retention_days: int = env(
        "ONRAMP_ACTIVITY_RETENTION_DAYS",
        365,
        "days activity events are kept; older ones are summed per day and cohort, then deleted",
        parse=whole_number(),
    )
    risk_recompute_minutes: float = env(
        "ONRAMP_RISK_RECOMPUTE_MINUTES",
        60.0,
        "how often each process recomputes every active candidate's drop-out risk "
        "(`0`: only on events and `onramp risk recompute`)",
        parse=decimal_number(0),
    )
    outbox_batch: int = env(
        "ONRAMP_OUTBOX_BATCH",
        100,
        "messages a relay claims at once",
        parse=whole_number(),
    )
    outbox_lease_seconds: float = env(
        "ONRAMP_OUTBOX_LEASE_SECONDS",
        120.0,
        "how long a claim lasts; a crashed worker's messages are retried after it",
        parse=decimal_number(1),
    )
    outbox_max_attempts: int = env(
        "ONRAMP_OUTBOX_MAX_ATTEMPTS",
        8,
        "attempts before a message is `failed` (shown in the admin with a retry button)",
        parse=whole_number(),
    )
    outbox_backoff_seconds: float = env(
        "ONRAMP_OUTBOX_BACKOFF_SECONDS",
        30.0,
        "first retry delay; doubles per attempt, with jitter…",
        parse=decimal_number(0.01),
    )
    outbox_backoff_max_seconds: float = env(
        "ONRAMP_OUTBOX_BACKOFF_MAX_SECONDS",
        3600.0,
        "…up to this",
        parse=decimal_number(0.01),
    )
    outbox_alert_minutes: float = env(
        "ONRAMP_OUTBOX_ALERT_MINUTES",
        30.0,
        "HR alert when the oldest due message has waited longer than this",
        parse=decimal_number(0.01),
    )
    outbox_engagement_cap: int = env(
        "ONRAMP_OUTBOX_ENGAGEMENT_CAP",
        2,
        "engagement e-mails/SMS a candidate gets per window (more wait for the digest)…",
        parse=whole_number(minimum=0),
    )
    outbox_cap_days: int = env(
        "ONRAMP_OUTBOX_CAP_DAYS", 7, "…of this many days (rolling)", parse=whole_number()
    )
    outbox_digest_hours: float = env(
        "ONRAMP_OUTBOX_DIGEST_HOURS",
        24.0,
        "a digest of capped messages goes out this long after the first one was held back",
        parse=decimal_number(0),
    )
    outbox_quiet_hours: str = env(
        "ONRAMP_OUTBOX_QUIET_HOURS",
        "21:00-08:30",
        "no e-mail/SMS in this local time range of the candidate's cohort (`off`: none)",
        parse=clock_range,
    )
    journey_evaluate_seconds: float = env(
        "ONRAMP_JOURNEY_EVALUATE_SECONDS",
        60.0,
        "how often each process evaluates the journeys' scheduled steps (`0`: never)",
        parse=decimal_number(0),
    )
    journey_grace_hours: float = env(
        "ONRAMP_JOURNEY_GRACE_HOURS",
        24.0,
        "a scheduled journey step whose moment passed longer ago than this is skipped for "
        "that candidate (recorded), so late joiners get no burst of old messages",
        parse=decimal_number(0),
    )
    talent_consent_months: int = env(
        "ONRAMP_TALENT_CONSENT_MONTHS",
        12,
        "a withdrawn candidate's consent to be contacted later lasts this many months; "
        "then their personal data is anonymised",
        parse=whole_number(),
    )
    talent_no_consent_grace_days: int = env(
        "ONRAMP_TALENT_NO_CONSENT_GRACE_DAYS",
        30,
        "a withdrawn candidate who gave no consent is anonymised this many days after "
        "withdrawing (time to settle open questions)",
        parse=whole_number(),
    )
    talent_tick_seconds: float = env(
        "ONRAMP_TALENT_TICK_SECONDS",
        3600.0,
        "how often each process sends due recalls and anonymises expired talent-pool "
        "entries (`0`: never; also off when journeys are off)",
        parse=decimal_number(0),
    )
    message_link_ttl_hours: int = env(
        "ONRAMP_MESSAGE_LINK_TTL_HOURS",
        14 * 24,
        "how long a one-tap link in a message stays valid (14 days)",
        parse=whole_number(),
    )
    # Whether ONRAMP_BASE_URL was given (``onramp serve`` otherwise points links at itself).
    base_url_configured: bool = True

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def resource_max_bytes(self) -> int:
        return self.resource_max_mb * 1024 * 1024


def declared_settings() -> list[tuple[str, EnvVar, Any]]:
    """``(field, variable, default)`` for every setting, in declaration order."""
    return [
        (item.name, item.metadata["env"], item.default)
        for item in fields(Settings)
        if "env" in item.metadata
    ]


def settings_table() -> str:
    """Every setting as the README's Markdown table (what ``onramp settings`` prints)."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for _name, variable, default in declared_settings():
        if variable.default_text is not None:
            shown = variable.default_text
        elif default is None or default == "":
            shown = "unset"
        else:
            shown = f"`{default}`"
        lines.append(f"| `{variable.name}` | {shown} | {variable.meaning} |")
    return "\n".join(lines)


def _generated_secret_key(var_dir: Path) -> str:
    """A key generated once and kept under var/.

    A generated key keeps the two-command demo working without set-up while staying
    stable across restarts and shared by all workers of one installation.
    """
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start together, exactly one writes the key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    values: dict[str, Any] = {}
    for name, variable, _default in declared_settings():
        raw = os.environ.get(variable.name)
        if raw is not None and raw != "":
            values[name] = variable.parse(variable.name, raw)
    values["base_url_configured"] = "base_url" in values
    settings = Settings(**values)
    # Defaults that follow from other settings.
    var_dir = settings.var_dir
    return replace(
        settings,
        database_url=settings.database_url or f"sqlite:///{var_dir / 'onramp.db'}",
        media_dir=settings.media_dir or var_dir / "media",
        secret_key=settings.secret_key or _generated_secret_key(var_dir),
    )
