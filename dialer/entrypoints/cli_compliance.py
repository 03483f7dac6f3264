"""`dialer dnc`, `registers`, `compliance`: do-not-call lists, national registers, evidence reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dialer.config import Settings
from dialer.entrypoints.cli_common import campaign_id_or_exit, campaign_or_exit, console, repository_or_exit
from dialer.entrypoints.cli_language import day, moment, reason
from dialer.entrypoints.cli_messages import say

compliance_app = typer.Typer(help="Compliance evidence.", no_args_is_help=True)
dnc_app = typer.Typer(help="Do-not-call lists (global or per campaign).", no_args_is_help=True)
registers_app = typer.Typer(help="National opt-out registers (TPS, CTPS, US_DNC...).", no_args_is_help=True)


@dnc_app.command("add")
def dnc_add(
    phone: str,
    campaign: Annotated[str | None, typer.Option(help="only for this campaign (default: every campaign)")] = None,
    reason: Annotated[str | None, typer.Option(help="why, as the callee said it")] = None,
) -> None:
    """Put one number on the do-not-call list; the next lease honours it."""
    from dialer.dnc import read_dnc_text

    lines = list(read_dnc_text(phone))
    line = lines[0] if len(lines) == 1 else None
    if line is None or line.phone is None:
        console.print(say("not_a_phone", phone=phone), style="red", markup=False)
        raise typer.Exit(2)
    repo = repository_or_exit(Settings())
    added = repo.add_do_not_call_many(
        [line.phone], campaign_id=campaign_id_or_exit(repo, campaign), source="cli", reason=reason
    )
    console.print(say("dnc_added" if added else "dnc_already", phone=line.phone), markup=False)


@dnc_app.command("import")
def dnc_import(
    path: Path,
    campaign: Annotated[str | None, typer.Option(help="only for this campaign (default: every campaign)")] = None,
) -> None:
    """Add every number of a file (a list, or a CSV whose first column is the number)."""
    from dialer.dnc import read_dnc_text

    repo = repository_or_exit(Settings())
    campaign_id = campaign_id_or_exit(repo, campaign)
    lines = list(read_dnc_text(path.read_text(encoding="utf-8-sig", errors="replace")))
    bad = [x for x in lines if x.phone is None]
    added = repo.add_do_not_call_many(
        [x.phone for x in lines if x.phone is not None], campaign_id=campaign_id, source=f"file:{path.name}"
    )
    console.print(say("dnc_imported", read=len(lines) - len(bad), added=added, bad=len(bad)), markup=False)
    for x in bad[:20]:
        console.print(say("line_problem", line=x.line, error=reason(x.error or "")), markup=False)


@dnc_app.command("remove")
def dnc_remove(
    phone: str,
    campaign: Annotated[str | None, typer.Option(help="the campaign's list (default: the global list)")] = None,
    reason: Annotated[str | None, typer.Option(help="why (e.g. the person asked to be called again)")] = None,
) -> None:
    """Take a number off a do-not-call list; the opt-out stays in the history, stamped as removed."""
    from dialer.db.compliance_store import remove_do_not_call
    from dialer.dnc import read_dnc_text

    lines = list(read_dnc_text(phone))
    if len(lines) != 1 or lines[0].phone is None:
        console.print(say("not_a_phone", phone=phone), style="red", markup=False)
        raise typer.Exit(2)
    repo = repository_or_exit(Settings())
    e164 = lines[0].phone
    n = remove_do_not_call(
        repo.sessions, e164, campaign_id=campaign_id_or_exit(repo, campaign), source="cli", reason=reason
    )
    repo.audit("dnc.remove", e164, {"campaign": campaign, "reason": reason, "rows": n})
    console.print(say("dnc_removed" if n else "dnc_not_there", phone=e164), markup=False)


@registers_app.command("load")
def registers_load(
    name: str,
    path: Path,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="date of the register's data, YYYY-MM-DD (default: the file's)")
    ] = None,
    region: Annotated[str | None, typer.Option(help="region of numbers without a country code (TPS: GB)")] = None,
) -> None:
    """Load a register file (one number a line, or a CSV whose first column is the number) as NAME,
    replacing its previous numbers. Campaigns whose profile screens NAME refuse to start when it is too old."""
    from datetime import UTC, datetime

    from dialer.db.compliance_store import load_register_file

    repo = repository_or_exit(Settings())
    try:
        when = datetime.fromisoformat(as_of).replace(tzinfo=UTC) if as_of else None
    except ValueError:
        raise typer.BadParameter(say("date_bad", option="--as-of", value=as_of)) from None
    try:
        result = load_register_file(repo.sessions, name, path, as_of=when, region=region, loaded_by="cli")
    except ValueError as exc:
        console.print(reason(str(exc)), style="red", markup=False)
        raise typer.Exit(2) from None
    st = result.state
    repo.audit("register.load", st.name, {"file": path.name, "numbers": st.numbers, "as_of": st.as_of.isoformat()})
    as_of_day, bad = day(st.as_of), len(result.bad_lines)
    console.print(say("register_loaded", name=st.name, numbers=st.numbers, as_of=as_of_day, bad=bad), markup=False)
    for line, error in result.bad_lines[:20]:
        console.print(say("line_problem", line=line, error=reason(error)), markup=False)


@registers_app.command("list")
def registers_list() -> None:
    """Every loaded register with the date of its data and its size."""
    from dialer.db.compliance_store import register_states

    for st in register_states(repository_or_exit(Settings()).sessions).values():
        loaded, as_of_day = moment(st.loaded_at), day(st.as_of)
        console.print(
            say("register_state", name=st.name, numbers=st.numbers, as_of=as_of_day, loaded=loaded), markup=False
        )


@compliance_app.command("report")
def compliance_report(
    campaign: str,
    start: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
    out: Annotated[Path, typer.Option(help="directory for the report files")] = Path("evidence"),
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx")] = "xlsx",
    profile: Annotated[str | None, typer.Option(help="US | UK | RU | RU_COLLECTION (default: the campaign's)")] = None,
    report_tz: Annotated[str, typer.Option("--tz", help="time zone of the report's days")] = "UTC",
) -> None:
    """The evidence report: calls, live answers, abandons per day and rolling 30 days, AMD, calls
    outside the window, blocked dials, connect latency, abandon messages; every figure with its attempts."""
    from datetime import date

    from dialer.adapters.compliance_evidence import NoComplianceProfile, campaign_evidence, write_evidence_files

    days = []
    for option, value in (("--from", start), ("--to", end)):
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            raise typer.BadParameter(say("date_bad", option=option, value=value)) from None
    repo = repository_or_exit(Settings())
    row = campaign_or_exit(repo, campaign)
    try:
        report = campaign_evidence(
            repo.sessions,
            row,
            period_start=days[0],
            period_end=days[1],
            profile_code=profile,
            report_tz=report_tz,
        )
    except NoComplianceProfile as exc:
        console.print(reason(str(exc)), style="red", markup=False)
        console.print("--profile US | UK | RU | RU_COLLECTION", markup=False)
        raise typer.Exit(2) from None
    except ValueError as exc:  # an unknown profile or a bad period
        console.print(reason(str(exc)), style="red", markup=False)
        raise typer.Exit(2) from None
    for path in write_evidence_files(report, out, fmt):
        console.print(say("wrote", path=path), markup=False)
