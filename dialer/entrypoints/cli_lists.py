"""CLI commands for lists and the numbering plan: `dialer numbering load|list`, and the parts of
`dialer lists import` that are list logic (`--map`, the printed report). `dialer.cli` registers them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from dialer.entrypoints.cli_language import day, language, moment, reason
from dialer.entrypoints.cli_messages import say
from dialer.lists.report import ImportReport, row_problem

numbering_app = typer.Typer(
    help="The Russian numbering plan register (operator, region and time zone of +7 numbers).",
    no_args_is_help=True,
)
console = Console()

#: --map values, besides field names, that switch a column off.
_IGNORE = ("ignore", "none", "-")


def parse_map_options(values: list[str] | None) -> dict[str | int, str | None]:
    """`--map COLUMN=field` (repeatable): COLUMN is a header text or a 1-based column number; field is a
    contact field, `phone`, `extra` or `ignore`. Raises typer.BadParameter naming the bad option."""
    out: dict[str | int, str | None] = {}
    for value in values or []:
        column, sep, target = value.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise typer.BadParameter(say("map_bad", value=value))
        key: str | int = int(column) if column.strip().isdigit() else column.strip()
        t = target.strip()
        out[key] = None if t.lower() in _IGNORE else t
    return out


def print_import_report(report: ImportReport) -> None:
    lang = language()  # the one rendering of the report (dialer.lists.report), in this run's language
    for line in report.summary(lang=lang, reason=lambda sentence: reason(sentence, lang)).splitlines():
        console.print(line, markup=False, soft_wrap=True)  # one line a figure: grep and copy keep it whole


@numbering_app.command("load")
def numbering_load(
    files: Annotated[list[Path], typer.Argument(help="ABC-3xx.csv ABC-4xx.csv ABC-8xx.csv DEF-9xx.csv")],
) -> None:
    """Load register files; each replaces the ranges of the ABC/DEF codes it has (one transaction a file)."""
    from dialer.config import Settings
    from dialer.db.numbering import load_numbering_file
    from dialer.entrypoints.cli_common import repository_or_exit
    from dialer.lists.errors import ListFormatError

    repo = repository_or_exit(Settings())
    failed = False
    for path in files:
        try:
            result = load_numbering_file(repo.sessions, path, loaded_by="cli")
        except (ListFormatError, OSError) as exc:
            console.print(reason(str(exc)), style="red", markup=False)
            failed = True
            continue
        repo.audit("numbering.load", path.name, {"ranges": result.ranges, "codes": len(result.codes)})
        console.print(
            say(
                "numbering_loaded",
                file=path.name,
                ranges=result.ranges,
                codes=len(result.codes),
                bad=len(result.bad_rows),
            ),
            markup=False,
        )
        for err in result.bad_rows[:20]:
            console.print(f"  {row_problem(err, language(), reason)}", markup=False)
    if failed:
        raise typer.Exit(2)


@numbering_app.command("list")
def numbering_list() -> None:
    """The register files loaded, with their date and size."""
    from dialer.config import Settings
    from dialer.db.numbering import numbering_files
    from dialer.entrypoints.cli_common import repository_or_exit

    rows = numbering_files(repository_or_exit(Settings()).sessions)
    if not rows:
        console.print(say("numbering_none"), markup=False)
    for f in rows:
        console.print(
            say("numbering_file", name=f.name, ranges=f.ranges, as_of=day(f.as_of), loaded=moment(f.loaded_at)),
            markup=False,
        )
