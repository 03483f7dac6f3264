"""What every command shares: the console, the repository (once the schema is the code's), a campaign by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

from dialer.config import Settings
from dialer.entrypoints.cli_messages import say

if TYPE_CHECKING:
    from dialer.db.models import Campaign
    from dialer.db.repository import Repository

console = Console()


def repository_or_exit(settings: Settings) -> Repository:
    """The repository, once the database schema is the code's (a clear word instead of SQL errors)."""
    from dialer.bootstrap import repository
    from dialer.db import schema_revisions

    current, head = schema_revisions(settings.database_url)
    if current != head:
        where = settings.database_url.split("@")[-1]
        console.print(
            say("db_behind", where=where, current=current or say("schema_none"), head=head), style="red", markup=False
        )
        raise typer.Exit(2)
    return repository(settings)


def campaign_or_exit(repo: Repository, name: str) -> Campaign:
    """The campaign of that name, or a clear word and exit code 2."""
    row = repo.campaign_by_name(name)
    if row is None:
        console.print(say("no_campaign", name=name), style="red", markup=False)
        raise typer.Exit(2)
    return row


def campaign_id_or_exit(repo: Repository, name: str | None) -> int | None:
    """The id of the campaign named by an optional --campaign (None: every campaign)."""
    return None if name is None else campaign_or_exit(repo, name).id
