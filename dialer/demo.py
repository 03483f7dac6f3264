"""The main job: a real Asterisk lab, simulated operators on real softphones, the sample campaign
dialled end to end, and a summary that is read back from the database."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dialer.bootstrap import dialer_service, repository
from dialer.campaigns import apply_campaign_file, import_list
from dialer.config import PROJECT_ROOT, Settings
from dialer.db import migrate
from dialer.db.repository import CampaignSummary, Repository
from dialer.floor import CallStage, LiveOperator
from dialer.lab import AsteriskLab, LabConfig
from dialer.lab.softphones import SoftphoneBank
from dialer.service import CampaignRun, utcnow

SAMPLE_CAMPAIGN = PROJECT_ROOT / "campaigns" / "sample.yaml"
SAMPLE_LIST = PROJECT_ROOT / "campaigns" / "sample_contacts.csv"


@dataclass
class DemoOptions:
    operators: int = 4
    limit: int | None = None  # dial only the first N contacts (CI mode)
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'demo.db'}"
    recordings_dir: Path = PROJECT_ROOT / "recordings"
    campaign_file: Path = SAMPLE_CAMPAIGN
    list_file: Path = SAMPLE_LIST
    json_summary: Path | None = None
    lab: LabConfig = field(default_factory=LabConfig)


class SimulatedDesk:
    """Simulated operators record an outcome a moment into wrap-up, as a person would click one."""

    def __init__(self, codes: list[str], think_s: float = 1.0) -> None:
        self.codes = codes
        self.think_s = think_s

    async def __call__(self, op: LiveOperator, attempt_id: int) -> tuple[str, str | None] | None:
        await asyncio.sleep(self.think_s)
        if not self.codes:
            return None
        code = self.codes[attempt_id % len(self.codes)]
        return code, f"simulated operator {op.login}"


def _fresh_sqlite(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def print_summary(console: Console, name: str, s: CampaignSummary) -> None:
    table = Table(title=f"Campaign {name}", show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for label, value in [
        ("dialled", s.dialled),
        ("answered", s.answered),
        ("bridged to an operator", s.bridged),
        ("abandoned (late connects included)", s.abandoned),
        ("late connects", s.late_connects),
        ("no answer", s.no_answer),
        ("busy", s.busy),
        ("answering machine", s.machine),
        ("other failures (invalid, congestion, rejected)", s.other_failures),
        ("still in progress", s.in_progress),
        ("abandon rate (of live answers)", f"{s.abandon_rate:.1%}"),
        ("operator occupancy (talk + wrap-up)", f"{s.occupancy:.1%}"),
    ]:
        table.add_row(label, str(value))
    console.print(table)


async def _dial(
    opts: DemoOptions, settings: Settings, repo: Repository, lab: AsteriskLab, console: Console
) -> tuple[str, CampaignSummary]:
    campaign_id, definition = apply_campaign_file(repo, opts.campaign_file)
    report = import_list(repo, campaign_id, definition, opts.list_file, definition.lists[0].name)
    console.print(
        f"list {opts.list_file.name}: {report.rows_read} rows, {report.accepted} accepted,"
        f" {report.invalid_count} invalid, {sum(report.filtered.values())} filtered,"
        f" {sum(report.corporate.values())} to the corporate team"
    )
    if opts.limit is not None:
        repo.hold_contacts_after(campaign_id, opts.limit)
    logins = lab.config.operator_names[: opts.operators]
    for login in logins:
        repo.ensure_operator(login, f"Operator {login}", f"PJSIP/{login}")
    bank = SoftphoneBank(lab.config)
    desk = SimulatedDesk([d.code for d in definition.dispositions if not d.callback])
    service = dialer_service(settings, repo, wrapup_policy=desk)
    try:
        bank.start_many(logins)
        await service.start()
        run = await service.open_campaign(campaign_id)
        for login in logins:
            await service.login(campaign_id, login)
        await service.wait_logged_in(campaign_id, logins)
        console.print(f"{len(logins)} operators logged in on SIPp softphones: {', '.join(logins)}")
        total = repo.count_dialable(campaign_id, utcnow())
        with Progress(
            TextColumn("[bold]dialling"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("", total=total)

            def tick(r: CampaignRun) -> None:
                stages = [c.stage for c in r.floor.calls.values()]
                on_call = sum(1 for s in stages if s is CallStage.BRIDGED)
                ringing = sum(1 for s in stages if s in (CallStage.DIALING, CallStage.RINGING))
                done = total - r.contacts_available - len(stages)
                progress.update(task, completed=done, description=f"ringing {ringing}, talking {on_call}")

            await service.run_campaign(campaign_id, on_tick=tick)
            await service.wait_idle()
            tick(run)
        for login in logins:
            await service.logout(campaign_id, login)
        await asyncio.sleep(0.5)
    finally:
        await service.close()
        bank.stop_all()
    return definition.name, repo.summary(campaign_id)


def run_demo(opts: DemoOptions, console: Console | None = None) -> CampaignSummary:
    console = console or Console()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lab = AsteriskLab(opts.lab, log=lambda m: console.log(m))
    if not lab.is_provisioned():
        console.print("Provisioning the Asterisk lab: Debian sid chroot + Asterisk 22 (first run only, ~1 min)")
    lab.up()
    console.print(f"Asterisk lab up: {lab.status().version}")
    _fresh_sqlite(opts.database_url)
    migrate(opts.database_url)
    settings = lab.config.settings(database_url=opts.database_url, recordings_dir=opts.recordings_dir)
    repo = repository(settings)
    name, summary = asyncio.run(_dial(opts, settings, repo, lab, console))
    print_summary(console, name, summary)
    if opts.json_summary is not None:
        opts.json_summary.write_text(
            json.dumps({**asdict(summary), "occupancy": summary.occupancy, "abandon_rate": summary.abandon_rate})
        )
    console.print("The lab keeps running for the next run; `dialer lab down` stops it.")
    return summary
