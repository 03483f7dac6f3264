"""`dialer sim`: run a scenario file through the simulator and print the comparison table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dialer.entrypoints.cli_messages import say
from dialer.sim.compare import DEFAULT_RATIOS, Comparison, compare
from dialer.sim.scenario import load_scenario

sim_app = typer.Typer(help="Simulate a campaign shift and compare dialling policies.", no_args_is_help=True)


@sim_app.callback()
def _group() -> None:
    """Simulate a campaign shift and compare dialling policies."""


def comparison_table(cmp: Comparison, *, show_sweep: bool = False) -> Table:
    sc = cmp.scenario
    table = Table(title=f"{sc.name}: {sc.team_size} operators, {sc.duration_s / 3600:g} h, seed {sc.seed}")
    for col in ("policy", "occupancy", "abandon shift", "worst hour", "calls/op-h", "idle mean s", "idle p90 s"):
        table.add_column(col, justify="left" if col == "policy" else "right", no_wrap=col == "policy")
    rows = ["predictive", "progressive", "vicidial"]
    if cmp.hindsight_ratio:
        rows.append(cmp.hindsight_ratio)
    rows += [k for k in cmp.results if k not in rows and (show_sweep or not k.startswith("ratio:"))]
    for key in rows:
        r = cmp.results[key]
        label = key + (" (best in hindsight)" if key == cmp.hindsight_ratio else "")
        over = not r.meets_cap(cmp.cap)
        table.add_row(
            label,
            f"{r.occupancy:.1%}",
            f"{r.abandon_rate:.2%}",
            f"{r.worst_hour_abandon_rate:.2%}" + (" !" if over else ""),
            f"{r.calls_per_operator_hour:.1f}",
            f"{r.idle_wait_mean_s:.1f}",
            f"{r.idle_wait_p90_s:.1f}",
        )
    return table


@sim_app.command("run")
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file", exists=True, dir_okay=False)],
    team_size: Annotated[int | None, typer.Option(help="override the scenario's team size")] = None,
    hours: Annotated[float | None, typer.Option(help="override the shift length")] = None,
    seed: Annotated[int | None, typer.Option(help="override the seed")] = None,
    ratios: Annotated[str, typer.Option(help="fixed ratios to sweep, comma separated")] = ",".join(
        f"{r:g}" for r in DEFAULT_RATIOS
    ),
    jobs: Annotated[int, typer.Option(help="parallel simulations")] = 1,
    sweep: Annotated[bool, typer.Option(help="show every fixed ratio, not just the best")] = False,
) -> None:
    """Run predictive, progressive, VICIdial ADAPT and fixed ratios on SCENARIO; print the table."""
    sc = load_scenario(scenario)
    if team_size is not None:
        sc = replace(sc, team_size=team_size)
    if hours is not None:
        sc = replace(sc, duration_s=hours * 3600.0)
    if seed is not None:
        sc = replace(sc, seed=seed)
    ratio_list = [float(x) for x in ratios.split(",") if x.strip()]
    console = Console()
    cmp = compare(sc, ratios=ratio_list, workers=jobs, progress=lambda m: console.print(m, style="dim"))
    console.print(comparison_table(cmp, show_sweep=sweep))
    if cmp.hindsight_ratio is None:
        console.print(say("sim_no_ratio", cap=f"{cmp.cap:.0%}"), markup=False)
