"""`dialer web run` and `dialer users create`, as Typer apps the main CLI mounts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dialer.config import Settings
from dialer.entrypoints.cli_messages import say

if TYPE_CHECKING:
    from dialer.db.repository import Repository

web_app = typer.Typer(help="The web app (operator desk, campaigns, pacing console, QA).", no_args_is_help=True)
users_app = typer.Typer(help="Web app users.", no_args_is_help=True)


@web_app.callback()
def _web() -> None:
    """Keeps `web` a command group (`dialer web run`) even with one command."""


@users_app.callback()
def _users() -> None:
    """Keeps `users` a command group (`dialer users create`) even with one command."""


def _repo(settings: Settings) -> Repository:
    from dialer.bootstrap import repository

    return repository(settings)


@web_app.command("run")
def run(
    host: Annotated[str | None, typer.Option(help="listen address (default DIALER_WEB_HOST or 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default DIALER_WEB_PORT or 8000)")] = None,
) -> None:
    """Serve the web app alone (no live dialer: Ready/Pause need `dialer serve --web`)."""
    import uvicorn

    from dialer.bootstrap import web_app
    from dialer.web.settings import WebSettings

    try:
        settings, web = Settings(), WebSettings()  # refuses e.g. webhook URLs without a secret
        web.secret_value()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    app = web_app(settings, _repo(settings), None, web=web)
    uvicorn.run(app, host=host or web.host, port=port or web.port, proxy_headers=False, log_level="info")


@users_app.command("create")
def create(
    username: str,
    role: Annotated[str, typer.Option(help="admin | manager | supervisor | operator | qa")],
    operator: Annotated[str | None, typer.Option(help="operator login (softphone) of an operator user")] = None,
    password_stdin: Annotated[bool, typer.Option(help="read the password from standard input")] = False,
) -> None:
    """Create a web user (the first admin is made this way)."""
    from dialer.web.account import MIN_PASSWORD
    from dialer.web.queries import WebQueries
    from dialer.web.security import ROLES, hash_password
    from dialer.web.users import valid_username

    if role not in ROLES:
        raise typer.BadParameter(say("role_bad", roles=", ".join(ROLES)))
    if not valid_username(username):
        raise typer.BadParameter(say("username_bad"))
    repo = _repo(Settings())
    queries = WebQueries(repo.sessions)
    if queries.user_by_username(username) is not None:
        typer.echo(say("user_exists", name=username), err=True)
        raise typer.Exit(1)
    operator_id = None
    if operator is not None:
        op = repo.operator(operator)
        if op is None:
            typer.echo(say("no_operator", login=operator), err=True)
            raise typer.Exit(2)
        holder = queries.user_of_operator(op.id)
        if holder is not None:
            typer.echo(say("operator_taken", login=operator, user=holder.username), err=True)
            raise typer.Exit(2)
        operator_id = op.id
    elif role == "operator":
        raise typer.BadParameter(say("operator_user_needs_login"))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(say("password_prompt"), hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        typer.echo(say("password_short", min=MIN_PASSWORD), err=True)
        raise typer.Exit(2)
    user_id = queries.create_user(username, hash_password(password), role, operator_id)
    queries.audit(None, "user.create", f"user:{user_id}", username=username, role=role, via="cli")
    typer.echo(say("user_created", name=username, role=role, id=user_id))


@users_app.command("totp")
def totp(
    username: str,
    disable: Annotated[bool, typer.Option(help="remove the second factor instead")] = False,
) -> None:
    """Enrol a user (admins) in the TOTP second factor: prints the secret and the otpauth:// URI once."""
    from dialer.web.queries import WebQueries
    from dialer.web.state import drop_user_sessions
    from dialer.web.totp import new_secret, provisioning_uri

    repo = _repo(Settings())
    queries = WebQueries(repo.sessions)
    row = queries.user_by_username(username)
    if row is None:
        typer.echo(say("no_user", name=username), err=True)
        raise typer.Exit(1)
    secret = None if disable else new_secret()
    queries.update_user(row.id, totp_secret=secret)
    drop_user_sessions(repo.sessions, row.id)  # signed in again, with the code
    queries.audit(None, "user.totp", f"user:{row.id}", enabled=not disable, via="cli")
    if secret is None:
        typer.echo(say("totp_removed", name=row.username))
    else:
        typer.echo(say("totp_secret", secret=secret, uri=provisioning_uri(secret, row.username)))
