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
from dialer.web import admin, compliance, contacts, manager, operator, pages, qa, wallboard
from dialer.web.context import HERE, HOME_OF_ROLE, WebContext, ctx_of, render
from dialer.web.queries import WebQueries
from dialer.web.security import (
    ROLES,
    LoginRateLimiter,
    PublicGuard,
    RoleGuard,
    SessionMiddleware,
    SessionStore,
    WebUser,
    current_user,
    holder_of,
    verify_password,
)
from dialer.web.settings import WebSettings
from dialer.web.webhooks import WebhookSender

ANY_ROLE = RoleGuard(*ROLES)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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
    next: Annotated[str, Form()] = "",
) -> Response:
    ctx = ctx_of(request)
    ip = _client_ip(request)
    wait = ctx.limiter.retry_after(username, ip)
    if wait:
        await asyncio.to_thread(ctx.queries.audit, None, "login.throttled", username, ip=ip)
        resp = render(request, "login.html", status_code=429, next=next, error="Too many failed attempts; try later.")
        resp.headers["retry-after"] = str(int(wait))
        return resp
    row = await asyncio.to_thread(ctx.queries.user_by_username, username)
    ok = await asyncio.to_thread(verify_password, row.password_hash if row else None, password)
    if row is None or not ok or not row.active:
        ctx.limiter.failed(username, ip)
        await asyncio.to_thread(
            ctx.queries.audit,
            row.id if row else None,
            "login.failed",
            username,
            ip=ip,
            reason="inactive" if ok else "bad credentials",
        )
        return render(request, "login.html", status_code=401, next=next, error="Wrong username or password.")
    ctx.limiter.succeeded(username, ip)
    holder_of(request).sign_in(WebUser(row.id, row.username, row.role, row.operator_id))
    await asyncio.to_thread(ctx.queries.audit, row.id, "login", username, ip=ip)
    return RedirectResponse(_safe_next(next, row.role), status_code=303)


common = APIRouter(dependencies=[Depends(ANY_ROLE)])


@common.post("/logout", include_in_schema=False)
def logout(request: Request) -> RedirectResponse:
    holder_of(request).sign_out()
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
    store = SessionStore(web.secret_value(), web.session_idle_s)
    sender = webhooks or WebhookSender(
        web.webhook_urls, web.webhook_secret.get_secret_value() if web.webhook_secret else None
    )

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
        limiter=LoginRateLimiter(web.login_max_failures, web.login_window_s),
        webhooks=sender,
    )
    app.add_middleware(SessionMiddleware, store=store, secure=web.cookie_secure)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # The routers' routes carry their guard already (router-level dependencies); adding them flat keeps
    # `app.routes` a plain list of APIRoutes, which the route x role test walks.
    for router in (
        public,
        common,
        pages.public,
        pages.lists,
        wallboard.router,
        wallboard.results,
        contacts.router,
        operator.router,
        manager.router,
        compliance.router,
        admin.router,
        qa.router,
    ):
        app.router.routes.extend(router.routes)

    pages.install_error_pages(app)
    return app


__all__ = ["HTTPException", "create_app"]
