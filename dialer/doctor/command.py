"""The `dialer doctor` command (registered in dialer/cli.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from dialer.doctor.report import Status, config_check, exit_code, render
from dialer.entrypoints.cli_language import language as run_language

_COLOURS = {"PASS": "green", "WARN": "yellow", "FAIL": "red"}


def doctor(
    test_number: Annotated[
        str | None, typer.Option(help="also dial this number through DIALER_TRUNK (your own phone; it rings)")
    ] = None,
    campaign: Annotated[
        str | None, typer.Option(help="dial the test number with this campaign's dial string instead of DIALER_TRUNK")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="en or ru (default: dialer --lang, DIALER_LANG, the locale)")] = None,
) -> None:
    """Check Asterisk (ARI, AMI, dialplan, modules, operators, trunk, spool) and the database; prints each fix."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from dialer.config import Settings
    from dialer.doctor.probes import diagnose

    if lang not in (None, "en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    language = lang or run_language()
    logging.disable(logging.WARNING)  # the adapters' own warnings (AMI "connection lost") are reported as checks
    try:
        checks = asyncio.run(diagnose(Settings(), test_number, campaign))
    except (ValidationError, SettingsError) as exc:
        checks = [config_check(str(exc).replace("\n", "; "))]
    finally:
        logging.disable(logging.NOTSET)
    for line in render(checks, language):
        mark = line[:4]
        typer.echo(typer.style(mark, fg=_COLOURS[mark], bold=True) + line[4:] if mark in _COLOURS else line)
    raise typer.Exit(exit_code(checks))


__all__ = ["Status", "doctor"]
