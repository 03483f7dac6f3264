"""`dialer db`, `campaigns`, `lists`, `operators`: the schema, campaign definitions, contact lists, operators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

from dialer.config import Settings
from dialer.entrypoints.cli_common import campaign_or_exit, console, repository_or_exit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dialer.db.models import Campaign
    from dialer.db.repository import Repository
    from dialer.rules.inbound_spec import InboundSpec

db_app = typer.Typer(help="Database schema (alembic).", no_args_is_help=True)
campaigns_app = typer.Typer(help="Campaign definitions (campaigns/*.yaml).", no_args_is_help=True)
lists_app = typer.Typer(help="Contact lists.", no_args_is_help=True)
operators_app = typer.Typer(help="Operators.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or migrate the database named by DIALER_DATABASE_URL."""
    from dialer.db import migrate

    url = Settings().database_url
    migrate(url, revision)
    console.print(f"database at {url.split('@')[-1]} is at {revision}")


@campaigns_app.command("apply")
def campaigns_apply(path: Path) -> None:
    """Create or update a campaign from its YAML file."""
    from dialer.campaigns import apply_campaign_file
    from dialer.rules.campaign import CampaignDefinitionError

    try:
        campaign_id, definition = apply_campaign_file(repository_or_exit(Settings()), path)
    except CampaignDefinitionError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    console.print(f"campaign {definition.name!r} applied (id {campaign_id})")


@lists_app.command("import")
def lists_import(
    path: Path,
    campaign: Annotated[str, typer.Option(help="campaign name")],
    name: Annotated[str | None, typer.Option(help="list name (default: file name)")] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=field (repeatable): header text or column number -> field/extra/ignore"),
    ] = None,
) -> None:
    """Import a CSV/XLSX contact list into a campaign (all rows or none)."""
    from dialer.campaigns import import_list
    from dialer.entrypoints.cli_lists import parse_map_options, print_import_report
    from dialer.lists import ListFormatError
    from dialer.rules.campaign import parse_campaign

    overrides = parse_map_options(map_)
    repo = repository_or_exit(Settings())
    row = campaign_or_exit(repo, campaign)
    with Progress(
        SpinnerColumn(),
        TextColumn("importing {task.fields[file]}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=1.0, file=path.name, rows=0)
        try:
            report = import_list(
                repo,
                row.id,
                parse_campaign(row.definition, campaign),
                path,
                name,
                on_progress=lambda rows, done: progress.update(task, completed=done, rows=rows),
                mapping=overrides or None,
            )
        except ListFormatError as exc:
            console.print(f"[red]{path}: {exc}")
            raise typer.Exit(2) from None
    print_import_report(report)


@operators_app.command("add")
def operators_add(
    login: str,
    endpoint: Annotated[str, typer.Option(help="e.g. PJSIP/op1")],
    name: str = "",
    server: Annotated[
        str | None, typer.Option(help="the Asterisk server the softphone registers to (default: the default one)")
    ] = None,
) -> None:
    """Register an operator, the dial string of their softphone and their home Asterisk server."""
    repo = repository_or_exit(Settings())
    operator_id = repo.ensure_operator(login, name or login, endpoint)
    repo.set_operator_server(login, server)
    console.print(f"operator {login} (id {operator_id}) -> {endpoint} on {server or 'the default server'}")


@campaigns_app.command("export")
def campaigns_export(
    name: str,
    results: Annotated[Path | None, typer.Option(help="contacts with their latest outcome (.csv or .xlsx)")] = None,
    corporate: Annotated[Path | None, typer.Option(help="the corporate queue (.csv or .xlsx)")] = None,
    shifts: Annotated[Path | None, typer.Option(help="per operator and shift figures (.csv or .xlsx)")] = None,
    inbound: Annotated[
        Path | None, typer.Option(help="a blended campaign's inbound queue figures per day (.csv or .xlsx)")
    ] = None,
) -> None:
    """Export a campaign's results and its corporate queue for Excel (formula injection neutralised)."""
    from dialer.campaigns import corporate_row
    from dialer.lists.export import CORPORATE_HEADER, RESULTS_HEADER, result_rows, write_table
    from dialer.web.queries import WebQueries

    repo = repository_or_exit(Settings())
    row = campaign_or_exit(repo, name)
    if inbound is not None:  # refused before any file is written, not after the others
        inbound_spec_or_exit(row)
    queries = WebQueries(repo.sessions)
    if results is not None:
        n = write_table(results, RESULTS_HEADER, result_rows(queries.result_rows(row.id)), sheet_title="Results")
        console.print(f"{n} contacts -> {results}")
    if shifts is not None:
        header = (
            "Оператор / Operator",
            "Начало / Shift start",
            "Конец / Shift end",
            "Разговоров / Conversations",
            "Из них входящих / Of them inbound",
            "Длительность (сек) / Talk time (s)",
            "Результаты / Outcomes",
            "Конверсия / Conversion",
        )
        rows = (
            [
                f.operator,
                f.started_at.replace(tzinfo=None),
                f.ended_at.replace(tzinfo=None) if f.ended_at else None,
                f.calls,
                f.inbound_calls,
                round(f.talk_s),
                ", ".join(f"{k}: {v}" for k, v in f.outcomes.items()),
                round(f.conversion, 3),
            ]
            for f in repo.shift_figures(row.id)
        )
        n = write_table(shifts, header, rows, sheet_title="Operators")
        console.print(f"{n} shifts -> {shifts}")
    if inbound is not None:
        export_inbound_days(repo, row, inbound)
    if corporate is not None:
        contacts = queries.corporate_contacts(row.id)
        n = write_table(corporate, CORPORATE_HEADER, (corporate_row(x) for x in contacts), sheet_title="Corporate")
        console.print(f"{n} contacts -> {corporate}")


def inbound_spec_or_exit(row: Campaign) -> InboundSpec:
    """The campaign's inbound section (with the admin's target), or exit 1 saying why there is none."""
    from dialer.rules.campaign import CampaignDefinitionError
    from dialer.service.campaign_config import inbound_of

    try:
        spec = inbound_of(row)
    except CampaignDefinitionError as exc:
        console.print(f"[red]campaign {row.name!r}: {exc}[/red]")
        raise typer.Exit(1) from None
    if spec is None:
        console.print(f"[red]campaign {row.name!r} takes no inbound calls: no inbound figures[/red]")
        raise typer.Exit(1)
    return spec


def export_inbound_days(repo: Repository, row: Campaign, path: Path) -> None:
    """Per local day of the campaign (`inbound.timezone`, named in the header): callers, answered, answered in
    time, service level against the target, average speed of answer, queue abandons, sent to a callback
    (dialer.rules.inbound_figures has the definitions)."""
    from dialer.db.inbound import inbound_by_day
    from dialer.lists.export import CellValue, write_table

    spec = inbound_spec_or_exit(row)
    target, zone = spec.service_level.target(), spec.zone()
    header = (
        f"День ({zone.key}) / Day ({zone.key})",
        "Звонивших / Callers",
        "Отвечено / Answered",
        f"Отвечено за {target.within_s:g} сек / Answered within {target.within_s:g} s",
        "Уровень обслуживания / Service level",
        "Цель / Target",
        "Среднее время ответа (сек) / Average speed of answer (s)",
        "Сброшены в очереди / Queue abandons",
        "Переведены на перезвон / Sent to a callback",
    )
    rows: Iterator[list[CellValue]] = (
        [
            day,
            f.offered,
            f.answered,
            f.answered_in_time,
            round(f.service_level, 4),
            target.share,
            round(f.average_speed_of_answer_s, 1),
            f.abandoned,
            f.sent_to_callback,
        ]
        for day, f in inbound_by_day(repo.sessions, row.id, target.within_s, zone)
    )
    n = write_table(path, header, rows, sheet_title="Inbound")
    console.print(f"{n} days -> {path}")


@campaigns_app.command("start")
def campaigns_start(name: str) -> None:
    """Let the scheduler dial the campaign (within its dates and each callee's calling window)."""
    _set_status(name, "running")


@campaigns_app.command("pause")
def campaigns_pause(name: str) -> None:
    _set_status(name, "paused")


@campaigns_app.command("stop")
def campaigns_stop(name: str) -> None:
    _set_status(name, "stopped")


def _set_status(name: str, status: str) -> None:
    repo = repository_or_exit(Settings())
    row = campaign_or_exit(repo, name)
    repo.set_campaign_status(row.id, status)
    console.print(f"campaign {name!r} is {status}")
