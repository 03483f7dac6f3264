"""`dialer recordings …`: verify, re-process and apply retention to stored recordings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from dialer.config import Settings
from dialer.entrypoints.cli_common import campaign_id_or_exit, console, repository_or_exit
from dialer.entrypoints.cli_language import reason
from dialer.entrypoints.cli_messages import say

if TYPE_CHECKING:
    pass

recordings_app = typer.Typer(help="Call recordings: verify, retention.", no_args_is_help=True)


@recordings_app.command("verify")
def recordings_verify(
    campaign: Annotated[str | None, typer.Option(help="only this campaign")] = None,
    tolerance: Annotated[float, typer.Option(help="seconds the length may differ from the call's")] = 1.0,
) -> None:
    """Check every stored recording: present, checksum, decodable, as long as its call."""
    from dialer.bootstrap import recording_store
    from dialer.recordings.verify import verify_recording

    settings = Settings()
    repo = repository_or_exit(settings)
    campaign_id = campaign_id_or_exit(repo, campaign)
    store = recording_store(settings)
    bad = 0
    items = repo.recordings_to_verify(campaign_id)
    for attempt_id, path, sha, length in items:
        result = verify_recording(store, path, sha, length, tolerance)
        if not result.ok:
            bad += 1
            problems = "; ".join(reason(p) for p in result.problems)
            console.print(say("recording_problem", attempt=attempt_id, path=path, problems=problems), markup=False)
    console.print(say("recordings_checked", n=len(items), bad=bad), markup=False)
    raise typer.Exit(1 if bad else 0)


@recordings_app.command("reprocess")
def recordings_reprocess(
    fmt: Annotated[str, typer.Option("--format", help="ogg | mp3 | wav")] = "ogg",
    campaign: Annotated[str | None, typer.Option(help="only this campaign")] = None,
) -> None:
    """Measure and encode stored recordings again (e.g. another format); each row is replaced."""
    from dialer.bootstrap import recording_store
    from dialer.recordings.errors import RecordingError
    from dialer.recordings.pipeline import reprocess_recording

    if fmt not in ("ogg", "mp3", "wav"):
        raise typer.BadParameter(say("format_bad"))
    settings = Settings()
    repo = repository_or_exit(settings)
    campaign_id = campaign_id_or_exit(repo, campaign)
    store = recording_store(settings)
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
            console.print(
                say("recording_problem", attempt=attempt_id, path=path, problems=reason(str(exc))), markup=False
            )
            continue
        repo.replace_recording(attempt_id, processed)
        done += 1
    console.print(say("recordings_reprocessed", done=done, failed=failed), markup=False)
    raise typer.Exit(1 if failed else 0)


@recordings_app.command("retention")
def recordings_retention(dry_run: Annotated[bool, typer.Option(help="only say what would go")] = False) -> None:
    """Apply each campaign's retention policy now (the scheduler does it daily at 03:00 UTC)."""
    from datetime import UTC, datetime

    from dialer.bootstrap import recording_store
    from dialer.recordings.retention_job import apply_retention

    settings = Settings()
    repo = repository_or_exit(settings)
    items, policies = repo.recordings_for_retention()
    report = apply_retention(recording_store(settings), items, policies, datetime.now(UTC), dry_run=dry_run)
    if not dry_run:
        repo.forget_recordings([r.rel_path for r in report.deleted + report.missing], reason="retention policy")
    key = "retention_would" if dry_run else "retention_done"
    console.print(
        say(key, deleted=len(report.deleted), missing=len(report.missing), failed=len(report.failed)), markup=False
    )
