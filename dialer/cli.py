"""`dialer` command line."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

from dialer.config import Settings
from dialer.doctor.command import doctor

if TYPE_CHECKING:
    from dialer.db.models import Campaign
    from dialer.db.repository import Repository
    from dialer.service import DialerService

app = typer.Typer(help="Predictive dialer on Asterisk.", no_args_is_help=True)
lab_app = typer.Typer(help="The Asterisk lab: a real Asterisk 22 in a Debian sid chroot.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (alembic).", no_args_is_help=True)
campaigns_app = typer.Typer(help="Campaign definitions (campaigns/*.yaml).", no_args_is_help=True)
lists_app = typer.Typer(help="Contact lists.", no_args_is_help=True)
operators_app = typer.Typer(help="Operators.", no_args_is_help=True)
recordings_app = typer.Typer(help="Call recordings: verify, retention.", no_args_is_help=True)
compliance_app = typer.Typer(help="Compliance evidence.", no_args_is_help=True)
dnc_app = typer.Typer(help="Do-not-call lists (global or per campaign).", no_args_is_help=True)
registers_app = typer.Typer(help="National opt-out registers (TPS, CTPS, US_DNC...).", no_args_is_help=True)
app.add_typer(lab_app, name="lab")
app.add_typer(db_app, name="db")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(lists_app, name="lists")
app.add_typer(operators_app, name="operators")
app.add_typer(recordings_app, name="recordings")
app.add_typer(compliance_app, name="compliance")
app.add_typer(dnc_app, name="dnc")
app.add_typer(registers_app, name="registers")
app.command("doctor")(doctor)
console = Console()


def _lab(operators: int = 120):  # type: ignore[no-untyped-def]
    from dialer.lab import AsteriskLab, LabConfig

    return AsteriskLab(LabConfig(operators=operators), log=lambda m: console.log(m))


def _repo(settings: Settings) -> Repository:
    """The repository, once the database schema is the code's (a clear word instead of SQL errors)."""
    from dialer.db import repository_for, schema_revisions

    current, head = schema_revisions(settings.database_url)
    if current != head:
        where = settings.database_url.split("@")[-1]
        console.print(
            f"[red]the database at {where} is at schema {current or 'none'}, this dialer needs {head}:"
            " run `dialer db upgrade`"
        )
        raise typer.Exit(2)
    return repository_for(settings.database_url)


def _campaign(repo: Repository, name: str) -> Campaign:
    """The campaign of that name, or a clear word and exit code 2."""
    row = repo.campaign_by_name(name)
    if row is None:
        console.print(f"[red]no campaign {name!r}; apply its YAML first (dialer campaigns apply)")
        raise typer.Exit(2)
    return row


@lab_app.command("up")
def lab_up(
    operators: Annotated[int, typer.Option(help="operator endpoints op1..opN")] = 120,
    instances: Annotated[
        int, typer.Option(min=1, max=2, help="2: a second Asterisk in the same chroot (AMI 5039, ARI 8089, SIP 5070)")
    ] = 1,
) -> None:
    """Provision (once, cached) and start the lab's Asterisk; idempotent."""
    lab = _lab(operators)
    lab.up()
    console.print(lab.status().describe())
    if instances == 2:
        from dialer.lab import AsteriskLab

        second = AsteriskLab(lab.config.second("b"), log=lab.log)
        second.start()
        console.print("b: " + second.status().describe())


@lab_app.command("down")
def lab_down() -> None:
    """Stop the lab's Asterisk (and the second instance, if it runs)."""
    from dialer.lab import AsteriskLab

    lab = _lab()
    AsteriskLab(lab.config.second("b"), log=lab.log).stop()
    lab.stop()
    console.print(lab.status().describe())


@lab_app.command("status")
def lab_status() -> None:
    """Is the lab provisioned and running; do AMI and ARI answer."""
    status = _lab().status()
    console.print(status.describe())
    raise typer.Exit(0 if status.running and status.ami_ok and status.ari_ok else 1)


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
        campaign_id, definition = apply_campaign_file(_repo(Settings()), path)
    except CampaignDefinitionError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    console.print(f"campaign {definition.name!r} applied (id {campaign_id})")


@lists_app.command("import")
def lists_import(
    path: Path,
    campaign: Annotated[str, typer.Option(help="campaign name")],
    name: Annotated[str | None, typer.Option(help="list name (default: file name)")] = None,
) -> None:
    """Import a CSV/XLSX contact list into a campaign (all rows or none)."""
    from dialer.campaigns import import_list
    from dialer.lists import ListFormatError
    from dialer.rules.campaign import parse_campaign

    repo = _repo(Settings())
    row = _campaign(repo, campaign)
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
            )
        except ListFormatError as exc:
            console.print(f"[red]{path}: {exc}")
            raise typer.Exit(2) from None
    console.print(
        f"{report.rows_read} rows: {report.accepted} accepted, {sum(report.filtered.values())} filtered,"
        f" {sum(report.corporate.values())} corporate, {sum(report.duplicates.values())} duplicates,"
        f" {sum(report.do_not_call.values())} do-not-call, {report.invalid_count} invalid"
    )
    for err in report.invalid[:20]:
        console.print(f"  {err}")


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
    repo = _repo(Settings())
    operator_id = repo.ensure_operator(login, name or login, endpoint)
    repo.set_operator_server(login, server)
    console.print(f"operator {login} (id {operator_id}) -> {endpoint} on {server or 'the default server'}")


@recordings_app.command("verify")
def recordings_verify(
    campaign: Annotated[str | None, typer.Option(help="only this campaign")] = None,
    tolerance: Annotated[float, typer.Option(help="seconds the length may differ from the call's")] = 1.0,
) -> None:
    """Check every stored recording: present, checksum, decodable, as long as its call."""
    from dialer.recordings_post import LocalRecordingStore, verify_recording

    settings = Settings()
    repo = _repo(settings)
    campaign_id = None
    if campaign is not None:
        row = _campaign(repo, campaign)
        campaign_id = row.id
    store = LocalRecordingStore(settings.recordings_dir)
    bad = 0
    items = repo.recordings_to_verify(campaign_id)
    for attempt_id, path, sha, length in items:
        result = verify_recording(store, path, sha, length, tolerance)
        if not result.ok:
            bad += 1
            console.print(f"attempt {attempt_id} {path}: {'; '.join(result.problems)}")
    console.print(f"{len(items)} recordings checked, {bad} with problems")
    raise typer.Exit(1 if bad else 0)


@recordings_app.command("reprocess")
def recordings_reprocess(
    fmt: Annotated[str, typer.Option("--format", help="ogg | mp3 | wav")] = "ogg",
    campaign: Annotated[str | None, typer.Option(help="only this campaign")] = None,
) -> None:
    """Measure and encode stored recordings again (e.g. another format); each row is replaced."""
    from dialer.recordings_post import LocalRecordingStore, RecordingError, reprocess_recording

    if fmt not in ("ogg", "mp3", "wav"):
        raise typer.BadParameter("--format must be ogg, mp3 or wav")
    settings = Settings()
    repo = _repo(settings)
    campaign_id = None
    if campaign is not None:
        row = _campaign(repo, campaign)
        campaign_id = row.id
    store = LocalRecordingStore(settings.recordings_dir)
    done = failed = 0
    for attempt_id, path, name, started in repo.recordings_to_reprocess(campaign_id):
        try:
            processed = reprocess_recording(
                store,
                path,
                campaign=name,
                attempt_id=attempt_id,
                started=started,
                fmt=fmt,  # type: ignore[arg-type]
            )
        except (OSError, RecordingError) as exc:
            failed += 1
            console.print(f"attempt {attempt_id} {path}: {exc}")
            continue
        repo.replace_recording(attempt_id, processed)
        done += 1
    console.print(f"{done} recordings re-processed, {failed} failed")
    raise typer.Exit(1 if failed else 0)


@recordings_app.command("retention")
def recordings_retention(dry_run: Annotated[bool, typer.Option(help="only say what would go")] = False) -> None:
    """Apply each campaign's retention policy now (the scheduler does it daily at 03:00 UTC)."""
    from datetime import UTC, datetime

    from dialer.recordings_post import LocalRecordingStore, apply_retention

    settings = Settings()
    repo = _repo(settings)
    items, policies = repo.recordings_for_retention()
    report = apply_retention(
        LocalRecordingStore(settings.recordings_dir), items, policies, datetime.now(UTC), dry_run=dry_run
    )
    if not dry_run:
        repo.forget_recordings([r.rel_path for r in report.deleted + report.missing], reason="retention policy")
    console.print(report.summary())


def _dnc_campaign(repo: Repository, campaign: str | None) -> int | None:
    if campaign is None:
        return None
    return _campaign(repo, campaign).id


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
        console.print(f"[red]not a phone number: {phone!r}")
        raise typer.Exit(2)
    repo = _repo(Settings())
    added = repo.add_do_not_call_many(
        [line.phone], campaign_id=_dnc_campaign(repo, campaign), source="cli", reason=reason
    )
    console.print(f"{line.phone}: {'added' if added else 'already on the list'}")


@dnc_app.command("import")
def dnc_import(
    path: Path,
    campaign: Annotated[str | None, typer.Option(help="only for this campaign (default: every campaign)")] = None,
) -> None:
    """Add every number of a file (a list, or a CSV whose first column is the number)."""
    from dialer.dnc import read_dnc_text

    repo = _repo(Settings())
    campaign_id = _dnc_campaign(repo, campaign)
    lines = list(read_dnc_text(path.read_text(encoding="utf-8-sig", errors="replace")))
    bad = [x for x in lines if x.phone is None]
    added = repo.add_do_not_call_many(
        [x.phone for x in lines if x.phone is not None], campaign_id=campaign_id, source=f"file:{path.name}"
    )
    console.print(f"{len(lines) - len(bad)} numbers read, {added} new on the list, {len(bad)} lines not numbers")
    for x in bad[:20]:
        console.print(f"  line {x.line}: {x.error}")


@dnc_app.command("remove")
def dnc_remove(
    phone: str,
    campaign: Annotated[str | None, typer.Option(help="the campaign's list (default: the global list)")] = None,
    reason: Annotated[str | None, typer.Option(help="why (e.g. the person asked to be called again)")] = None,
) -> None:
    """Take a number off a do-not-call list; the opt-out stays in the history, stamped as removed."""
    from dialer.compliance.store import remove_do_not_call
    from dialer.dnc import read_dnc_text

    lines = list(read_dnc_text(phone))
    if len(lines) != 1 or lines[0].phone is None:
        console.print(f"[red]not a phone number: {phone!r}")
        raise typer.Exit(2)
    repo = _repo(Settings())
    e164 = lines[0].phone
    n = remove_do_not_call(repo.sessions, e164, campaign_id=_dnc_campaign(repo, campaign), source="cli", reason=reason)
    repo.audit("dnc.remove", e164, {"campaign": campaign, "reason": reason, "rows": n})
    console.print(f"{e164}: {'removed' if n else 'was not on that list'}")


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

    from dialer.compliance.store import load_register_file

    repo = _repo(Settings())
    when = datetime.fromisoformat(as_of).replace(tzinfo=UTC) if as_of else None
    try:
        result = load_register_file(repo.sessions, name, path, as_of=when, region=region, loaded_by="cli")
    except ValueError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    st = result.state
    repo.audit("register.load", st.name, {"file": path.name, "numbers": st.numbers, "as_of": st.as_of.isoformat()})
    console.print(
        f"{st.name}: {st.numbers} numbers (data of {st.as_of:%Y-%m-%d}), {len(result.bad_lines)} lines not numbers"
    )
    for line, error in result.bad_lines[:20]:
        console.print(f"  line {line}: {error}")


@registers_app.command("list")
def registers_list() -> None:
    """Every loaded register with the date of its data and its size."""
    from dialer.compliance.store import register_states

    for st in register_states(_repo(Settings()).sessions).values():
        loaded = f"{st.loaded_at:%Y-%m-%d %H:%M}"
        console.print(f"{st.name}: {st.numbers} numbers, data of {st.as_of:%Y-%m-%d}, loaded {loaded}")


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

    from dialer.compliance.evidence_adapter import NoComplianceProfile, campaign_evidence, write_evidence_files

    repo = _repo(Settings())
    row = _campaign(repo, campaign)
    try:
        report = campaign_evidence(
            repo.sessions,
            row,
            period_start=date.fromisoformat(start),
            period_end=date.fromisoformat(end),
            profile_code=profile,
            report_tz=report_tz,
        )
    except NoComplianceProfile:
        console.print("[red]the campaign has no compliance profile: give --profile")
        raise typer.Exit(2) from None
    for path in write_evidence_files(report, out, fmt):
        console.print(f"wrote {path}")


@app.command()
def demo(
    quick: Annotated[bool, typer.Option(help="CI mode: dial only the first 10 contacts")] = False,
    operators: Annotated[int, typer.Option(help="simulated operators")] = 4,
    json_summary: Annotated[Path | None, typer.Option(help="also write the summary as JSON")] = None,
) -> None:
    """The main job: lab up, database, sample campaign, operators on softphones, dial, summary."""
    from dialer.demo import DemoOptions, run_demo

    summary = run_demo(DemoOptions(operators=operators, limit=10 if quick else None, json_summary=json_summary))
    raise typer.Exit(0 if summary.in_progress == 0 else 1)


@campaigns_app.command("export")
def campaigns_export(
    name: str,
    results: Annotated[Path | None, typer.Option(help="contacts with their latest outcome (.csv or .xlsx)")] = None,
    corporate: Annotated[Path | None, typer.Option(help="the corporate queue (.csv or .xlsx)")] = None,
    shifts: Annotated[Path | None, typer.Option(help="per operator and shift figures (.csv or .xlsx)")] = None,
) -> None:
    """Export a campaign's results and its corporate queue for Excel (formula injection neutralised)."""
    from dialer.campaigns import corporate_row
    from dialer.lists.export import CORPORATE_HEADER, RESULTS_HEADER, result_rows, write_table
    from dialer.web.queries import WebQueries

    repo = _repo(Settings())
    row = _campaign(repo, name)
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
                round(f.talk_s),
                ", ".join(f"{k}: {v}" for k, v in f.outcomes.items()),
                round(f.conversion, 3),
            ]
            for f in repo.shift_figures(row.id)
        )
        n = write_table(shifts, header, rows, sheet_title="Operators")
        console.print(f"{n} shifts -> {shifts}")
    if corporate is not None:
        contacts = queries.corporate_contacts(row.id)
        n = write_table(corporate, CORPORATE_HEADER, (corporate_row(x) for x in contacts), sheet_title="Corporate")
        console.print(f"{n} contacts -> {corporate}")


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
    repo = _repo(Settings())
    row = _campaign(repo, name)
    repo.set_campaign_status(row.id, status)
    console.print(f"campaign {name!r} is {status}")


@app.command()
def serve(
    campaign: Annotated[list[str], typer.Option(help="also mark these campaigns running")] = [],  # noqa: B006
    login: Annotated[list[str], typer.Option(help="operator login(s) to log in to the first campaign")] = [],  # noqa: B006
    web: Annotated[bool, typer.Option(help="also serve the web app, in the same process")] = False,
    drain: Annotated[float, typer.Option(help="on SIGTERM, seconds to let live calls finish")] = 120.0,
    metrics_port: Annotated[int | None, typer.Option(help="serve Prometheus /metrics on 127.0.0.1:PORT")] = None,
) -> None:
    """Run the dialer against the Asterisk configured by DIALER_* settings, until interrupted.

    The scheduler dials every campaign whose status is running (and whose dates include today)."""
    from dialer.scheduler import CampaignScheduler
    from dialer.service import DialerService
    from dialer.telephony.ari import TelephonyError

    settings = Settings()
    try:
        settings.require_secrets()
    except ValueError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    from dialer.logs import configure_logging

    configure_logging()
    repo = _repo(settings)
    ids = []
    for name in campaign:
        row = repo.campaign_by_name(name)
        if row is None:
            raise typer.BadParameter(f"no campaign {name!r}")
        repo.set_campaign_status(row.id, "running")
        ids.append(row.id)

    async def main() -> None:
        service = DialerService(settings, repo)
        await service.start()
        scheduler = CampaignScheduler(
            repo,
            service.recording_store,
            settings.database_url,
            service=service,
            node=socket.gethostname(),
            dnc_file=settings.dnc_sync_file,
            register_files=settings.register_sync_files,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await scheduler.start()
            for who in login:
                try:
                    await service.login(ids[0], who)
                except TelephonyError as exc:  # another process paces it, or the server is down: later
                    logging.getLogger("dialer").warning("%s", exc)
            waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
            if metrics_port is not None:
                import uvicorn

                from dialer.metrics import metrics_app

                config = uvicorn.Config(metrics_app(service), host="127.0.0.1", port=metrics_port, log_level="warning")
                waiters.append(asyncio.create_task(uvicorn.Server(config).serve()))
            if web:
                waiters.append(asyncio.create_task(_serve_web(settings, repo, service)))
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            # Graceful shutdown: no new calls, the calls in flight finish (up to a limit), outcomes flushed.
            await scheduler.stop()
            for campaign_id in service.dialling():
                await service.stop_campaign(campaign_id)
            try:
                await service.wait_idle(timeout=drain)
            except TimeoutError:
                logging.getLogger("dialer").warning("calls still up after %.0f s; ending them", drain)
            for campaign_id in list(service.runs):
                for op in list(service.runs[campaign_id].floor.operators.values()):
                    await service.logout(campaign_id, op.login)
            await asyncio.sleep(0.5)
        finally:
            await scheduler.stop()
            await service.close()

    asyncio.run(main())


async def _serve_web(settings: Settings, repo: Repository, service: DialerService) -> None:
    """The web app in the dialer's own event loop, so pages see the live call floor."""
    import uvicorn

    from dialer.web.app import create_app
    from dialer.web.settings import WebSettings

    web = WebSettings()
    web.secret_value()  # refuses to start without DIALER_WEB_SECRET
    app = create_app(settings, repo, service, web=web)
    await uvicorn.Server(uvicorn.Config(app, host=web.host, port=web.port, log_level="info")).serve()


def _mount() -> None:
    from dialer.sim.cli import sim_app
    from dialer.web.cli import users_app, web_app

    app.add_typer(sim_app, name="sim", help="Pacing simulator and benchmark scenarios.")
    app.add_typer(web_app, name="web", help="The web app (operators, managers, admins, QA).")
    app.add_typer(users_app, name="users", help="Web app users and roles.")


_mount()
