"""A signed-in user's own account: their time zone (the language is the header switch's /language) and
their password (the current one first, the new one twice). Every role may; each change is audited, and a
password change ends every other session of the user."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from dialer.web.context import ctx_of, render, translator_of
from dialer.web.i18n import valid_time_zone, zone_choices
from dialer.web.messages import UserError
from dialer.web.params import Body
from dialer.web.security import ROLES, RoleGuard, WebUser, current_user, hash_password, holder_of, verify_password

# The same minimum the admin's new-user form and `dialer users add` require.
MIN_PASSWORD = 10

router = APIRouter(dependencies=[Depends(RoleGuard(*ROLES))])
User = Annotated[WebUser, Depends(current_user)]


class PasswordChange(Body):
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)
    confirm: str = Field(min_length=1, max_length=1024)


def _account(request: Request, user: WebUser, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        "account.html",
        status_code=status_code,
        min_password=MIN_PASSWORD,
        zones=zone_choices(),
        site_zone=ctx_of(request).web.time_zone,
        chosen_zone=context.pop("chosen_zone", user.time_zone or ""),
        **context,
    )


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
async def account_page(request: Request, user: User) -> HTMLResponse:
    return _account(request, user)


@router.post("/account/time-zone", response_model=None, include_in_schema=False)
async def choose_time_zone(
    request: Request, user: User, time_zone: Annotated[str, Form(max_length=1000)] = ""
) -> HTMLResponse | RedirectResponse:
    """The zone every date and time is shown in for this user; empty: the site's default. An unknown zone
    is refused beside the field and nothing is stored."""
    chosen: str | None = None
    if time_zone.strip():
        chosen = valid_time_zone(time_zone)
        if chosen is None:
            t = translator_of(request)
            error = t.gettext("Unknown time zone “{zone}”: choose one from the list.", zone=time_zone.strip()[:64])
            return _account(request, user, status_code=422, chosen_zone=time_zone.strip()[:64], zone_error=error)
    if chosen != user.time_zone:
        ctx = ctx_of(request)
        await asyncio.to_thread(lambda: ctx.queries.update_user(user.id, time_zone=chosen))
        await asyncio.to_thread(
            ctx.queries.audit, user.id, "user.time_zone", user.username, old=user.time_zone, new=chosen
        )
    return RedirectResponse("/account?saved=1", status_code=303)


@router.post("/api/me/password", tags=["session"])
async def api_change_password(request: Request, body: PasswordChange, user: User) -> dict[str, Any]:
    """Change your own password. Your other sessions end; this one continues under a new session id."""
    ctx = ctx_of(request)
    if len(body.new) < MIN_PASSWORD:
        raise UserError(422, "the new password needs at least {min} characters", min=MIN_PASSWORD)
    if body.new != body.confirm:
        raise UserError(422, "the two new passwords differ")
    row = await asyncio.to_thread(ctx.queries.user, user.id)
    if row is None or not await asyncio.to_thread(verify_password, row.password_hash, body.current):
        await asyncio.to_thread(ctx.queries.audit, user.id, "user.password_failed", f"user:{user.id}")
        raise UserError(403, "the current password is wrong")
    if body.new == body.current:
        raise UserError(422, "the new password is the same as the current one")
    pw_hash = await asyncio.to_thread(hash_password, body.new)
    await asyncio.to_thread(lambda: ctx.queries.update_user(user.id, password_hash=pw_hash))
    await asyncio.to_thread(ctx.sessions.drop_user, user.id)
    await asyncio.to_thread(holder_of(request).sign_in, user)  # a fresh session (and CSRF token) for this browser
    await asyncio.to_thread(ctx.queries.audit, user.id, "user.password", f"user:{user.id}", by="self")
    return {"id": user.id, "changed": True}
