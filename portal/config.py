"""Settings, read once from ``ONRAMP_*`` environment variables (and ``.env``).

No other module reads the environment: everything asks :func:`get_settings`.
Tests set the environment and call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    media_dir: Path
    var_dir: Path
    secret_key: str
    base_url: str
    default_timezone: str
    login_link_ttl_hours: int
    session_ttl_hours: int
    staff_login_max_attempts: int
    staff_login_window_seconds: int
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_client_secret: str | None
    oidc_scopes: str
    oidc_button_label: str
    oidc_default_role: str | None
    base_url_configured: bool = True
    # The Q&A room: members may send this many messages per window; bodies are capped.
    room_rate_limit_count: int = 5
    room_rate_limit_seconds: int = 10
    room_message_max_chars: int = 1000
    # How often each process checks the answer deadlines; 0 turns the check off.
    sla_check_seconds: int = 30
    video_max_bytes: int = 500 * 1024 * 1024
    # Comma-separated; the first encrypts, all decrypt. Empty: derived from secret_key.
    field_key: str = ""
    resource_max_bytes: int = 20 * 1024 * 1024
    # Checklist documents: the largest file a candidate may upload.
    upload_max_bytes: int = 10 * 1024 * 1024

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


def _int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _secret_key(var_dir: Path) -> str:
    """Use ONRAMP_SECRET_KEY, or a key generated once and kept under var/.

    A generated key keeps the two-command demo working without set-up while staying
    stable across restarts and shared by all workers of one installation.
    """
    configured = os.environ.get("ONRAMP_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise SettingsError("ONRAMP_SECRET_KEY must be at least 32 characters long")
        return configured
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
    var_dir = Path(os.environ.get("ONRAMP_VAR_DIR") or PROJECT_ROOT / "var")
    database_url = os.environ.get("ONRAMP_DATABASE_URL") or f"sqlite:///{var_dir / 'onramp.db'}"
    if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise SettingsError(
            f"ONRAMP_DATABASE_URL must start with sqlite:/// or postgresql://, got {database_url!r}"
        )
    timezone = os.environ.get("ONRAMP_DEFAULT_TIMEZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"ONRAMP_DEFAULT_TIMEZONE is not a known time zone: {timezone!r}"
        ) from None
    base_url_configured = bool(os.environ.get("ONRAMP_BASE_URL"))
    base_url = (os.environ.get("ONRAMP_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    oidc_role = os.environ.get("ONRAMP_OIDC_DEFAULT_ROLE") or None
    if oidc_role not in (None, "hr", "manager", "admin"):
        raise SettingsError("ONRAMP_OIDC_DEFAULT_ROLE must be hr, manager or admin")
    return Settings(
        database_url=database_url,
        redis_url=os.environ.get("ONRAMP_REDIS_URL") or None,
        media_dir=Path(os.environ.get("ONRAMP_MEDIA_DIR") or var_dir / "media"),
        var_dir=var_dir,
        secret_key=_secret_key(var_dir),
        base_url=base_url,
        default_timezone=timezone,
        login_link_ttl_hours=_int("ONRAMP_LOGIN_LINK_TTL_HOURS", 7 * 24),
        session_ttl_hours=_int("ONRAMP_SESSION_TTL_HOURS", 30 * 24),
        staff_login_max_attempts=_int("ONRAMP_STAFF_LOGIN_MAX_ATTEMPTS", 5),
        staff_login_window_seconds=_int("ONRAMP_STAFF_LOGIN_WINDOW_SECONDS", 15 * 60),
        oidc_issuer=(os.environ.get("ONRAMP_OIDC_ISSUER") or "").rstrip("/") or None,
        oidc_client_id=os.environ.get("ONRAMP_OIDC_CLIENT_ID") or None,
        oidc_client_secret=os.environ.get("ONRAMP_OIDC_CLIENT_SECRET") or None,
        oidc_scopes=os.environ.get("ONRAMP_OIDC_SCOPES") or "openid email profile",
        oidc_button_label=os.environ.get("ONRAMP_OIDC_BUTTON_LABEL") or "SSO",
        oidc_default_role=oidc_role,
        base_url_configured=base_url_configured,
        room_rate_limit_count=_int("ONRAMP_ROOM_RATE_LIMIT_COUNT", 5),
        room_rate_limit_seconds=_int("ONRAMP_ROOM_RATE_LIMIT_SECONDS", 10),
        room_message_max_chars=_int("ONRAMP_ROOM_MESSAGE_MAX_CHARS", 1000),
        sla_check_seconds=_int("ONRAMP_SLA_CHECK_SECONDS", 30, minimum=0),
        video_max_bytes=_int("ONRAMP_VIDEO_MAX_BYTES", 500 * 1024 * 1024),
        field_key=os.environ.get("ONRAMP_FIELD_KEY") or "",
        resource_max_bytes=_int("ONRAMP_RESOURCE_MAX_MB", 20) * 1024 * 1024,
        upload_max_bytes=_int("ONRAMP_UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
    )
