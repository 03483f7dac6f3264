"""What every route needs: settings, the repository, the optional live service, templates, sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from dialer.config import Settings
from dialer.db.models import Disposition
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome
from dialer.service import DialerService
from dialer.web.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, parse_language, time_zone, zone_name
from dialer.web.queries import WebQueries
from dialer.web.security import holder_of
from dialer.web.settings import WebSettings
from dialer.web.state import LoginRateLimiter, SessionStore
from dialer.web.webhooks import WebhookSender

HERE = Path(__file__).resolve().parent

HOME_OF_ROLE = {
    "admin": "/admin",
    "manager": "/manager",
    "operator": "/operator",
    "qa": "/qa",
    "supervisor": "/wallboard",
}
LANGUAGE_COOKIE = "dialer_lang"
NAV = {
    "admin": [
        ("/admin", "Pacing"),
        ("/wallboard", "Wallboard"),
        ("/admin/users", "Users"),
        ("/manager", "Campaigns"),
        ("/manager/contacts", "Contacts"),
        ("/manager/compliance", "Compliance"),
        ("/manager/numbers", "DNC & consent"),
        ("/qa", "QA"),
        ("/api/docs", "API"),
    ],
    "manager": [
        ("/manager", "Campaigns"),
        ("/wallboard", "Wallboard"),
        ("/manager/contacts", "Contacts"),
        ("/manager/upload", "Upload list"),
        ("/manager/compliance", "Compliance"),
        ("/manager/numbers", "DNC & consent"),
        ("/api/docs", "API"),
    ],
    "operator": [("/operator", "My desk")],
    "qa": [("/qa", "Recordings"), ("/api/docs", "API")],
    "supervisor": [("/wallboard", "Wallboard")],
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


_STORED_PREFIX = re.compile(r"^[0-9a-f]{32}-")


def file_name(stored: str | None) -> str:
    """The name the user gave the file (uploads are stored as `<token>-<name>`)."""
    if not stored:
        return ""
    return _STORED_PREFIX.sub("", stored.replace("\\", "/").rsplit("/", 1)[-1])


def local_path(target: str | None, fallback: str = "/") -> str:
    """Only a path on this site: a redirect elsewhere would be an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def disposition_labels(request: Request) -> dict[str, str]:
    """Disposition code -> the campaign's own label, over all campaigns (once per request)."""
    cached = getattr(request.state, "disposition_labels", None)
    if isinstance(cached, dict):
        return cached
    with ctx_of(request).repo.sessions() as s:
        labels = {d.code: d.label or d.code for d in s.scalars(select(Disposition))}
    request.state.disposition_labels = labels
    return labels


def knob_value(t: Translator, knob: str, value: object) -> str:
    """A pacing knob's value as a person reads it: the target as a percent, the mode in words."""
    if value is None:
        return ""
    if knob in ("target_abandon_rate", "service_level_share"):
        try:
            return t.pct(float(str(value)))
        except ValueError:
            return str(value)
    if knob == "mode":
        return t.label(str(value).lower())
    if knob == "paused":
        return t.gettext("yes" if str(value).lower() == "true" else "no")
    return str(value)


def translator_of(request: Request) -> Translator:
    """The reader's language and time zone. Signed in: the user's own choice (app_user.language and
    .time_zone), else the site's defaults (DIALER_WEB_LANGUAGE, DIALER_WEB_TIME_ZONE), whatever the browser
    says, so one operator reads one language and one clock on every desk. Before sign-in: the switch's
    cookie, else the browser's Accept-Language, else the default; the site's zone."""
    cached = getattr(request.state, "translator", None)
    if isinstance(cached, Translator):
        return cached
    web = ctx_of(request).web
    default = parse_language(web.language)
    holder = getattr(request.state, "web", None)
    user = holder.user if holder is not None else None
    if user is not None:
        language = parse_language(user.language, default)
    elif cookie := request.cookies.get(LANGUAGE_COOKIE):
        language = parse_language(cookie, default)
    else:
        language = parse_language(request.headers.get("accept-language"), default)
    zone = (user.time_zone if user is not None else None) or web.time_zone
    t = Translator(language, time_zone(zone))
    request.state.translator = t
    return t


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render with the signed-in user, the CSRF token and the navigation (Jinja autoescape is on)."""
    holder = holder_of(request)
    session = holder.ensure()
    user = session.user
    t = translator_of(request)
    flash = context.pop("flash", None)
    if flash is None and request.query_params.get("saved") == "1":
        flash = {"kind": "ok", "text": t.gettext("Saved.")}
    return ctx_of(request).templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf": session.csrf,
            "nav": NAV.get(user.role, []) if user else [],
            "t": t,
            "_": t.gettext,
            "ngettext": t.ngettext,
            "label": t.label,
            "lang": t.language,
            "zone": zone_name(t.tz),
            "file_name": file_name,
            "reason_text": t.reason,
            "disp": lambda code: disposition_labels(request).get(code) if code else None,
            "disposition_map": lambda: disposition_labels(request),
            "outcome_codes": [o.value for o in AttemptOutcome],
            "flash": flash,
            "knob_value": lambda knob, value: knob_value(t, knob, value),
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            **context,
        },
        status_code=status_code,
    )
