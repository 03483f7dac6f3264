"""The supervisor's wallboard: the whole floor on one screen, live (the screen VICIdial's real-time report
is for). Operators and calls come from the live service's read model (`service.view`); the day's abandon
rate and throughput come from the attempts stored in the database, so they survive a restart."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import func, select

from dialer.db.models import Attempt, Operator, utcnow
from dialer.db.repositories.base import OUTBOUND
from dialer.service.campaign_config import requested_and_effective
from dialer.web.context import WebContext, ctx_of, render
from dialer.web.params import IdPath
from dialer.web.security import RoleGuard, WebUser, current_user
from dialer.web.sse import event_stream

router = APIRouter(dependencies=[Depends(RoleGuard("admin", "manager", "supervisor"))])
User = Annotated[WebUser, Depends(current_user)]
STATES = ("ready", "on_call", "wrap_up", "paused")
WAITING_STAGES = ("answered", "waiting")  # a person answered and no operator is on the line yet


def _throughput(ctx: WebContext, campaign_id: int) -> dict[str, int]:
    """Calls dialled and conversations (bridged) in the last hour."""
    since = utcnow() - timedelta(hours=1)
    with ctx.repo.sessions() as s:
        dialled = s.scalar(
            select(func.count()).where(
                Attempt.campaign_id == campaign_id, Attempt.originated_at >= since, Attempt.direction == OUTBOUND
            )
        )
        bridged = s.scalar(
            select(func.count()).where(
                Attempt.campaign_id == campaign_id, Attempt.bridged_at.is_not(None), Attempt.bridged_at >= since
            )
        )
    return {"dialled_hour": int(dialled or 0), "bridged_hour": int(bridged or 0)}


def floor(ctx: WebContext) -> dict[str, Any]:
    """One frame of the wallboard: every logged-in operator, calls by stage, abandon rates and throughput."""
    now = time.monotonic()
    with ctx.repo.sessions() as s:
        names = {o.login: o.name for o in s.scalars(select(Operator))}
    views = {v.campaign_id: v for v in ctx.service.view.campaigns()} if ctx.service is not None else {}
    operators: list[dict[str, Any]] = []
    campaigns: list[dict[str, Any]] = []
    in_flight = waiting = 0
    for c in ctx.queries.campaigns():
        view = views.get(c.id)
        if c.status != "running" and view is None:
            continue
        rates = ctx.queries.abandon_rates(c.id)
        cap = view.knobs.target_abandon_rate if view is not None else requested_and_effective(c)[1].target_abandon_rate
        row: dict[str, Any] = {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "live": view is not None,
            "calls_in_flight": view.calls_in_flight if view is not None else 0,
            "waiting": sum(view.calls_by_stage.get(k, 0) for k in WAITING_STAGES) if view is not None else 0,
            "operators": len(view.operators) if view is not None else 0,
            "abandon_day": rates["day"]["rate"],
            "abandon_hour": rates["hour"]["rate"],
            "live_day": rates["day"]["live"],
            "live_hour": rates["hour"]["live"],
            "cap": cap,
            "inbound": ctx.queries.inbound_today(c),
            **_throughput(ctx, c.id),
        }
        row["over_cap"] = row["abandon_day"] > cap or row["abandon_hour"] > cap
        campaigns.append(row)
        in_flight += row["calls_in_flight"]
        waiting += row["waiting"]
        if view is None:
            continue
        for op in view.operators:
            state_s = max(0.0, now - op.since)
            operators.append(
                {
                    "login": op.login,
                    "name": names.get(op.login) or op.login,
                    "state": op.state_name,
                    "state_s": round(state_s, 1),
                    "campaign": c.name,
                    "call_s": round(state_s, 1) if op.state_name == "on_call" else None,
                }
            )
    operators.sort(key=lambda o: (o["state"] != "on_call", o["state"] != "ready", o["login"]))
    live_day = sum(r["live_day"] for r in campaigns)
    abandoned_day = sum(r["abandon_day"] * r["live_day"] for r in campaigns)
    live_hour = sum(r["live_hour"] for r in campaigns)
    abandoned_hour = sum(r["abandon_hour"] * r["live_hour"] for r in campaigns)
    return {
        "live": ctx.service is not None,
        "operators": operators,
        "calls_in_flight": in_flight,
        "waiting": waiting,
        "abandon_day": abandoned_day / live_day if live_day else 0.0,
        "abandon_hour": abandoned_hour / live_hour if live_hour else 0.0,
        "cap": min((r["cap"] for r in campaigns), default=0.03),
        "campaigns": campaigns,
        "by_state": {s: sum(1 for o in operators if o["state"] == s) for s in STATES},
    }


@router.get("/wallboard", response_class=HTMLResponse, include_in_schema=False)
async def wallboard_page(request: Request) -> HTMLResponse:
    frame = await asyncio.to_thread(floor, ctx_of(request))
    return render(request, "wallboard.html", f=frame)


@router.get("/wallboard/events", include_in_schema=False)
async def wallboard_events(request: Request) -> StreamingResponse:
    ctx = ctx_of(request)

    async def produce() -> dict[str, Any]:
        return await asyncio.to_thread(floor, ctx)

    return event_stream(request, produce, ctx.web.sse_interval_s, ctx.web.sse_max_events)


@router.get("/api/wallboard", tags=["wallboard"])
async def api_wallboard(request: Request) -> dict[str, Any]:
    """The floor now: operators with state and time in it, calls in flight and waiting, abandon rates against
    the cap, throughput per campaign."""
    return await asyncio.to_thread(floor, ctx_of(request))


def hourly(ctx: WebContext, campaign_id: int, hours: int = 24) -> dict[str, Any]:
    """The campaign's last `hours` hour by hour: calls dialled, conversations, abandons and the abandon rate
    (abandoned over live answers), for the results chart on the campaign page."""
    now = utcnow()
    start = (now - timedelta(hours=hours - 1)).replace(minute=0, second=0, microsecond=0)
    with ctx.repo.sessions() as s:
        rows = s.execute(
            select(Attempt.originated_at, Attempt.bridged_at, Attempt.outcome).where(
                Attempt.campaign_id == campaign_id, Attempt.originated_at >= start, Attempt.direction == OUTBOUND
            )
        ).all()
    slots = [start + timedelta(hours=i) for i in range(hours)]
    dialled, bridged, abandoned = [0] * hours, [0] * hours, [0] * hours
    for originated, bridged_at, outcome in rows:
        at = originated if originated.tzinfo else originated.replace(tzinfo=start.tzinfo)
        i = int((at - start).total_seconds() // 3600)
        if 0 <= i < hours:
            dialled[i] += 1
            bridged[i] += bridged_at is not None
            abandoned[i] += outcome == "abandoned"
    rate = [a / (b + a) if (b + a) else None for a, b in zip(abandoned, bridged, strict=True)]
    return {
        "hours": [int(t.timestamp()) for t in slots],
        "dialled": dialled,
        "bridged": bridged,
        "abandoned": abandoned,
        "abandon_rate": rate,
    }


results = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])


@results.get("/api/campaigns/{campaign_id}/hourly", tags=["campaigns"])
async def api_hourly(request: Request, campaign_id: IdPath) -> dict[str, Any]:
    """The last 24 hours, hour by hour: dialled, bridged, abandoned and the abandon rate (a fraction)."""
    return await asyncio.to_thread(hourly, ctx_of(request), campaign_id)
