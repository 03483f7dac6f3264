# ruff: noqa: RUF001  (Russian text is intentional here)
"""CLI commands for lists and the numbering plan: `dialer numbering load|list`, and the parts of
`dialer lists import` that are list logic (`--map`, the printed report). `dialer.cli` registers them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from dialer.lists.report import ImportReport

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
            raise typer.BadParameter(
                f"--map {value!r}: expected COLUMN=field, e.g. --map 'Моб. тел.=phone' or --map 7=extra"
                f" / ожидается КОЛОНКА=поле"
            )
        key: str | int = int(column) if column.strip().isdigit() else column.strip()
        t = target.strip()
        out[key] = None if t.lower() in _IGNORE else t
    return out


def print_import_report(report: ImportReport) -> None:
    for line in report.summary().splitlines():  # the one rendering of the report (dialer.lists.report)
        console.print(escape(line))


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
            console.print(f"[red]{escape(str(exc))}")
            failed = True
            continue
        repo.audit("numbering.load", path.name, {"ranges": result.ranges, "codes": len(result.codes)})
        console.print(
            f"{path.name}: {result.ranges} ranges / диапазонов, {len(result.codes)} codes / кодов,"
            f" {len(result.bad_rows)} rows not ranges / строк с ошибками"
        )
        for err in result.bad_rows[:20]:
            console.print(f"  {escape(str(err))}")
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
        console.print("no numbering plan loaded / реестр нумерации не загружен (dialer numbering load FILE...)")
    for f in rows:
        console.print(f"{f.name}: {f.ranges} ranges, data of {f.as_of:%Y-%m-%d}, loaded {f.loaded_at:%Y-%m-%d %H:%M}")
