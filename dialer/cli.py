"""`dialer` command line: the entry point (`dialer.cli:app`). The commands live in dialer.entrypoints; a new
group is one `app.add_typer` line here, a new top-level command one `app.command()` line. `dialer --lang ru|en`
(or DIALER_LANG, or the locale) sets the language every command prints in (dialer.entrypoints.cli_language)."""

from __future__ import annotations

from typing import Annotated

import typer

from dialer.doctor.command import doctor
from dialer.entrypoints.cli_compliance import compliance_app, dnc_app, registers_app
from dialer.entrypoints.cli_data import campaigns_app, db_app, lists_app, operators_app
from dialer.entrypoints.cli_help import LocalisedGroup
from dialer.entrypoints.cli_lab import demo, lab_app
from dialer.entrypoints.cli_language import choose_language
from dialer.entrypoints.cli_lists import numbering_app
from dialer.entrypoints.cli_messages import say
from dialer.entrypoints.cli_recordings import recordings_app
from dialer.entrypoints.cli_serve import serve

app = typer.Typer(cls=LocalisedGroup, help="Predictive dialer on Asterisk.", no_args_is_help=True)


@app.callback()
def _language(
    ctx: typer.Context,
    lang: Annotated[str | None, typer.Option(help="en or ru (default: DIALER_LANG or the locale)")] = None,
) -> None:
    """Predictive dialer on Asterisk."""
    try:
        choose_language(lang)
    except ValueError:
        raise typer.BadParameter(say("lang_bad", value=lang)) from None
    ctx.call_on_close(lambda: choose_language(None))  # a later run in the same process (tests) starts afresh


app.add_typer(lab_app, name="lab")
app.add_typer(db_app, name="db")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(lists_app, name="lists")
app.add_typer(operators_app, name="operators")
app.add_typer(recordings_app, name="recordings")
app.add_typer(compliance_app, name="compliance")
app.add_typer(dnc_app, name="dnc")
app.add_typer(registers_app, name="registers")
app.add_typer(numbering_app, name="numbering")
app.command()(demo)
app.command()(serve)
app.command("doctor")(doctor)


def _mount() -> None:
    from dialer.sim.cli import sim_app
    from dialer.web.cli import users_app, web_app

    app.add_typer(sim_app, name="sim", help="Pacing simulator and benchmark scenarios.")
    app.add_typer(web_app, name="web", help="The web app (operators, managers, admins, QA).")
    app.add_typer(users_app, name="users", help="Web app users and roles.")


_mount()
