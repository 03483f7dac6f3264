"""`dialer web run` and `dialer users create`, as Typer apps the main CLI mounts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from dialer.config import Settings

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
    from dialer.web.queries import WebQueries
    from dialer.web.security import ROLES, hash_password
    from dialer.web.users import valid_username

    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    if not valid_username(username):
        raise typer.BadParameter("2-80 letters (any script), digits, and . _ @ -")
    repo = _repo(Settings())
    queries = WebQueries(repo.sessions)
    if queries.user_by_username(username) is not None:
        typer.echo(f"user {username!r} exists (names are compared ignoring case)", err=True)
        raise typer.Exit(1)
    operator_id = None
    if operator is not None:
        op = repo.operator(operator)
        if op is None:
            typer.echo(f"no operator {operator!r}; add it with `dialer operators add`", err=True)
            raise typer.Exit(2)
        holder = queries.user_of_operator(op.id)
        if holder is not None:
            typer.echo(f"operator {operator!r} is already linked to user {holder.username!r}", err=True)
            raise typer.Exit(2)
        operator_id = op.id
    elif role == "operator":
        raise typer.BadParameter("an operator user needs --operator LOGIN")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        typer.echo("the password needs at least 10 characters", err=True)
        raise typer.Exit(2)
    user_id = queries.create_user(username, hash_password(password), role, operator_id)
    queries.audit(None, "user.create", f"user:{user_id}", username=username, role=role, via="cli")
    typer.echo(f"user {username} ({role}) created, id {user_id}")


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
        typer.echo(f"no user {username!r}", err=True)
        raise typer.Exit(1)
    secret = None if disable else new_secret()
    queries.update_user(row.id, totp_secret=secret)
    drop_user_sessions(repo.sessions, row.id)  # signed in again, with the code
    queries.audit(None, "user.totp", f"user:{row.id}", enabled=not disable, via="cli")
    if secret is None:
        typer.echo(f"second factor removed for {row.username}")
    else:
        typer.echo(f"secret: {secret}\nadd to an authenticator app: {provisioning_uri(secret, row.username)}")
