"""The ``onramp`` command."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC

import click

from portal.config import SettingsError, get_settings


def _run(coroutine):  # type: ignore[no-untyped-def]
    async def with_engine():  # type: ignore[no-untyped-def]
        from portal.db import close_engine, migrate

        await migrate()
        try:
            return await coroutine
        finally:
            await close_engine()

    return asyncio.run(with_engine())


@click.group()
def main() -> None:
    """Onramp: the candidate pre-boarding portal."""
    from portal.i18n import set_locale

    # Operators read the command's messages; the code, docs and logs are English too.
    set_locale("en")
    try:
        get_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""

    async def nothing() -> None:
        return None

    _run(nothing())
    click.echo("Database is up to date.")


def _print_demo(result) -> None:  # type: ignore[no-untyped-def]
    click.echo("Candidate sign-in links (each works once):")
    for name, url in result.links:
        click.echo(f"  {name}: {url}")
    if result.staff_passwords:
        click.echo("Staff accounts (sign in at /admin/login):")
        for email, password in result.staff_passwords:
            click.echo(f"  {email}  password: {password}")


@main.command()
def demo() -> None:
    """Load demo data (idempotent) and print sign-in links."""
    from portal.demo import load_demo

    _print_demo(_run(load_demo()))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--demo", "with_demo", is_flag=True, help="Load demo data and print sign-in links.")
def serve(host: str, port: int, workers: int, with_demo: bool) -> None:
    """Apply migrations, then serve the portal, admin and API."""
    import os

    import uvicorn

    if workers > 1 and not get_settings().redis_url:
        # Each worker would hold its own share of a room's members: messages sent through
        # one worker would not reach people connected to another until they reconnect.
        raise click.UsageError(
            "--workers above 1 needs ONRAMP_REDIS_URL: the Q&A rooms share messages "
            "between workers through Redis."
        )
    if not get_settings().base_url_configured:
        # Sign-in links must point where this server listens; workers inherit the variable.
        os.environ["ONRAMP_BASE_URL"] = local_base_url(host, port)
        get_settings.cache_clear()

    if with_demo:
        from portal.demo import load_demo

        _print_demo(_run(load_demo()))
    else:

        async def nothing() -> None:
            return None

        _run(nothing())
    click.echo(f"Serving on http://{host}:{port}  (admin: /admin, API docs: /schema)")
    uvicorn.run("onramp.asgi:app", host=host, port=port, workers=workers, **UVICORN_OPTIONS)


# How ``onramp serve`` runs uvicorn (bench/page_rps.py serves its reference app the same way).
UVICORN_OPTIONS: dict[str, object] = {
    "proxy_headers": True,
    # asyncio's loop, not uvloop: libuv accepts one connection per loop iteration (libuv
    # #3696), so when a cohort opens its link at once, each new connection waited for a
    # whole iteration of other people's pages: 32 phones took 0.5 s to be accepted, the
    # p99 tail of every page under load. asyncio accepts all waiting connections at once.
    "loop": "asyncio",
    "log_level": "info",
    # Request headers (and websocket handshakes) must arrive within
    # ONRAMP_HEADER_TIMEOUT_SECONDS: half-open connections are closed.
    "http": "onramp.http_protocol:HeaderTimeoutProtocol",
    "timeout_keep_alive": 5,
    # A cohort reconnecting at once (Redis restarted, a deploy) queues here, not in
    # refused connections.
    "backlog": 4096,
    # The rooms' fan-out relies on this implementation's non-blocking send (see
    # portal/realtime/connection.py); pings find dead phones, frames stay small.
    "ws": "websockets-sansio",
    "ws_ping_interval": 20.0,
    "ws_ping_timeout": 20.0,
    "ws_max_size": 64 * 1024,
    # Frames are a few hundred bytes; per-socket compression contexts cost far more
    # CPU and memory than they save when one message goes to thousands of members.
    "ws_per_message_deflate": False,
}


def local_base_url(host: str, port: int) -> str:
    """The URL people on this machine use to reach ``onramp serve --host H --port P``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - not binding
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


@main.command("settings")
def settings_table() -> None:
    """Print every ONRAMP_* setting with its default and meaning (a Markdown table)."""
    from portal.config import settings_table as table

    click.echo(table())


@main.command("create-staff")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "hr", "manager"]))
@click.option("--name", default="")
@click.option("--department", "department_name", default=None, help="Required for managers.")
@click.option("--password", default=None, help="Asked for when omitted; '-' generates one.")
def create_staff(
    email: str, role: str, name: str, department_name: str | None, password: str | None
) -> None:
    """Create a staff account (admin, hr or manager)."""
    from portal.auth.passwords import password_generate
    from portal.domain.errors import ValidationFailed
    from portal.domain.organisation.tables import Department
    from portal.domain.staff.accounts import staff_create

    generated = False
    if password is None and sys.stdin.isatty():
        password = click.prompt(
            "Password (empty to generate one)", default="", hide_input=True, show_default=False
        )
    if not password or password == "-":
        password = password_generate()
        generated = True

    async def create() -> None:
        department_id = None
        if department_name:
            department = await Department.objects().get(Department.name == department_name)
            if department is None:
                raise click.ClickException(f"No department named {department_name!r}.")
            department_id = department.id
        await staff_create(
            email=email, role=role, name=name, password=password, department_id=department_id
        )

    try:
        _run(create())
    except ValidationFailed as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} {email}.")
    if generated:
        click.echo(f"Password: {password}")


@main.command("login-link")
@click.argument("contact")
def login_link(contact: str) -> None:
    """Print a single-use sign-in URL for the candidate with this phone or e-mail."""
    from portal.domain.candidates.login_links import candidate_find_by_contact, login_link_create
    from portal.domain.errors import DomainError

    async def create() -> str:
        candidate = await candidate_find_by_contact(contact)
        if candidate is None:
            raise click.ClickException(f"No candidate with phone or e-mail {contact!r}.")
        try:
            return await login_link_create(candidate_id=candidate.id)
        except DomainError as error:
            raise click.ClickException(str(error)) from None

    click.echo(_run(create()))


@main.group()
def token() -> None:
    """API tokens for the integration API."""


@token.command("create")
@click.option("--name", required=True)
def token_create(name: str) -> None:
    """Print a new API token (shown once; only its hash is stored)."""
    from portal.domain.errors import ValidationFailed
    from portal.domain.staff.api_tokens import api_token_create

    try:
        click.echo(_run(api_token_create(name=name)))
    except ValidationFailed as error:
        raise click.ClickException(str(error)) from None


def _when(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@token.command("list")
def token_list() -> None:
    """List the API tokens: prefix, name, created, last used, revoked."""
    from portal.domain.staff.api_tokens import api_tokens

    tokens = _run(api_tokens())
    if not tokens:
        click.echo("No API tokens.")
        return
    for item in tokens:
        # Stored times are UTC; printed as such whatever the database returns.
        created, used, revoked = (
            moment.astimezone(UTC) if moment else None
            for moment in (item.created_at, item.last_used_at, item.revoked_at)
        )
        state = f"revoked {_when(revoked)}" if revoked else "active"
        click.echo(
            f"{item.prefix}  {item.name}  created {_when(created)}  "
            f"last used {_when(used)}  {state}"
        )


@token.command("revoke")
@click.argument("key")
def token_revoke(key: str) -> None:
    """Revoke the API token KEY names: its prefix (see `token list`), the token, or its name.

    Exits 1, revoking nothing, when no token or several active ones match.
    """
    from portal.domain.errors import DomainError
    from portal.domain.staff.api_tokens import api_token_revoke_by_key

    try:
        revocation = _run(api_token_revoke_by_key(key=key))
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    revoked = revocation.token
    if revocation.revoked_now:
        click.echo(f"Revoked API token {revoked.prefix} ({revoked.name}).")
    else:
        when = _when(revoked.revoked_at.astimezone(UTC) if revoked.revoked_at else None)
        click.echo(f"API token {revoked.prefix} ({revoked.name}) was already revoked on {when}.")


@main.group()
def risk() -> None:
    """Drop-out risk: recompute the scores, evaluate a fitted model."""


@risk.command("recompute")
def risk_recompute_command() -> None:
    """Recompute every active candidate's risk now (each process also does it hourly)."""
    from portal.domain.insights.risk import risk_recompute

    result = _run(risk_recompute())
    click.echo(f"Scored {result.scored} candidates; {result.written} scores changed.")


@risk.command("evaluate")
@click.option("--save", is_flag=True, help="Save the fitted model if it beats the one in use.")
def risk_evaluate_command(save: bool) -> None:
    """Fit a logistic regression on past cohorts and compare it with the model in use."""
    from portal.domain.insights.evaluation import (
        evaluation_report,
        history_samples,
        risk_evaluate,
        risk_model_save,
    )
    from portal.domain.insights.risk import active_model

    async def evaluate() -> str:
        model = await active_model()
        evaluation = risk_evaluate(
            await history_samples(), lambda inputs: model.score(inputs).score
        )
        report = evaluation_report(evaluation, model.version)
        if not evaluation.enough:
            return report
        if not evaluation.fitted_is_better:
            return report + f"\nThe fitted model does not beat {model.version}: kept."
        if not save:
            return report + "\nThe fitted model is better; run with --save to use it."
        return report + f"\nSaved and in use: {await risk_model_save(evaluation)}."

    click.echo(_run(evaluate()))


@main.group()
def insights() -> None:
    """The activity record behind the insights."""


@insights.command("retention")
def insights_retention() -> None:
    """Sum activity older than ONRAMP_ACTIVITY_RETENTION_DAYS per day and cohort; delete it."""
    from portal.domain.insights.retention import activity_retention_apply

    result = _run(activity_retention_apply())
    click.echo(f"Summed and deleted {result.deleted} events of {result.days} days.")


if __name__ == "__main__":
    main()
