"""Campaign manager: campaigns with live progress and funnel, start/pause/stop, corporate queue and results
exports. Managers and admins. List upload is in dialer.web.uploads."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import Field

from dialer.campaigns import apply_campaign, corporate_row
from dialer.db.models import Campaign, utcnow
from dialer.lists import write_csv
from dialer.lists.export import CORPORATE_HEADER, RESULTS_HEADER, result_rows
from dialer.rules.campaign import CampaignDefinitionError, parse_campaign
from dialer.web.context import WebContext, ctx_of, render
from dialer.web.dispositions import check_callback
from dialer.web.params import AwareDatetime, Body, Id, IdPath, e164
from dialer.web.security import RoleGuard, WebUser, current_user
from dialer.web.sse import event_stream

# Every route here needs one of these roles (and CSRF on state changes); the route x role test checks it.
router = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])
User = Annotated[WebUser, Depends(current_user)]
STATUSES = ("running", "paused", "stopped")


class StatusBody(Body):
    status: str = Field(pattern="^(running|paused|stopped)$")


class CampaignYaml(Body):
    yaml: str = Field(min_length=1, max_length=200_000)


def campaign_or_404(ctx: WebContext, campaign_id: int) -> Campaign:
    try:
        return ctx.repo.campaign(campaign_id)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such campaign") from None


def _overview(ctx: WebContext) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "mode": c.dialing_mode,
            "funnel": ctx.queries.funnel(c.id).as_dict(),
        }
        for c in ctx.queries.campaigns()
    ]


@router.get("/manager", response_class=HTMLResponse, include_in_schema=False)
async def campaigns_page(request: Request) -> HTMLResponse:
    rows = await asyncio.to_thread(_overview, ctx_of(request))
    return render(request, "manager.html", campaigns=rows)


@router.get("/manager/events", include_in_schema=False)
async def campaigns_events(request: Request) -> StreamingResponse:
    ctx = ctx_of(request)

    async def produce() -> dict[str, Any]:
        return {"campaigns": await asyncio.to_thread(_overview, ctx)}

    return event_stream(request, produce, ctx.web.sse_interval_s * 2, ctx.web.sse_max_events)


@router.get("/manager/campaigns/{campaign_id}", response_class=HTMLResponse, include_in_schema=False)
async def campaign_page(request: Request, campaign_id: IdPath) -> HTMLResponse:
    ctx = ctx_of(request)
    c = await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    funnel = await asyncio.to_thread(ctx.queries.funnel, campaign_id)
    lists = await asyncio.to_thread(ctx.queries.contact_lists, campaign_id)
    corporate = await asyncio.to_thread(ctx.queries.corporate_contacts, campaign_id, 50)
    shifts = await asyncio.to_thread(ctx.repo.shift_figures, campaign_id)
    inbound = await asyncio.to_thread(ctx.queries.inbound_today, c)
    return render(
        request,
        "campaign.html",
        c=c,
        funnel=funnel.as_dict(),
        lists=lists,
        corporate=corporate,
        shifts=shifts,
        inbound=inbound,
    )


@router.get("/api/campaigns", tags=["campaigns"])
async def api_campaigns(request: Request) -> list[dict[str, Any]]:
    """Every campaign with its status and funnel (contacts by status, dialled, answered, bridged...)."""
    return await asyncio.to_thread(_overview, ctx_of(request))


@router.get("/api/campaigns/{campaign_id}", tags=["campaigns"])
async def api_campaign(request: Request, campaign_id: IdPath) -> dict[str, Any]:
    ctx = ctx_of(request)
    c = await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    funnel = await asyncio.to_thread(ctx.queries.funnel, campaign_id)
    lists = await asyncio.to_thread(ctx.queries.contact_lists, campaign_id)
    return {
        "id": c.id,
        "name": c.name,
        "status": c.status,
        "mode": c.dialing_mode,
        "definition": c.definition,
        "pacing_overrides": c.pacing_overrides,
        "funnel": funnel.as_dict(),
        "inbound_today": await asyncio.to_thread(ctx.queries.inbound_today, c),
        "lists": [
            {
                "id": x.id,
                "name": x.name,
                "file": x.source_file,
                "imported_at": x.imported_at.isoformat(),
                "report": x.report,
            }
            for x in lists
        ],
    }


@router.post("/api/campaigns", tags=["campaigns"])
async def api_apply_campaign(request: Request, body: CampaignYaml) -> dict[str, Any]:
    """Create or update a campaign from its YAML definition (the same file `dialer campaigns apply` reads)."""
    ctx = ctx_of(request)
    try:
        definition = parse_campaign(yaml.safe_load(body.yaml), "<web>")
    except (CampaignDefinitionError, yaml.YAMLError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    campaign_id = await asyncio.to_thread(apply_campaign, ctx.repo, definition, None)
    return {"id": campaign_id, "name": definition.name}


@router.post("/api/campaigns/{campaign_id}/status", tags=["campaigns"])
async def api_set_status(request: Request, campaign_id: IdPath, body: StatusBody, user: User) -> dict[str, Any]:
    """Start (running), pause or stop a campaign. With a live service attached it also acts on the dialler."""
    ctx = ctx_of(request)
    c = await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    await asyncio.to_thread(ctx.repo.set_campaign_status, campaign_id, body.status)
    await asyncio.to_thread(
        ctx.queries.audit, user.id, "campaign.status", f"campaign:{campaign_id}", old=c.status, new=body.status
    )
    service = ctx.service
    if service is not None:
        if body.status == "running":
            try:
                started = await service.start_campaign(campaign_id)
            except ValueError as exc:  # its compliance profile forbids its settings
                await asyncio.to_thread(ctx.repo.set_campaign_status, campaign_id, c.status)
                raise HTTPException(status_code=409, detail=str(exc)) from None
            if started is not None:  # else another dialer process paces it
                service.change_knobs(campaign_id, {"paused": False})
        elif body.status == "stopped":
            await service.stop_campaign(campaign_id)
        else:
            service.change_knobs(campaign_id, {"paused": True})
    return {"id": campaign_id, "status": body.status}


class DoNotCallBody(Body):
    phone: str = Field(min_length=3, max_length=40)
    campaign_id: Id | None = None  # None: no campaign may call the number
    reason: str | None = Field(default=None, max_length=300)


async def record_opt_out(
    ctx: WebContext, user: WebUser, text: str, campaign_id: int | None, reason: str | None, source: str
) -> dict[str, Any]:
    """One opt-out, from the API or the numbers page: validated, stored with who and why, audited."""
    phone = e164(text)
    if campaign_id is not None:
        await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    added = await asyncio.to_thread(
        ctx.repo.add_do_not_call_many, [phone], campaign_id=campaign_id, source=source, reason=reason, by=user.id
    )
    await asyncio.to_thread(
        ctx.queries.audit, user.id, "dnc.add", phone, campaign_id=campaign_id, source=source, reason=reason
    )
    return {"phone": phone, "campaign_id": campaign_id, "added": bool(added)}


@router.post("/api/campaigns/do-not-call", tags=["campaigns"])
async def api_do_not_call(request: Request, body: DoNotCallBody, user: User) -> dict[str, Any]:
    """An opt-out (e.g. from a CRM or an e-mail): the number is not dialled again from the next lease on."""
    return await record_opt_out(ctx_of(request), user, body.phone, body.campaign_id, body.reason, source="api")


class CorrectionBody(Body):
    code: str = Field(min_length=1, max_length=40)
    notes: str | None = Field(default=None, max_length=4000)
    next_action_at: AwareDatetime | None = None
    reason: str = Field(min_length=1, max_length=300)  # a correction after the fact must say why


@router.post("/api/attempts/{attempt_id}/disposition", tags=["campaigns"])
async def api_correct_disposition(
    request: Request, attempt_id: IdPath, body: CorrectionBody, user: User
) -> dict[str, Any]:
    """Change a call's disposition after the operator's grace is over. Audited with the old values."""
    ctx = ctx_of(request)
    attempt = await asyncio.to_thread(ctx.queries.attempt, attempt_id)
    if attempt is None:
        raise HTTPException(status_code=404, detail="no such call")
    campaign = await asyncio.to_thread(campaign_or_404, ctx, attempt.campaign_id)
    codes = {d.code: d for d in await asyncio.to_thread(ctx.queries.dispositions, attempt.campaign_id)}
    if body.code not in codes:
        raise HTTPException(status_code=422, detail="unknown disposition for this campaign")
    if codes[body.code].callback and body.next_action_at is None:
        raise HTTPException(status_code=422, detail="a callback needs the next action date and time")
    if body.next_action_at is not None:
        contact = await asyncio.to_thread(ctx.queries.contact, attempt.contact_id)
        if (bad := check_callback(body.next_action_at, campaign, contact, utcnow())) is not None:
            raise bad.error()
    notes = body.notes if body.notes is not None else attempt.notes
    await asyncio.to_thread(ctx.repo.record_disposition, attempt.id, body.code, notes, body.next_action_at)
    await asyncio.to_thread(ctx.queries.audit_disposition_change, user.id, attempt, body.code, reason=body.reason)
    return {"attempt_id": attempt.id, "old": attempt.disposition_code, "disposition": body.code}


def _csv_response(name: str, header: tuple[str, ...], rows: Any) -> Response:
    buf = io.StringIO()
    write_csv(buf, header, rows)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return Response(
        data, media_type="text/csv; charset=utf-8", headers={"content-disposition": f'attachment; filename="{safe}"'}
    )


@router.get("/api/campaigns/{campaign_id}/corporate.csv", tags=["campaigns"])
async def api_corporate_csv(request: Request, campaign_id: IdPath) -> Response:
    """The corporate queue (contacts routed to the corporate team), Excel-safe CSV."""
    ctx = ctx_of(request)
    c = await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    contacts = await asyncio.to_thread(ctx.queries.corporate_contacts, campaign_id)
    rows = [corporate_row(x) for x in contacts]
    return _csv_response(f"{c.name}-corporate.csv", CORPORATE_HEADER, rows)


@router.get("/api/campaigns/{campaign_id}/results.csv", tags=["campaigns"])
async def api_results_csv(request: Request, campaign_id: IdPath) -> Response:
    """Every contact with its latest outcome and disposition, Excel-safe CSV."""
    ctx = ctx_of(request)
    c = await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    rows = await asyncio.to_thread(ctx.queries.result_rows, campaign_id)
    return _csv_response(f"{c.name}-results.csv", RESULTS_HEADER, list(result_rows(rows)))
