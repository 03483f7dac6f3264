"""What every route needs: settings, the repository, the optional live service, templates, sessions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from dialer.config import Settings
from dialer.db.repository import Repository
from dialer.service import DialerService
from dialer.web.queries import WebQueries
from dialer.web.security import holder_of
from dialer.web.settings import WebSettings
from dialer.web.state import LoginRateLimiter, SessionStore
from dialer.web.webhooks import WebhookSender

HERE = Path(__file__).resolve().parent

HOME_OF_ROLE = {"admin": "/admin", "manager": "/manager", "operator": "/operator", "qa": "/qa"}
NAV = {
    "admin": [
        ("/admin", "Pacing"),
        ("/admin/users", "Users"),
        ("/manager", "Campaigns"),
        ("/manager/compliance", "Compliance"),
        ("/manager/numbers", "DNC & consent"),
        ("/qa", "QA"),
        ("/api/docs", "API"),
    ],
    "manager": [
        ("/manager", "Campaigns"),
        ("/manager/upload", "Upload list"),
        ("/manager/compliance", "Compliance"),
        ("/manager/numbers", "DNC & consent"),
        ("/api/docs", "API"),
    ],
    "operator": [("/operator", "My desk")],
    "qa": [("/qa", "Recordings"), ("/api/docs", "API")],
}


@dataclass
class WebContext:
    settings: Settings
    web: WebSettings
    repo: Repository
    service: DialerService | None
    queries: WebQueries
    templates: Jinja2Templates
    sessions: SessionStore
    limiter: LoginRateLimiter
    webhooks: WebhookSender


def ctx_of(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render with the signed-in user, the CSRF token and the navigation (Jinja autoescape is on)."""
    holder = holder_of(request)
    session = holder.ensure()
    user = session.user
    return ctx_of(request).templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf": session.csrf,
            "nav": NAV.get(user.role, []) if user else [],
            **context,
        },
        status_code=status_code,
    )
