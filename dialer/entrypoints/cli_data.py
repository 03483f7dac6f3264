"""`dialer db`, `campaigns`, `lists`, `operators`: the schema, campaign definitions, contact lists, operators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

from dialer.config import Settings
from dialer.entrypoints.cli_common import campaign_or_exit, console, repository_or_exit
from dialer.entrypoints.cli_messages import campaign_problems, say

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
    console.print(say("db_upgraded", where=url.split("@")[-1], revision=revision), markup=False)


@campaigns_app.command("apply")
def campaigns_apply(path: Path) -> None:
    """Create or update a campaign from its YAML file."""
    from dialer.campaigns import apply_campaign_file
    from dialer.rules.campaign import CampaignDefinitionError

    try:
        campaign_id, definition = apply_campaign_file(repository_or_exit(Settings()), path)
    except CampaignDefinitionError as exc:
        console.print(say("campaign_invalid", source=exc.source), style="red", markup=False)
        for problem in campaign_problems(exc):  # 'field.path: message': the field as the file names it
            console.print(f"  - {problem}", style="red", markup=False)
        raise typer.Exit(2) from None
    console.print(say("campaign_applied", name=definition.name, id=campaign_id), markup=False)


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
    from dialer.entrypoints.cli_language import reason
    from dialer.entrypoints.cli_lists import parse_map_options, print_import_report
    from dialer.lists import ListFormatError
    from dialer.rules.campaign import parse_campaign

    overrides = parse_map_options(map_)
    repo = repository_or_exit(Settings())
    row = campaign_or_exit(repo, campaign)
    with Progress(
        SpinnerColumn(),
        TextColumn(say("importing", file="{task.fields[file]}"), markup=False),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn(say("rows_so_far", rows="{task.fields[rows]:,}"), markup=False),
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
            console.print(say("list_file_error", path=path, error=reason(str(exc))), style="red", markup=False)
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
    if server is None:
        console.print(say("operator_added_default", login=login, id=operator_id, endpoint=endpoint), markup=False)
    else:
        console.print(
            say("operator_added", login=login, id=operator_id, endpoint=endpoint, server=server), markup=False
        )


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
        console.print(say("exported_contacts", n=n, path=results), markup=False)
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
        console.print(say("exported_shifts", n=n, path=shifts), markup=False)
    if inbound is not None:
        export_inbound_days(repo, row, inbound)
    if corporate is not None:
        contacts = queries.corporate_contacts(row.id)
        n = write_table(corporate, CORPORATE_HEADER, (corporate_row(x) for x in contacts), sheet_title="Corporate")
        console.print(say("exported_contacts", n=n, path=corporate), markup=False)


def inbound_spec_or_exit(row: Campaign) -> InboundSpec:
    """The campaign's inbound section (with the admin's target), or exit 1 saying why there is none."""
    from dialer.rules.campaign import CampaignDefinitionError
    from dialer.service.campaign_config import inbound_of

    try:
        spec = inbound_of(row)
    except CampaignDefinitionError as exc:
        problems = "; ".join(campaign_problems(exc))
        console.print(say("campaign_error", name=row.name, error=problems), style="red", markup=False)
        raise typer.Exit(1) from None
    if spec is None:
        console.print(say("no_inbound", name=row.name), style="red", markup=False)
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
    console.print(say("exported_days", n=n, path=path), markup=False)


@campaigns_app.command("start")
def campaigns_start(name: str) -> None:
    """Let the scheduler dial the campaign (within its dates and each callee's calling window)."""
    _set_status(name, "running")


@campaigns_app.command("pause")
def campaigns_pause(name: str) -> None:
    """Mark the campaign paused: the scheduler dials it no more until `start`."""
    _set_status(name, "paused")


@campaigns_app.command("stop")
def campaigns_stop(name: str) -> None:
    """Mark the campaign stopped: the scheduler dials it no more."""
    _set_status(name, "stopped")


def _set_status(name: str, status: str) -> None:
    repo = repository_or_exit(Settings())
    row = campaign_or_exit(repo, name)
    repo.set_campaign_status(row.id, status)
    console.print(say(f"campaign_{status}", name=name), markup=False)
