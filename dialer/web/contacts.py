"""The contacts browser: find a contact by phone, company or status, and read its whole story (every
attempt with operator, outcome, disposition, notes and recording). Managers and admins; read-only."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_, select

from dialer.db.models import Attempt, Campaign, Contact, Operator, Recording
from dialer.web.context import WebContext, ctx_of, render
from dialer.web.params import MAX_DB_INT, IdPath
from dialer.web.security import RoleGuard

router = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])
PAGE = 100
STATUSES = ("new", "held", "done", "filtered", "corporate", "dnc")


@dataclass(frozen=True)
class ContactSearch:
    phone: str | None = None  # digits anywhere in the main or an alternate number
    company: str | None = None  # part of the company or the contact person's name, any case
    status: str | None = None
    campaign_id: int | None = None


def search(ctx: WebContext, f: ContactSearch) -> list[dict[str, Any]]:
    with ctx.repo.sessions() as s:
        q = select(Contact, Campaign.name).join(Campaign, Campaign.id == Contact.campaign_id)
        if f.phone:
            digits = re.sub(r"\D", "", f.phone)
            if digits:
                q = q.where(Contact.phone.contains(digits, autoescape=True))
        if f.company:
            like = f"%{f.company.casefold()}%"
            q = q.where(or_(func.lower(Contact.company).like(like), func.lower(Contact.contact_person).like(like)))
        if f.status:
            q = q.where(Contact.status == f.status)
        if f.campaign_id is not None:
            q = q.where(Contact.campaign_id == f.campaign_id)
        rows = s.execute(q.order_by(Contact.id.desc()).limit(PAGE)).all()
        return [
            {
                "id": c.id,
                "phone": c.phone,
                "company": c.company,
                "contact_person": c.contact_person,
                "campaign": name,
                "status": c.status,
                "attempts": c.attempt_count,
                "last_outcome": c.last_outcome,
                "next_attempt_at": c.next_attempt_at,
            }
            for c, name in rows
        ]


def story(ctx: WebContext, contact_id: int) -> dict[str, Any]:
    """A contact with every attempt (newest first), its operator's name and its recording."""
    with ctx.repo.sessions() as s:
        c = s.get(Contact, contact_id)
        if c is None:
            raise HTTPException(status_code=404, detail="no such contact")
        campaign = s.get(Campaign, c.campaign_id)
        rows = s.execute(
            select(Attempt, Operator.name, Operator.login, Recording.id, Recording.duration_s)
            .outerjoin(Operator, Operator.id == Attempt.operator_id)
            .outerjoin(Recording, Recording.attempt_id == Attempt.id)
            .where(Attempt.contact_id == contact_id)
            .order_by(Attempt.originated_at.desc())
        ).all()
        return {
            "contact": c,
            "campaign": campaign.name if campaign else "",
            "attempts": [
                {
                    "id": a.id,
                    "at": a.originated_at,
                    "phone": a.phone,
                    "operator": name or login,
                    "outcome": a.outcome,
                    "disposition": a.disposition_code,
                    "talk_s": (a.ended_at - a.bridged_at).total_seconds() if a.bridged_at and a.ended_at else None,
                    "notes": a.notes,
                    "next_action_at": a.next_action_at,
                    "recording_id": rec_id,
                    "recording_s": rec_s,
                }
                for a, name, login, rec_id, rec_s in rows
            ],
        }


def _filter(
    phone: Annotated[str | None, Query(max_length=40)] = None,
    company: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    campaign_id: Annotated[str | None, Query(max_length=20)] = None,
) -> ContactSearch:
    return ContactSearch(
        phone or None,
        (company or "").strip() or None,
        status if status in STATUSES else None,
        int(campaign_id) if campaign_id and campaign_id.isdigit() and 0 < int(campaign_id) <= MAX_DB_INT else None,
    )


Search = Annotated[ContactSearch, Depends(_filter)]


@router.get("/manager/contacts", response_class=HTMLResponse, include_in_schema=False)
async def contacts_page(request: Request, f: Search) -> HTMLResponse:
    ctx = ctx_of(request)
    asked = any(x is not None for x in (f.phone, f.company, f.status, f.campaign_id))
    rows = await asyncio.to_thread(search, ctx, f) if asked else []
    campaigns = await asyncio.to_thread(ctx.queries.campaigns)
    return render(
        request, "contacts.html", f=f, rows=rows, asked=asked, campaigns=campaigns, statuses=STATUSES, page=PAGE
    )


@router.get("/manager/contacts/{contact_id}", response_class=HTMLResponse, include_in_schema=False)
async def contact_page(request: Request, contact_id: IdPath) -> HTMLResponse:
    data = await asyncio.to_thread(story, ctx_of(request), contact_id)
    return render(request, "contact.html", **data)
