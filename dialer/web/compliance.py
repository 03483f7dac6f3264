"""Compliance pages and API for managers and admins: the evidence report of a campaign over a period
(figures on the page, CSV/XLSX downloads built by `dialer.adapters.compliance_evidence`, as the CLI's),
and one number's consent and do-not-call history with an opt-out form. Every change is audited."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from dialer.adapters.compliance_evidence import (
    NoComplianceProfile,
    campaign_evidence,
    write_evidence,
    write_evidence_ledger,
)
from dialer.compliance.consent import ADVERTISING, ConsentAction, ConsentChannel, NewConsentEvent, current_consent
from dialer.compliance.evidence import EvidenceReport
from dialer.compliance.evidence_tables import summary_rows
from dialer.compliance.profiles import PROFILES
from dialer.db.compliance_store import (
    as_event,
    consent_history,
    dnc_history,
    record_consent,
    register_states,
    registers_listing,
    remove_do_not_call,
)
from dialer.db.models import Campaign
from dialer.web.context import WebContext, ctx_of, render
from dialer.web.manager import record_opt_out
from dialer.web.params import AwareDatetime, Body, Id, IdPath, IdQuery, e164, parse_day, parse_id
from dialer.web.security import RoleGuard, WebUser, current_user

router = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])
User = Annotated[WebUser, Depends(current_user)]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _campaign(ctx: WebContext, campaign_id: int) -> Campaign:
    try:
        return ctx.repo.campaign(campaign_id)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such campaign") from None


def _period(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """Default: the last 7 days up to today (UTC)."""
    today = dt.datetime.now(dt.UTC).date()
    last = parse_day(end, "to") if end else today
    first = parse_day(start, "from") if start else last - dt.timedelta(days=6)
    if last < first:
        raise HTTPException(status_code=422, detail="the period ends before it starts")
    if (last - first).days > 366:
        raise HTTPException(status_code=422, detail="at most a year at a time")
    return first, last


def _report(ctx: WebContext, campaign_id: int, first: dt.date, last: dt.date, profile: str | None) -> EvidenceReport:
    if profile is not None and profile.upper() not in PROFILES:
        raise HTTPException(status_code=422, detail=f"unknown profile {profile!r}")
    c = _campaign(ctx, campaign_id)
    try:
        return campaign_evidence(ctx.repo.sessions, c, period_start=first, period_end=last, profile_code=profile)
    except NoComplianceProfile as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def figures(report: EvidenceReport) -> dict[str, Any]:
    """The headline figures (the period's totals), as the page and the JSON API show them."""
    t = report.totals
    return {
        "campaign": report.campaign,
        "profile": report.profile,
        "period": [report.period_start.isoformat(), report.period_end.isoformat()],
        "compliant": report.compliant,
        "abandon_cap": report.abandon_cap,
        "abandon_period": report.abandon_period.value,
        "calls_placed": int(t.calls_placed.value),
        "live_answers": int(t.live_answers.value),
        "abandons": int(t.abandons.value),
        "late_connects": int(t.late_connects.value),
        "machines": int(t.machines.value),
        "amd_fp_estimate": round(float(t.amd_fp_estimate.value), 4),
        "abandon_rate": round(t.abandon_rate, 6),
        "windows_over_cap": [w.label for w in report.over_cap],
        "outside_window": int(report.outside_window.value),
        "blocked": {reason: int(f.value) for reason, f in sorted(report.blocked.items())},
        "connect_over_limit": int(report.latency.over_limit.value),
        "abandon_messages": {k: int(f.value) for k, f in sorted(report.abandon_messages.items())},
    }


@router.get("/manager/compliance", response_class=HTMLResponse, include_in_schema=False)
async def compliance_page(
    request: Request,
    campaign_id: IdQuery = None,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    profile: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    ctx = ctx_of(request)
    campaigns = await asyncio.to_thread(ctx.queries.campaigns)
    first, last = _period(start, end)
    profile = profile or None  # "" is the picker's "the campaign's own"
    report, error = None, None
    if campaign_id is not None:
        try:
            report = await asyncio.to_thread(_report, ctx, campaign_id, first, last, profile)
        except HTTPException as exc:
            if exc.status_code == 404:
                raise
            error = str(exc.detail)
    query = urlencode({"from": first.isoformat(), "to": last.isoformat(), **({"profile": profile} if profile else {})})
    return render(
        request,
        "compliance.html",
        campaigns=campaigns,
        selected=campaign_id,
        first=first.isoformat(),
        last=last.isoformat(),
        report=report,
        f=figures(report) if report is not None else None,
        rows=list(summary_rows(report)) if report is not None else [],
        query=query,
        error=error,
        profiles=list(PROFILES),
        chosen_profile=profile.upper() if profile else "",
    )


@router.get("/api/campaigns/{campaign_id}/compliance", tags=["compliance"])
async def api_compliance(
    request: Request,
    campaign_id: IdPath,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    profile: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    """The evidence report's figures for the period (default: the last 7 days); `profile` overrides the campaign's."""
    first, last = _period(start, end)
    report = await asyncio.to_thread(_report, ctx_of(request), campaign_id, first, last, profile)
    return figures(report)


async def _compliance_file(
    request: Request, campaign_id: int, fmt: str, start: str | None, end: str | None, profile: str | None, ledger: bool
) -> Response:
    first, last = _period(start, end)
    report = await asyncio.to_thread(_report, ctx_of(request), campaign_id, first, last, profile)

    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"report.{fmt}"
            (write_evidence_ledger if ledger else write_evidence)(report, path)
            return path.read_bytes()

    data = await asyncio.to_thread(build)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", report.campaign)
    name = f"evidence-{safe}-{first.isoformat()}_{last.isoformat()}{'-ledger' if ledger else ''}.{fmt}"
    return Response(data, media_type=FORMATS[fmt], headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/api/campaigns/{campaign_id}/compliance.csv", tags=["compliance"])
async def api_compliance_csv(
    request: Request,
    campaign_id: IdPath,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    profile: Annotated[str | None, Query(max_length=20)] = None,
    ledger: bool = False,
) -> Response:
    """The evidence report as CSV: the summary (every figure with its attempt ids) or, with
    `ledger=true`, one row per attempt. The same writer as `dialer compliance report`."""
    return await _compliance_file(request, campaign_id, "csv", start, end, profile, ledger)


@router.get("/api/campaigns/{campaign_id}/compliance.xlsx", tags=["compliance"])
async def api_compliance_xlsx(
    request: Request,
    campaign_id: IdPath,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    profile: Annotated[str | None, Query(max_length=20)] = None,
    ledger: bool = False,
) -> Response:
    """The evidence report as XLSX (summary, or the attempts ledger with `ledger=true`)."""
    return await _compliance_file(request, campaign_id, "xlsx", start, end, profile, ledger)


# -- one number: consent and do-not-call history ------------------------------------------------------


def number_history(ctx: WebContext, phone: str) -> dict[str, Any]:
    """Everything we hold about a number's consent and opt-outs, oldest first, with the current state."""
    consents = consent_history(ctx.repo.sessions, phone)
    dnc = dnc_history(ctx.repo.sessions, phone)
    names = {c.id: c.name for c in ctx.queries.campaigns()}
    users = {u.id: u.username for u in ctx.queries.users()}
    with ctx.repo.sessions() as s:
        listed = sorted(registers_listing(s, [phone]).get(phone, set()))
    states = register_states(ctx.repo.sessions)
    now = dt.datetime.now(dt.UTC)
    state = current_consent([as_event(r) for r in consents], ADVERTISING, now)
    if state is None:
        consent_now = "none"
    elif state.revoked_at is not None and state.revoked_at <= now:
        consent_now = "withdrawn"
    elif state.expires_at is not None and state.expires_at <= now:
        consent_now = "expired"
    else:
        consent_now = "given"
    return {
        "phone": phone,
        "do_not_call": [
            {
                "id": r.id,
                "list": names.get(r.campaign_id, f"campaign {r.campaign_id}") if r.campaign_id else "global",
                "campaign_id": r.campaign_id,
                "added_at": r.added_at.isoformat(),
                "source": r.source,
                "reason": r.reason,
                "added_by": users.get(r.added_by) if r.added_by else None,
                "removed_at": r.removed_at.isoformat() if r.removed_at else None,
                "removed_by": users.get(r.removed_by) if r.removed_by else None,
                "removed_source": r.removed_source,
                "removed_reason": r.removed_reason,
            }
            for r in dnc
        ],
        "on_do_not_call": [x.campaign_id for x in dnc if x.removed_at is None],
        "consent": [
            {
                "id": r.id,
                "action": r.action,
                "purpose": r.purpose,
                "source": r.source,
                "channel": r.channel,
                "reference": r.reference,
                "contact_id": r.contact_id,
                "given_at": r.given_at.isoformat(),
                "expires_at": r.expires_at.isoformat() if r.expires_at else None,
                "recorded_at": r.recorded_at.isoformat(),
                "recorded_by": users.get(r.recorded_by) if r.recorded_by else None,
            }
            for r in consents
        ],
        "advertising_consent": consent_now,
        "registers": [{"name": n, "as_of": states[n].as_of.date().isoformat()} for n in listed if n in states],
    }


@router.get("/manager/numbers", response_class=HTMLResponse, include_in_schema=False)
async def numbers_page(
    request: Request, phone: Annotated[str | None, Query(max_length=40)] = None, done: str | None = None
) -> HTMLResponse:
    ctx = ctx_of(request)
    history, error = None, None
    if phone:
        try:
            number = e164(phone)
        except HTTPException as exc:
            error = str(exc.detail)
        else:
            history = await asyncio.to_thread(number_history, ctx, number)
    campaigns = await asyncio.to_thread(ctx.queries.campaigns)
    return render(
        request,
        "numbers.html",
        phone=phone or "",
        h=history,
        error=error,
        campaigns=campaigns,
        done=done if done in ("opt-out", "already") else None,
    )


@router.post("/manager/numbers/opt-out", include_in_schema=False)
async def numbers_opt_out(
    request: Request,
    user: User,
    phone: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=300)] = "",
    campaign_id: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    """The page's opt-out form: the same path as POST /api/campaigns/do-not-call, with source `web`."""
    cid = parse_id(campaign_id, "campaign_id")
    result = await record_opt_out(ctx_of(request), user, phone, cid, reason.strip() or None, source="web")
    query = urlencode({"phone": result["phone"], "done": "opt-out" if result["added"] else "already"})
    return RedirectResponse(f"/manager/numbers?{query}", status_code=303)


@router.get("/api/compliance/numbers", tags=["compliance"])
async def api_number(request: Request, phone: Annotated[str, Query(min_length=3, max_length=40)]) -> dict[str, Any]:
    """A number's consent and do-not-call history (who, when, from where), its current advertising
    consent state and the national registers it is on."""
    return await asyncio.to_thread(number_history, ctx_of(request), e164(phone))


class ConsentBody(Body):
    phone: str = Field(min_length=3, max_length=40)
    action: ConsentAction = ConsentAction.GIVEN
    purpose: str = Field(default=ADVERTISING, min_length=1, max_length=40, pattern=r"^[a-z0-9_.-]+$")
    source: str = Field(min_length=1, max_length=300)  # where the person gave it: "web form #12", "call"...
    given_at: AwareDatetime | None = None  # when the person gave (withdrew) it; default: now
    expires_at: AwareDatetime | None = None
    contact_id: Id | None = None
    reference: str | None = Field(default=None, max_length=300)


@router.post("/api/compliance/consent", tags=["compliance"])
async def api_consent(request: Request, body: ConsentBody, user: User) -> dict[str, Any]:
    """Record a consent or its withdrawal (a new event: the history is never rewritten). Audited."""
    ctx = ctx_of(request)
    phone = e164(body.phone)
    now = dt.datetime.now(dt.UTC)
    given = body.given_at or now
    for name, value in (("given_at", given), ("expires_at", body.expires_at)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(status_code=422, detail=f"{name} needs a time zone (e.g. 2026-10-01T12:00:00Z)")
    if given > now + dt.timedelta(minutes=5):
        raise HTTPException(status_code=422, detail="given_at is in the future")
    if body.expires_at is not None and (body.action is ConsentAction.WITHDRAWN or body.expires_at <= given):
        raise HTTPException(status_code=422, detail="expires_at: only on a consent, and after given_at")
    event = NewConsentEvent(body.action, body.purpose, body.source.strip(), given, body.expires_at)
    event_id = await asyncio.to_thread(
        record_consent,
        ctx.repo.sessions,
        event,
        phone=phone,
        contact_id=body.contact_id,
        channel=ConsentChannel.API,
        reference=body.reference,
        by=user.id,
    )
    await asyncio.to_thread(
        ctx.queries.audit,
        user.id,
        f"consent.{body.action.value}",
        phone,
        purpose=body.purpose,
        source=body.source,
        given_at=given.isoformat(),
        event_id=event_id,
    )
    return {"id": event_id, "phone": phone, "action": body.action.value, "purpose": body.purpose}


class RemoveBody(Body):
    phone: str = Field(min_length=3, max_length=40)
    campaign_id: Id | None = None  # None: the global list
    reason: str = Field(min_length=1, max_length=300)  # a removal must say why


@router.post("/api/compliance/do-not-call/remove", tags=["compliance"])
async def api_remove_do_not_call(request: Request, body: RemoveBody, user: User) -> dict[str, Any]:
    """Take a number off a do-not-call list. The opt-out rows stay, stamped with who removed them,
    when and why. Audited."""
    ctx = ctx_of(request)
    phone = e164(body.phone)
    if body.campaign_id is not None:
        await asyncio.to_thread(_campaign, ctx, body.campaign_id)
    n = await asyncio.to_thread(
        remove_do_not_call,
        ctx.repo.sessions,
        phone,
        campaign_id=body.campaign_id,
        source="api",
        reason=body.reason,
        by=user.id,
    )
    await asyncio.to_thread(
        ctx.queries.audit, user.id, "dnc.remove", phone, campaign_id=body.campaign_id, reason=body.reason, rows=n
    )
    return {"phone": phone, "campaign_id": body.campaign_id, "removed": n}
