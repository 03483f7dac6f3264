"""`dialer lab …` and `dialer demo`: the Asterisk lab and the main job (lab and demo are imported only here,
lazily, so production modules never import them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dialer.entrypoints.cli_common import console
from dialer.entrypoints.cli_messages import say

if TYPE_CHECKING:
    from dialer.lab.lab_config import LabStatus

lab_app = typer.Typer(help="The Asterisk lab: a real Asterisk 22 in a Debian sid chroot.", no_args_is_help=True)


def describe(status: LabStatus) -> str:
    """provisioned=yes running=yes pid=… ami=ok ari=ok version=…, in the run's language."""
    return say(
        "lab_status",
        provisioned=say("yes" if status.provisioned else "no"),
        running=say("yes" if status.running else "no"),
        pid=status.pid or "-",
        ami=say("up" if status.ami_ok else "down"),
        ari=say("up" if status.ari_ok else "down"),
        version=status.version or "-",
    )


def _lab(operators: int = 120):  # type: ignore[no-untyped-def]
    from dialer.lab import AsteriskLab, LabConfig

    return AsteriskLab(LabConfig(operators=operators), log=lambda m: console.log(m))


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
    console.print(describe(lab.status()), markup=False)
    if instances == 2:
        from dialer.lab import AsteriskLab

        second = AsteriskLab(lab.config.second("b"), log=lab.log)
        second.start()
        console.print("b: " + describe(second.status()), markup=False)


@lab_app.command("down")
def lab_down() -> None:
    """Stop the lab's Asterisk (and the second instance, if it runs)."""
    from dialer.lab import AsteriskLab

    lab = _lab()
    AsteriskLab(lab.config.second("b"), log=lab.log).stop()
    lab.stop()
    console.print(describe(lab.status()), markup=False)


@lab_app.command("status")
def lab_status() -> None:
    """Is the lab provisioned and running; do AMI and ARI answer."""
    status = _lab().status()
    console.print(describe(status), markup=False)
    raise typer.Exit(0 if status.running and status.ami_ok and status.ari_ok else 1)


def demo(
    quick: Annotated[bool, typer.Option(help="CI mode: dial only the first 10 contacts")] = False,
    operators: Annotated[int, typer.Option(help="simulated operators")] = 4,
    json_summary: Annotated[Path | None, typer.Option(help="also write the summary as JSON")] = None,
) -> None:
    """The main job: lab up, database, sample campaign, operators on softphones, dial, summary."""
    from dialer.demo import DemoOptions, run_demo

    summary = run_demo(DemoOptions(operators=operators, limit=10 if quick else None, json_summary=json_summary))
    raise typer.Exit(0 if summary.in_progress == 0 else 1)
