"""The operator desk: Ready/Pause, the customer card of the current call, dispositions, wrap-up timer.

An operator only ever sees their own calls: every call looked up here is the one the live floor
gives them, or (no live service attached) one whose attempt row carries their operator id."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import Field

from dialer.db.models import utcnow
from dialer.pacing import OperatorState
from dialer.service.read_model import OperatorView
from dialer.telephony.ari import TelephonyError
from dialer.web.context import WebContext, ctx_of, render, translator_of
from dialer.web.dispositions import check_callback, operator_may_dispose
from dialer.web.i18n import Translator
from dialer.web.params import AwareDatetime, Body, Id
from dialer.web.scripts import script_for_card
from dialer.web.security import RoleGuard, WebUser, current_user
from dialer.web.sse import event_stream
from dialer.web.webhooks import DispositionEvent, build_payloads

# Every route here needs one of these roles (and CSRF on state changes); the route x role test checks it.
router = APIRouter(dependencies=[Depends(RoleGuard("operator"))])
User = Annotated[WebUser, Depends(current_user)]


class CampaignBody(Body):
    campaign_id: Id


class PauseBody(Body):
    reason: str = Field(min_length=1, max_length=100)


class MachineBody(Body):
    keep: bool = False  # the operator hears a person: keep the call, stop the machine timeout


class DispositionBody(Body):
    attempt_id: Id
    code: str = Field(min_length=1, max_length=40)
    notes: str | None = Field(default=None, max_length=4000)
    next_action_at: AwareDatetime | None = None


def _operator_id(user: WebUser) -> int:
    if user.operator_id is None:
        raise HTTPException(status_code=409, detail="this user is not linked to an operator (softphone)")
    return user.operator_id


def _live(ctx: WebContext, login: str) -> tuple[int, OperatorView] | None:
    if ctx.service is None:
        return None
    return ctx.service.view.operator(login)


def _card(ctx: WebContext, operator_id: int, attempt_id: int | None) -> dict[str, Any] | None:
    q = ctx.queries
    attempt = q.attempt(attempt_id) if attempt_id is not None else q.open_call_of_operator(operator_id)
    if attempt is None or (attempt.operator_id is not None and attempt.operator_id != operator_id):
        return None
    contact = q.contact(attempt.contact_id)
    if contact is None:
        return None
    history = q.contact_history(contact.id, exclude_attempt=attempt.id)
    return {
        "attempt_id": attempt.id,
        "campaign_id": attempt.campaign_id,
        "phone": contact.phone,
        "company": contact.company,
        "specialty": contact.specialty,
        "headcount": contact.headcount,
        "contact_person": contact.contact_person,
        "region": contact.region,
        "email": contact.email,
        # the list's other columns and what the import learnt (extension, carrier, time zone source)
        "details": dict(contact.extra or {}),
        "extension": (contact.extra or {}).get("extension"),
        "timezone": contact.timezone,
        "disposition": attempt.disposition_code,
        "bridged_at": attempt.bridged_at.isoformat() if attempt.bridged_at else None,
        "contact_id": contact.id,
        "amd_status": attempt.amd_status,  # amd_connect_first: MACHINE is shown to the operator on the call
        "previous": [
            {
                "at": h.originated_at.isoformat(timespec="minutes"),
                "outcome": h.outcome,
                "disposition": h.disposition_code,
                "notes": h.notes,
            }
            for h in history
        ],
        "dispositions": [
            {"code": d.code, "label": d.label or d.code, "callback": d.callback, "key": i + 1 if i < 9 else None}
            for i, d in enumerate(q.dispositions(attempt.campaign_id))
        ],
    }


def desk_state(ctx: WebContext, user: WebUser, t: Translator) -> dict[str, Any]:
    """Everything the desk shows, computed the same way for the page, the API and the event stream."""
    operator_id = _operator_id(user)
    op_row = ctx.queries.operator_by_id(operator_id)
    if op_row is None:
        raise HTTPException(status_code=409, detail="operator row missing")
    live = _live(ctx, op_row.login)
    state, for_s, attempt_id, campaign_id = "offline", 0.0, None, None
    if live is not None:
        campaign_id, op = live
        state = op.state_name
        for_s = max(0.0, time.monotonic() - op.since) if op.state is not None else 0.0
        attempt_id = op.attempt_id
        card = _card(ctx, operator_id, attempt_id) if attempt_id is not None else None
    else:
        card = _card(ctx, operator_id, None)
    if card is not None:  # the call script beside the card, with this contact's fields
        card["script"] = script_for_card(ctx, t, card["attempt_id"], card["contact_id"], op_row.name)
    running = ctx.service.view.campaigns() if ctx.service is not None else []
    here = next((c for c in running if c.campaign_id == campaign_id), None)
    campaigns = [{"id": c.campaign_id, "name": c.name} for c in running]
    return {
        "login": op_row.login,
        "state": state,
        "state_for_s": round(for_s, 1),
        "campaign_id": campaign_id,
        "live": ctx.service is not None,
        "card": card,
        "campaigns": campaigns,
        "pause_codes": list(ctx.web.pause_codes),
        "wrapup_s": here.wrapup_s if here is not None else None,
    }


@router.get("/operator", response_class=HTMLResponse, include_in_schema=False)
async def desk_page(request: Request, user: User) -> HTMLResponse:
    ctx = ctx_of(request)
    state = await asyncio.to_thread(desk_state, ctx, user, translator_of(request))
    calls = await asyncio.to_thread(ctx.queries.operator_calls, _operator_id(user), 20)
    return render(request, "operator.html", desk=state, calls=calls)


@router.get("/operator/events", include_in_schema=False)
async def desk_events(request: Request, user: User) -> StreamingResponse:
    ctx = ctx_of(request)

    t = translator_of(request)

    async def produce() -> dict[str, Any]:
        return await asyncio.to_thread(desk_state, ctx, user, t)

    return event_stream(request, produce, ctx.web.sse_interval_s, ctx.web.sse_max_events)


@router.get("/api/operator/state", tags=["operator"])
async def api_state(request: Request, user: User) -> dict[str, Any]:
    """The desk: state, seconds in it, the customer card of the current call and its dispositions."""
    return await asyncio.to_thread(desk_state, ctx_of(request), user, translator_of(request))


@router.get("/api/operator/calls", tags=["operator"])
async def api_calls(request: Request, user: User) -> list[dict[str, Any]]:
    """The operator's own recent calls (never anybody else's)."""
    rows = await asyncio.to_thread(ctx_of(request).queries.operator_calls, _operator_id(user), 50)
    return [
        {
            "attempt_id": a.id,
            "at": a.originated_at.isoformat(),
            "phone": c.phone,
            "company": c.company,
            "outcome": a.outcome,
            "disposition": a.disposition_code,
            "notes": a.notes,
        }
        for a, c in rows
    ]


async def _logged_in(ctx: WebContext, user: WebUser) -> tuple[int, OperatorView]:
    """The campaign and live operator of this user's softphone session, or 409."""
    op_row = await asyncio.to_thread(ctx.queries.operator_by_id, _operator_id(user))
    live = _live(ctx, op_row.login) if op_row else None
    if live is None:
        raise HTTPException(status_code=409, detail="not logged in to a campaign")
    return live


def _need_service(ctx: WebContext) -> Any:
    if ctx.service is None:
        raise HTTPException(status_code=503, detail="no dialer service attached to this web process")
    return ctx.service


@router.post("/api/operator/login", tags=["operator"])
async def api_login(request: Request, body: CampaignBody, user: User) -> dict[str, Any]:
    """Call the operator's softphone once and keep it connected (nailed up) for the campaign."""
    ctx = ctx_of(request)
    service = _need_service(ctx)
    if service.view.campaign(body.campaign_id) is None:
        raise HTTPException(status_code=404, detail="campaign is not running in this dialer")
    op_row = await asyncio.to_thread(ctx.queries.operator_by_id, _operator_id(user))
    assert op_row is not None
    if _live(ctx, op_row.login) is None:
        try:
            await service.login(body.campaign_id, op_row.login)
        except TelephonyError as exc:
            raise HTTPException(status_code=502, detail=f"could not call the softphone: {exc}") from None
    return await asyncio.to_thread(desk_state, ctx, user, translator_of(request))


@router.post("/api/operator/ready", tags=["operator"])
async def api_ready(request: Request, user: User) -> dict[str, Any]:
    ctx = ctx_of(request)
    service = _need_service(ctx)
    live = await _logged_in(ctx, user)
    await service.set_ready(live[0], live[1].login)
    return await asyncio.to_thread(desk_state, ctx, user, translator_of(request))


@router.post("/api/operator/record", tags=["operator"])
async def api_record(request: Request, user: User) -> dict[str, Any]:
    """Start recording the current call (campaigns whose recording is on demand)."""
    ctx = ctx_of(request)
    service = _need_service(ctx)
    live = await _logged_in(ctx, user)
    running = service.view.campaign(live[0])
    if running is None or running.record != "on_demand":
        raise HTTPException(status_code=409, detail="this campaign does not record on demand")
    try:
        await service.record_now(live[0], live[1].login)
    except ValueError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return await asyncio.to_thread(desk_state, ctx, user, translator_of(request))


@router.post("/api/operator/machine", tags=["operator"])
async def api_machine(request: Request, body: MachineBody, user: User) -> dict[str, Any]:
    """End the current call as an answering machine (one key; `keep`: it is a person after all)."""
    ctx = ctx_of(request)
    service = _need_service(ctx)
    live = await _logged_in(ctx, user)
    try:
        await service.end_as_machine(live[0], live[1].login, keep=body.keep)
    except ValueError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return await asyncio.to_thread(desk_state, ctx, user, translator_of(request))


@router.post("/api/operator/pause", tags=["operator"])
async def api_pause(request: Request, body: PauseBody, user: User) -> dict[str, Any]:
    ctx = ctx_of(request)
    service = _need_service(ctx)
    if body.reason not in ctx.web.pause_codes:
        raise HTTPException(status_code=422, detail=f"unknown pause code; use one of {list(ctx.web.pause_codes)}")
    live = await _logged_in(ctx, user)
    if live[1].state is not OperatorState.READY:
        raise HTTPException(status_code=409, detail="pause is possible only when ready (finish the call first)")
    await service.pause(live[0], live[1].login, body.reason)
    return await asyncio.to_thread(desk_state, ctx, user, translator_of(request))


@router.post("/api/operator/disposition", tags=["operator"])
async def api_disposition(request: Request, body: DispositionBody, user: User) -> dict[str, Any]:
    """Record the outcome of the operator's current call (and a callback date); sends the webhooks."""
    ctx = ctx_of(request)
    operator_id = _operator_id(user)
    attempt = await asyncio.to_thread(ctx.queries.attempt, body.attempt_id)
    op_row = await asyncio.to_thread(ctx.queries.operator_by_id, operator_id)
    live = _live(ctx, op_row.login) if op_row else None
    own = attempt is not None and (
        attempt.operator_id == operator_id or (live is not None and live[1].attempt_id == attempt.id)
    )
    if attempt is None or not own or op_row is None:
        raise HTTPException(status_code=404, detail="no such call of yours")
    current_call = live is not None and live[1].attempt_id == attempt.id and ctx.service is not None
    campaign = await asyncio.to_thread(ctx.repo.campaign, attempt.campaign_id)
    now = utcnow()
    refusal = operator_may_dispose(
        attempt, current_call=current_call, wrapup_s=campaign.wrapup_s, grace_s=ctx.web.disposition_grace_s, now=now
    )
    if refusal is not None:
        raise refusal.error()
    codes = {d.code: d for d in await asyncio.to_thread(ctx.queries.dispositions, attempt.campaign_id)}
    if body.code not in codes:
        raise HTTPException(status_code=422, detail="unknown disposition for this campaign")
    next_at = body.next_action_at
    if codes[body.code].callback and next_at is None:
        raise HTTPException(status_code=422, detail="a callback needs the next action date and time")
    contact = await asyncio.to_thread(ctx.queries.contact, attempt.contact_id)
    if next_at is not None and (bad := check_callback(next_at, campaign, contact, now)) is not None:
        raise bad.error()
    notes = body.notes or None
    if current_call:
        assert live is not None and ctx.service is not None
        await ctx.service.dispose(live[0], op_row.login, body.code, notes, next_at)
    else:
        await asyncio.to_thread(ctx.repo.record_disposition, attempt.id, body.code, notes, next_at)
    if attempt.disposition_code is not None:  # a correction within the grace: keep what it replaced
        await asyncio.to_thread(ctx.queries.audit_disposition_change, user.id, attempt, body.code)
    ev = DispositionEvent(
        attempt_id=attempt.id,
        campaign_id=campaign.id,
        campaign=campaign.name,
        contact_id=attempt.contact_id,
        phone=attempt.phone,
        company=contact.company if contact else None,
        operator=op_row.login,
        outcome=attempt.outcome,
        disposition=body.code,
        notes=notes,
        next_action_at=next_at,
        at=utcnow(),
    )
    ctx.webhooks.fire(build_payloads(ev))
    return {"ok": True, "state": await asyncio.to_thread(desk_state, ctx, user, translator_of(request))}
