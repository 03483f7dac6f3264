"""QA listening room: search recordings, play them (HTTP Range, every playback audited), score, comment,
and the call's timeline. QA and admins only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import Field, StrictFloat, StrictInt

from dialer.bootstrap import recording_store
from dialer.recordings.http_range import RangeNotSatisfiable, parse_range_header
from dialer.recordings.store import RecordingStore
from dialer.recordings.waveform import waveform_peaks
from dialer.rules.scorecard import MAX_CRITERIA, ScorecardCriterion, score_problem
from dialer.web.context import WebContext, ctx_of, render
from dialer.web.messages import UserError
from dialer.web.params import Body, IdPath, parse_day, parse_id
from dialer.web.queries_qa import RecordingFilter, scorecard_of, timeline_of
from dialer.web.security import RoleGuard, WebUser, current_user

# Every route here needs one of these roles (and CSRF on state changes); the route x role test checks it.
SCORE_PROBLEMS = {
    "missing": "score every criterion: {criteria}",
    "unknown": "not on this campaign's scorecard: {criteria}",
    "range": "a score is whole points within the criterion's range: {criteria}",
}

router = APIRouter(dependencies=[Depends(RoleGuard("qa", "admin"))])
User = Annotated[WebUser, Depends(current_user)]
MEDIA_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "opus": "audio/ogg", "gsm": "audio/x-gsm"}
CHUNK = 64 * 1024
T = TypeVar("T")


class ScoreBody(Body):
    # fractions and nulls get through to the scorecard check, which names the criteria they belong to
    scores: dict[Annotated[str, Field(max_length=40)], StrictInt | StrictFloat | None] = Field(max_length=MAX_CRITERIA)
    comment: str | None = Field(default=None, max_length=4000)


def _opt(value: str | None, parse: Callable[[str], T], name: str) -> T | None:
    """Empty form fields mean "any"; anything else must parse (else 422, never reaching SQL as text)."""
    if value is None or not value.strip():
        return None
    try:
        return parse(value.strip())
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{name}: not a valid value") from None


def _filter(
    campaign_id: Annotated[str | None, Query(max_length=20)] = None,
    operator_id: Annotated[str | None, Query(max_length=20)] = None,
    outcome: Annotated[str | None, Query(max_length=20)] = None,
    disposition: Annotated[str | None, Query(max_length=40)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    min_duration: Annotated[str | None, Query(max_length=20)] = None,
    phone: Annotated[str | None, Query(max_length=40)] = None,
) -> RecordingFilter:
    """Search filters (empty = any). Dates are UTC days, YYYY-MM-DD; phone matches digits anywhere."""
    min_d = _opt(min_duration, float, "min_duration")
    if min_d is not None and min_d < 0:
        raise HTTPException(status_code=422, detail="min_duration: not a valid value")
    return RecordingFilter(
        parse_id(campaign_id, "campaign_id"),
        parse_id(operator_id, "operator_id"),
        outcome or None,
        disposition or None,
        parse_day(date_from, "date_from") if date_from and date_from.strip() else None,
        parse_day(date_to, "date_to") if date_to and date_to.strip() else None,
        min_d,
        phone or None,
    )


Filter = Annotated[RecordingFilter, Depends(_filter)]


@router.get("/qa", response_class=HTMLResponse, include_in_schema=False)
async def search_page(request: Request, f: Filter) -> HTMLResponse:
    ctx = ctx_of(request)
    rows = await asyncio.to_thread(ctx.queries.search_recordings, f)
    campaigns = await asyncio.to_thread(ctx.queries.campaigns)
    operators = await asyncio.to_thread(ctx.queries.operators)
    return render(request, "qa.html", rows=rows, f=f, campaigns=campaigns, operators=operators)


@router.get("/api/recordings", tags=["qa"])
async def api_search(request: Request, f: Filter) -> list[dict[str, Any]]:
    """Search by campaign, operator, outcome, disposition, date range (UTC), minimum duration, phone digits."""
    return await asyncio.to_thread(ctx_of(request).queries.search_recordings, f)


def _detail(ctx: WebContext, recording_id: int) -> dict[str, Any]:
    found = ctx.queries.recording(recording_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no such recording")
    rec, attempt, contact, campaign, login = found
    return {
        "id": rec.id,
        "format": rec.format,
        "duration_s": rec.duration_s,
        "size_bytes": rec.size_bytes,
        "dead_air_start_s": rec.dead_air_start_s,
        "talk_over_ratio": rec.talk_over_ratio,
        "silence_ratio": rec.silence_ratio,
        "missing_leg": rec.missing_leg,  # "operator" / "customer": that side was not recorded (one-sided)
        "attempt_id": attempt.id,
        "campaign": {"id": campaign.id, "name": campaign.name},
        "operator": login,
        "phone": attempt.phone,
        "company": contact.company,
        "contact_person": contact.contact_person,
        "outcome": attempt.outcome,
        "disposition": attempt.disposition_code,
        "notes": attempt.notes,
        "timeline": [{"event": n, "at": at.isoformat(timespec="milliseconds")} for n, at in timeline_of(attempt)],
        "scorecard": [c.model_dump() for c in scorecard_of(campaign)],
        "scores": [
            {
                "by": u,
                "at": s.created_at.isoformat(timespec="seconds"),
                "scores": s.scores,
                "total": s.total,
                "comment": s.comment,
            }
            for s, u in ctx.queries.scores(rec.id)
        ],
    }


@router.get("/qa/recordings/{recording_id}", response_class=HTMLResponse, include_in_schema=False)
async def recording_page(request: Request, recording_id: IdPath) -> HTMLResponse:
    data = await asyncio.to_thread(_detail, ctx_of(request), recording_id)
    return render(request, "recording.html", r=data)


@router.get("/api/recordings/{recording_id}", tags=["qa"])
async def api_recording(request: Request, recording_id: IdPath) -> dict[str, Any]:
    """One recording: its call, the timeline (originate/ring/answer/bridge/end), scorecard and scores."""
    return await asyncio.to_thread(_detail, ctx_of(request), recording_id)


def _store(ctx: WebContext) -> RecordingStore:
    """The recordings store the service writes to; its paths can never leave it (check_rel_path)."""
    return recording_store(ctx.settings)


async def _chunks(store: RecordingStore, rel: str, start: int, length: int) -> AsyncIterator[bytes]:
    pos, end = start, start + length - 1
    while pos <= end:
        last = min(pos + CHUNK - 1, end)
        data = await asyncio.to_thread(store.open_range, rel, pos, last)
        if not data:
            break
        pos += len(data)
        yield data


def _recording_path(ctx: WebContext, recording_id: int) -> tuple[Any, RecordingStore]:
    found = ctx.queries.recording(recording_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no such recording")
    rec, store = found[0], _store(ctx)
    try:
        if not store.exists(rec.path):
            raise HTTPException(status_code=404, detail="recording file not found")
    except ValueError:  # a path that would leave the store
        raise HTTPException(status_code=404, detail="recording file not found") from None
    return rec, store


@router.get("/api/recordings/{recording_id}/waveform", tags=["qa"])
async def api_waveform(request: Request, recording_id: IdPath) -> dict[str, Any]:
    """Peaks per channel (operator left, customer right) for the player's waveform; no audio leaves."""
    ctx = ctx_of(request)
    rec, store = await asyncio.to_thread(_recording_path, ctx, recording_id)
    return await asyncio.to_thread(waveform_peaks, store, rec.path)


@router.get("/api/recordings/{recording_id}/audio", tags=["qa"])
async def api_audio(request: Request, recording_id: IdPath, user: User) -> Response:
    """The audio, with HTTP Range (206) so the player can seek. A playback (a request from byte 0) is audited."""
    ctx = ctx_of(request)
    rec, store = await asyncio.to_thread(_recording_path, ctx, recording_id)
    size = await asyncio.to_thread(store.size, rec.path)
    try:
        rng = parse_range_header(request.headers.get("range") or "", size)
    except RangeNotSatisfiable as exc:
        raise HTTPException(status_code=416, headers={"content-range": exc.content_range}) from None
    if rng is None or rng[0] == 0:
        await asyncio.to_thread(
            ctx.queries.audit,
            user.id,
            "recording.play",
            f"recording:{rec.id}",
            attempt_id=rec.attempt_id,
            range=request.headers.get("range"),
        )
    headers = {"accept-ranges": "bytes", "cache-control": "private, no-store"}
    media = MEDIA_TYPES.get(rec.format.lower(), "application/octet-stream")
    if rng is None:
        headers["content-length"] = str(size)
        return StreamingResponse(_chunks(store, rec.path, 0, size), media_type=media, headers=headers)
    start, end = rng
    headers["content-range"] = f"bytes {start}-{end}/{size}"
    headers["content-length"] = str(end - start + 1)
    return StreamingResponse(
        _chunks(store, rec.path, start, end - start + 1), status_code=206, media_type=media, headers=headers
    )


@router.post("/api/recordings/{recording_id}/score", tags=["qa"])
async def api_score(request: Request, recording_id: IdPath, body: ScoreBody, user: User) -> dict[str, Any]:
    """Score a call against its campaign's scorecard: every criterion, whole points from 0 to its
    max_points, with a comment."""
    ctx = ctx_of(request)
    detail = await asyncio.to_thread(_detail, ctx, recording_id)
    criteria = [ScorecardCriterion.model_validate(c) for c in detail["scorecard"]]
    problem = score_problem(criteria, body.scores)
    if problem is not None:
        limits = {c.code: c for c in criteria}
        names = ", ".join(
            f"{limits[code].label or code} (0..{limits[code].max_points})" if code in limits else code
            for code in problem.codes
        )
        raise UserError(422, SCORE_PROBLEMS[problem.kind], criteria=names)
    scores = {code: int(v) for code, v in body.scores.items() if v is not None}
    score_id = await asyncio.to_thread(ctx.queries.add_score, recording_id, user.id, scores, body.comment or None)
    return {"id": score_id, "total": sum(scores.values()), "max_total": sum(c.max_points for c in criteria)}
