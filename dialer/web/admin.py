"""Admin: the per-campaign pacing console (knobs, live chart) and users/operators management."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from dialer.campaigns import LIVE_KNOBS
from dialer.pacing import DialingMode, PacingKnobs
from dialer.service.campaign_config import inbound_of, requested_and_effective
from dialer.web.context import WebContext, ctx_of, render, translator_of
from dialer.web.i18n import Translator
from dialer.web.messages import UserError
from dialer.web.pacing_words import decision_words
from dialer.web.params import MAX_DB_INT, Body, Id, IdPath
from dialer.web.queries import KNOBS, check_inbound_knobs, inbound_target_values, parse_knob
from dialer.web.security import ROLES, ROLES_LEAST_FIRST, RoleGuard, WebUser, current_user, hash_password
from dialer.web.sse import event_stream
from dialer.web.state import dead_letters
from dialer.web.totp import new_secret, provisioning_uri
from dialer.web.users import normalise_username, valid_username

# Every route here needs one of these roles (and CSRF on state changes); the route x role test checks it.
router = APIRouter(dependencies=[Depends(RoleGuard("admin"))])
User = Annotated[WebUser, Depends(current_user)]
T = TypeVar("T")


class PacingBody(BaseModel):
    changes: dict[str, Any] = Field(description="knob -> new value; knobs: " + ", ".join(KNOBS))


class NewUser(Body):
    username: str = Field(
        min_length=2, max_length=80, description="letters of any script, digits, _ . @ -; compared ignoring case"
    )
    password: str = Field(min_length=10, max_length=1024)
    role: str = Field(pattern="^(admin|manager|operator|qa|supervisor)$")
    operator_id: Id | None = None


class UserUpdate(Body):
    role: str | None = Field(default=None, pattern="^(admin|manager|operator|qa|supervisor)$")
    active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=1024)
    operator_id: Id | None = None


class NewOperator(Body):
    login: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(default="", max_length=200)
    sip_endpoint: str = Field(min_length=3, max_length=200, pattern=r"^[A-Za-z]+/[A-Za-z0-9_.@-]+$")


def knobs_dict(ctx: WebContext, campaign_id: int) -> dict[str, Any]:
    try:
        if not 1 <= campaign_id <= MAX_DB_INT:  # the database could not even look it up
            raise KeyError(campaign_id)
        c = ctx.repo.campaign(campaign_id)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such campaign") from None
    requested, effective = requested_and_effective(c)
    inbound = inbound_of(c)
    return {
        "campaign": {"id": c.id, "name": c.name, "status": c.status},
        "knobs": _knob_values(requested),
        # a blended campaign's inbound target (the file's, or the admin's change); None: no inbound
        "inbound": inbound_target_values(inbound) if inbound is not None else None,
        # what pacing uses: the jurisdiction profile caps the requested values, live or at start
        "effective": _knob_values(effective),
        "overrides": c.pacing_overrides or {},
        "history": [
            {
                "at": p.at.isoformat(timespec="seconds"),
                "user": u,
                "knob": p.knob,
                "old": p.old_value,
                "new": p.new_value,
            }
            for p, u in ctx.queries.pacing_history(campaign_id)
        ],
    }


def _knob_values(k: PacingKnobs) -> dict[str, Any]:
    return {name: (getattr(k, name).value if name == "mode" else getattr(k, name)) for name in LIVE_KNOBS}


def live_figures(ctx: WebContext, campaign_id: int, t: Translator) -> dict[str, Any]:
    """One point of the console's chart: calls in flight, operators by state, abandon rates, pacing (the last
    decision in the reader's words, and the engine's own English line under `decision`)."""
    rates = ctx.queries.abandon_rates(campaign_id)
    knobs = knobs_dict(ctx, campaign_id)
    out: dict[str, Any] = {
        "campaign_id": campaign_id,
        "calls_in_flight": 0,
        "calls_by_stage": {},
        "operators_by_state": {},
        "abandon_day": rates["day"]["rate"],
        "abandon_hour": rates["hour"]["rate"],
        "live_day": rates["day"]["live"],
        "target_abandon_rate": knobs["effective"]["target_abandon_rate"],
        "requested_target_abandon_rate": knobs["knobs"]["target_abandon_rate"],
        "lines_per_operator": 0.0,
        "decision": None,
        "decision_text": "",
        "live": False,
    }
    view = ctx.service.view.campaign(campaign_id) if ctx.service is not None else None
    if view is not None:
        out.update(
            live=True,
            calls_in_flight=view.calls_in_flight,
            calls_by_stage=dict(view.calls_by_stage),
            operators_by_state=view.operators_by_state,
            lines_per_operator=round(view.lines_per_operator, 2),
            decision=view.last_decision,
            decision_text=decision_words(t, view.decision),
            target_abandon_rate=view.knobs.target_abandon_rate,
            requested_target_abandon_rate=view.requested_knobs.target_abandon_rate,
        )
    return out


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
async def admin_page(request: Request) -> HTMLResponse:
    ctx = ctx_of(request)
    campaigns = await asyncio.to_thread(ctx.queries.campaigns)
    return render(request, "admin.html", campaigns=campaigns)


@router.get("/admin/campaigns/{campaign_id}/pacing", response_class=HTMLResponse, include_in_schema=False)
async def pacing_page(request: Request, campaign_id: IdPath) -> HTMLResponse:
    data = await asyncio.to_thread(knobs_dict, ctx_of(request), campaign_id)
    return render(request, "pacing.html", p=data, modes=[m.value for m in DialingMode])


@router.get("/admin/campaigns/{campaign_id}/events", include_in_schema=False)
async def pacing_events(request: Request, campaign_id: IdPath) -> StreamingResponse:
    ctx = ctx_of(request)
    await asyncio.to_thread(knobs_dict, ctx, campaign_id)

    t = translator_of(request)

    async def produce() -> dict[str, Any]:
        return await asyncio.to_thread(live_figures, ctx, campaign_id, t)

    return event_stream(request, produce, ctx.web.sse_interval_s, ctx.web.sse_max_events)


@router.get("/api/campaigns/{campaign_id}/pacing", tags=["pacing"])
async def api_pacing(request: Request, campaign_id: IdPath) -> dict[str, Any]:
    """Effective knobs (definition + overrides), the overrides and the change history."""
    return await asyncio.to_thread(knobs_dict, ctx_of(request), campaign_id)


@router.get("/api/campaigns/{campaign_id}/pacing/live", tags=["pacing"])
async def api_pacing_live(request: Request, campaign_id: IdPath) -> dict[str, Any]:
    """The figures the console's chart plots (also streamed by /admin/campaigns/{id}/events)."""
    ctx = ctx_of(request)
    await asyncio.to_thread(knobs_dict, ctx, campaign_id)
    return await asyncio.to_thread(live_figures, ctx, campaign_id, translator_of(request))


@router.post("/api/campaigns/{campaign_id}/pacing", tags=["pacing"])
async def api_change_pacing(request: Request, campaign_id: int, body: PacingBody, user: User) -> dict[str, Any]:
    """Change knobs: each change is stored (PacingChange, AuditLog) and applied to a live run at once, through
    the jurisdiction clamp (`effective` in the answer is what pacing uses). A blended campaign's inbound
    target is changed the same way (`service_level_share`, a fraction, and `service_level_within_s`)."""
    ctx = ctx_of(request)
    parsed = _checked(lambda: {k: parse_knob(k, v) for k, v in body.changes.items()})
    known = await asyncio.to_thread(knobs_dict, ctx, campaign_id)
    running = ctx.service.view.campaign(campaign_id) if ctx.service is not None else None
    _checked(lambda: _check_together(parsed, known, running.blended if running is not None else None))
    made = await asyncio.to_thread(ctx.queries.change_pacing, campaign_id, user.id, parsed)
    if ctx.service is not None and made:
        ctx.service.change_knobs(campaign_id, {k: v[1] for k, v in made.items()})
    return {"changed": made, **await asyncio.to_thread(knobs_dict, ctx, campaign_id)}


def _checked(check: Callable[[], T]) -> T:
    """Every refused knob change reads the same way: parse_knob's and check_inbound_knobs' ValueError (a
    message naming the knob, in the catalogue) as a 422 in the admin's language; nothing is stored."""
    try:
        return check()
    except ValueError as exc:
        raise UserError(422, str(exc)) from None


def _check_together(parsed: dict[str, Any], known: dict[str, Any], running_blended: bool | None) -> None:
    """What one knob's parse cannot see: the lines range as a whole, and whether the campaign (stored and,
    when it runs here, running) takes inbound calls at all."""
    check_inbound_knobs(parsed, known["inbound"] is not None, running_blended)
    merged = {**known["knobs"], **parsed}
    if merged["min_lines_per_operator"] > merged["max_lines_per_operator"]:
        raise ValueError("min_lines_per_operator is above max_lines_per_operator")


# -- users and operators -----------------------------------------------------------------------------


def _user_dict(u: Any) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "role": u.role, "operator_id": u.operator_id, "active": u.active}


@router.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
async def users_page(request: Request) -> HTMLResponse:
    ctx = ctx_of(request)
    users = await asyncio.to_thread(ctx.queries.users)
    operators = await asyncio.to_thread(ctx.queries.operators)
    audit = await asyncio.to_thread(ctx.queries.audit_log, None, 30)
    return render(
        request,
        "users.html",
        users=users,
        operators=operators,
        roles=ROLES,
        roles_least_first=ROLES_LEAST_FIRST,
        audit=audit,
    )


@router.get("/api/users", tags=["users"])
async def api_users(request: Request) -> list[dict[str, Any]]:
    return [_user_dict(u) for u in await asyncio.to_thread(ctx_of(request).queries.users)]


@router.post("/api/users", tags=["users"])
async def api_create_user(request: Request, body: NewUser, user: User) -> dict[str, Any]:
    ctx = ctx_of(request)
    if not valid_username(body.username):
        raise UserError(422, "username: 2-80 letters, digits, and . _ @ -")
    if await asyncio.to_thread(ctx.queries.user_by_username, body.username) is not None:
        raise UserError(409, "username taken (names are compared ignoring case)")
    if body.role == "operator" and body.operator_id is None:
        raise HTTPException(status_code=422, detail="an operator user needs operator_id (their softphone)")
    if body.operator_id is not None:
        await asyncio.to_thread(_operator_free, ctx, body.operator_id, None)
    pw_hash = await asyncio.to_thread(hash_password, body.password)
    try:
        new_id = await asyncio.to_thread(ctx.queries.create_user, body.username, pw_hash, body.role, body.operator_id)
    except IntegrityError:  # another admin created the same name or link a moment ago
        raise HTTPException(status_code=409, detail="username or operator taken") from None
    name = normalise_username(body.username)
    await asyncio.to_thread(ctx.queries.audit, user.id, "user.create", f"user:{new_id}", username=name, role=body.role)
    return {"id": new_id, "username": name, "role": body.role}


def _operator_free(ctx: WebContext, operator_id: int, user_id: int | None) -> None:
    """The operator exists and no other user is linked to it (one operator, one user)."""
    if ctx.queries.operator_by_id(operator_id) is None:
        raise UserError(422, "no such operator {operator_id}", operator_id=operator_id)
    holder = ctx.queries.user_of_operator(operator_id)
    if holder is not None and holder.id != user_id:
        raise UserError(
            409,
            "operator {operator_id} is already linked to user {username}",
            operator_id=operator_id,
            username=holder.username,
        )


@router.post("/api/users/{user_id}", tags=["users"])
async def api_update_user(request: Request, user_id: IdPath, body: UserUpdate, user: User) -> dict[str, Any]:
    """Change role, active flag, password or operator link; the user's sessions end at once."""
    ctx = ctx_of(request)
    old = await asyncio.to_thread(ctx.queries.user, user_id)
    if old is None:
        raise HTTPException(status_code=404, detail="no such user")
    if user_id == user.id and (body.role not in (None, "admin") or body.active is False):
        raise HTTPException(status_code=409, detail="you cannot demote or deactivate yourself")
    values: dict[str, Any] = {}
    if body.role is not None and body.role != old.role:
        values["role"] = body.role
    if body.active is not None and body.active != old.active:
        values["active"] = body.active
    if body.operator_id is not None and body.operator_id != old.operator_id:
        await asyncio.to_thread(_operator_free, ctx, body.operator_id, user_id)
        values["operator_id"] = body.operator_id
    if body.password is not None:
        values["password_hash"] = await asyncio.to_thread(hash_password, body.password)
    try:
        row = await asyncio.to_thread(lambda: ctx.queries.update_user(user_id, **values))
    except IntegrityError:
        raise HTTPException(status_code=409, detail="operator taken") from None
    if "role" in values:
        await asyncio.to_thread(
            ctx.queries.audit, user.id, "user.role_change", f"user:{user_id}", old=old.role, new=body.role
        )
    if "active" in values or "operator_id" in values:
        changed = sorted(k for k in values if k not in ("role", "password_hash"))
        await asyncio.to_thread(ctx.queries.audit, user.id, "user.update", f"user:{user_id}", fields=changed)
    if "password_hash" in values:  # an admin's reset: audited on its own, the user's sessions end below
        await asyncio.to_thread(ctx.queries.audit, user.id, "user.password", f"user:{user_id}", by="admin")
    if values and user_id != user.id:
        await asyncio.to_thread(ctx.sessions.drop_user, user_id)
    return _user_dict(row)


class TotpBody(Body):
    enable: bool


@router.post("/api/users/{user_id}/totp", tags=["users"])
async def api_user_totp(request: Request, user_id: IdPath, body: TotpBody, user: User) -> dict[str, Any]:
    """Enrol an admin in the second factor (a new secret, shown once: add it to an authenticator app) or
    remove it. The user's sessions end. Audited."""
    ctx = ctx_of(request)
    row = await asyncio.to_thread(ctx.queries.user, user_id)
    if row is None:
        raise HTTPException(status_code=404, detail="no such user")
    secret = new_secret() if body.enable else None
    await asyncio.to_thread(lambda: ctx.queries.update_user(user_id, totp_secret=secret))
    await asyncio.to_thread(ctx.queries.audit, user.id, "user.totp", f"user:{user_id}", enabled=body.enable)
    if user_id != user.id:
        await asyncio.to_thread(ctx.sessions.drop_user, user_id)
    out: dict[str, Any] = {"id": user_id, "totp": body.enable}
    if secret is not None:
        out.update(secret=secret, uri=provisioning_uri(secret, row.username))
    return out


@router.get("/api/operators", tags=["users"])
async def api_operators(request: Request) -> list[dict[str, Any]]:
    ops = await asyncio.to_thread(ctx_of(request).queries.operators)
    return [
        {"id": o.id, "login": o.login, "name": o.name, "sip_endpoint": o.sip_endpoint, "active": o.active} for o in ops
    ]


@router.post("/api/operators", tags=["users"])
async def api_add_operator(request: Request, body: NewOperator, user: User) -> dict[str, Any]:
    """Register an operator (a softphone) or change its endpoint."""
    ctx = ctx_of(request)
    op_id = await asyncio.to_thread(ctx.repo.ensure_operator, body.login, body.name or body.login, body.sip_endpoint)
    await asyncio.to_thread(ctx.queries.audit, user.id, "operator.upsert", f"operator:{op_id}", login=body.login)
    return {"id": op_id, "login": body.login}


@router.get("/api/webhooks/dead-letters", tags=["users"])
async def api_dead_letters(request: Request) -> list[dict[str, Any]]:
    """Webhooks every retry failed to deliver (newest first), with their body and last error."""
    rows = await asyncio.to_thread(dead_letters, ctx_of(request).repo.sessions)
    return [
        {
            "id": r.id,
            "at": r.created_at.isoformat(timespec="seconds"),
            "url": r.url,
            "event": r.event,
            "attempts": r.attempts,
            "error": r.last_error,
            "payload": r.payload,
        }
        for r in rows
    ]
