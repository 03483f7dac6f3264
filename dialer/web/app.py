"""The web app factory: one FastAPI app (pages + REST API) that can share the dialer service's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from dialer.config import Settings
from dialer.db.repository import Repository
from dialer.service import DialerService
from dialer.web import account, admin, compliance, contacts, manager, operator, pages, qa, scripts, uploads, wallboard
from dialer.web.context import HERE, HOME_OF_ROLE, WebContext, ctx_of, render
from dialer.web.messages import language_of, text
from dialer.web.params import RejectNul
from dialer.web.queries import WebQueries
from dialer.web.security import (
    ROLES,
    PublicGuard,
    RoleGuard,
    SessionMiddleware,
    WebUser,
    client_address,
    current_user,
    holder_of,
    verify_password,
)
from dialer.web.settings import WebSettings
from dialer.web.state import LoginRateLimiter, SessionStore
from dialer.web.totp import accepted_step
from dialer.web.users import username_key
from dialer.web.webhooks import WebhookSender

ANY_ROLE = RoleGuard(*ROLES)


def _client(request: Request) -> str:
    """The client a sign-in is counted against; a trusted proxy's X-Forwarded-For names it."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), ctx_of(request).web.trusted_proxies)


def _safe_next(target: str | None, role: str) -> str:
    """Only local paths: an open redirect after sign-in would be a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME_OF_ROLE.get(role, "/")


public = APIRouter(dependencies=[Depends(PublicGuard())])


@public.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", next=next or "", error=None)


@public.post("/login", include_in_schema=False)
async def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "",
    totp: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Password (and, for admins with a second factor, a TOTP code). Throttled per (user, client) and per
    client; nothing is counted per user alone, so nobody can lock a user out from their own address."""
    ctx = ctx_of(request)
    lang = language_of(request)
    client = _client(request)
    key = username_key(username)

    def refuse(status: int, message: str, **headers: str) -> Response:
        resp = render(request, "login.html", status_code=status, next=next, error=message)
        resp.headers.update(headers)
        return resp

    wait = await asyncio.to_thread(ctx.limiter.retry_after, key, client)
    if wait:
        await asyncio.to_thread(ctx.queries.audit, None, "login.throttled", username, ip=client)
        seconds = int(wait + 0.999)
        return refuse(
            429,
            text("Too many failed attempts; try again in {seconds} s.", lang, seconds=seconds),
            **{"retry-after": str(seconds)},
        )
    row = await asyncio.to_thread(ctx.queries.user_by_username, username)
    ok = await asyncio.to_thread(verify_password, row.password_hash if row else None, password)
    reason = "bad credentials" if not ok else ("inactive" if row is None or not row.active else None)
    if row is not None and reason is None and row.role == "admin" and (row.totp_secret or ctx.web.require_admin_totp):
        if not row.totp_secret:
            await asyncio.to_thread(ctx.queries.audit, row.id, "login.refused", username, ip=client, reason="no totp")
            return refuse(
                401,
                text("Admins must set up a second factor: ask another admin to enrol you (dialer users totp).", lang),
            )
        if not totp.strip():
            return refuse(401, text("Enter the 6-digit code from your authenticator app.", lang))
        step = accepted_step(row.totp_secret, totp)
        if step is None:
            reason = "wrong totp code"
        elif not await asyncio.to_thread(ctx.queries.use_totp_step, row.id, step):
            reason = "totp code used before"
    if row is None or reason is not None:
        await asyncio.to_thread(ctx.limiter.failed, key, client)
        await asyncio.to_thread(
            ctx.queries.audit, row.id if row else None, "login.failed", username, ip=client, reason=reason
        )
        return refuse(401, text("Wrong username or password.", lang))
    await asyncio.to_thread(ctx.limiter.succeeded, key, client)
    user = WebUser(row.id, row.username, row.role, row.operator_id, row.language, row.time_zone)
    await asyncio.to_thread(holder_of(request).sign_in, user)
    await asyncio.to_thread(ctx.queries.audit, row.id, "login", row.username, ip=client)
    return RedirectResponse(_safe_next(next, row.role), status_code=303)


common = APIRouter(dependencies=[Depends(ANY_ROLE)])


@common.post("/logout", include_in_schema=False)
async def logout(request: Request) -> RedirectResponse:
    await asyncio.to_thread(holder_of(request).sign_out)
    return RedirectResponse("/login", status_code=303)


@common.get("/", include_in_schema=False)
def home(user: Annotated[WebUser, Depends(current_user)]) -> RedirectResponse:
    return RedirectResponse(HOME_OF_ROLE[user.role], status_code=303)


@common.get("/api/me", tags=["session"])
def me(request: Request, user: Annotated[WebUser, Depends(current_user)]) -> dict[str, Any]:
    """Who is signed in, and the CSRF token to send as X-CSRF-Token on state-changing calls."""
    session = holder_of(request).ensure()
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "operator_id": user.operator_id,
        "csrf": session.csrf,
    }


@common.get("/api/openapi.json", include_in_schema=False)
def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@common.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request) -> HTMLResponse:
    """A plain server-rendered API reference (Swagger UI would load its assets from a CDN)."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [p["name"] + ("*" if p.get("required") else "") for p in op.get("parameters", [])]
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "params": params,
                    "body": "requestBody" in op,
                }
            )
    return render(request, "api_docs.html", ops=ops)


def create_app(
    settings: Settings,
    repo: Repository,
    service: DialerService | None = None,
    *,
    web: WebSettings | None = None,
    webhooks: WebhookSender | None = None,
) -> FastAPI:
    """Build the app. Pass `service` to drive live operators (Ready/Pause/dispositions) in this event loop."""
    web = web or WebSettings()
    store = SessionStore(web.secret_value(), web.session_idle_s, repo.sessions)
    sender = webhooks or WebhookSender.from_settings(web, repo.sessions)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await sender.aclose()

    app = FastAPI(
        title="dialer",
        description="Predictive dialer: operator desk, campaign manager, pacing console, QA.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True
    app.state.ctx = WebContext(
        settings=settings,
        web=web,
        repo=repo,
        service=service,
        queries=WebQueries(repo.sessions),
        templates=templates,
        sessions=store,
        limiter=LoginRateLimiter(
            repo.sessions, web.login_max_failures, web.login_window_s, web.login_client_max_failures
        ),
        webhooks=sender,
    )
    app.add_middleware(SessionMiddleware, store=store, secure=web.cookie_secure)
    app.add_middleware(RejectNul)  # outermost: before a session is even looked up
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # The routers' routes carry their guard already (router-level dependencies); adding them flat keeps
    # `app.routes` a plain list of APIRoutes, which the route x role test walks.
    for router in (
        public,
        common,
        account.router,
        pages.public,
        pages.lists,
        wallboard.router,
        wallboard.results,
        contacts.router,
        operator.router,
        manager.router,
        scripts.router,
        uploads.router,
        compliance.router,
        admin.router,
        qa.router,
    ):
        app.router.routes.extend(router.routes)

    pages.install_error_pages(app)
    return app


__all__ = ["HTTPException", "create_app"]
