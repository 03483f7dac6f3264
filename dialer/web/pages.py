"""What every HTML page shares beyond the sign-in: the language switch, readable error pages instead of
raw JSON, the "saved" confirmation after a post-redirect-get, and the stored import report (the page an
import redirects to, so a refresh never imports twice)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from dialer.db.models import Campaign, Contact, ContactList
from dialer.web.context import LANGUAGE_COOKIE, ctx_of, local_path, render, translator_of
from dialer.web.i18n import parse_language
from dialer.web.messages import UserError, language_of
from dialer.web.params import IdPath
from dialer.web.security import PublicGuard, RoleGuard, holder_of

public = APIRouter(dependencies=[Depends(PublicGuard())])
lists = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])

YEAR_S = 365 * 24 * 3600
SET_ASIDE = ("filtered", "corporate", "dnc")
MAX_ROWS_SHOWN = 500


@public.post("/language", include_in_schema=False)
def choose_language(
    request: Request, language: Annotated[str, Form(max_length=5)], next: Annotated[str, Form(max_length=2000)] = "/"
) -> RedirectResponse:
    """The header's RU/EN switch and the account page's language: a signed-in user's choice is stored on the
    user (every browser they sign in from follows it); the cookie keeps it for the sign-in page."""
    ctx = ctx_of(request)
    chosen = parse_language(language, parse_language(ctx.web.language))
    user = holder_of(request).user
    if user is not None and user.language != chosen:
        ctx.queries.update_user(user.id, language=chosen)
        ctx.queries.audit(user.id, "user.language", user.username, old=user.language, new=chosen)
    resp = RedirectResponse(local_path(next), status_code=303)
    resp.set_cookie(
        LANGUAGE_COOKIE, chosen, max_age=YEAR_S, httponly=True, samesite="lax", secure=ctx_of(request).web.cookie_secure
    )
    return resp


def _list_report(request: Request, list_id: int) -> dict[str, Any]:
    with ctx_of(request).repo.sessions() as s:
        row = s.get(ContactList, list_id)
        if row is None:
            raise HTTPException(status_code=404, detail="no such list")
        campaign = s.get(Campaign, row.campaign_id)
        report = dict(row.report or {})
        report.setdefault("file", row.source_file)
        # the rows the dialler will not call, each with its reason (duplicates are not stored, so only counted)
        set_aside = s.scalars(
            select(Contact)
            .where(Contact.list_id == list_id, Contact.status.in_(SET_ASIDE))
            .order_by(Contact.row_number, Contact.id)
            .limit(MAX_ROWS_SHOWN)
        ).all()
        return {
            "campaign_id": row.campaign_id,
            "campaign": campaign.name if campaign else "",
            "list_name": row.name,
            "report": report,
            "set_aside": [
                {
                    "id": c.id,
                    "row": c.row_number,
                    "phone": c.phone,
                    "company": c.company,
                    "status": c.status,
                    "reason": c.status_reason,
                }
                for c in set_aside
            ],
        }


@lists.get("/manager/lists/{list_id}", response_class=HTMLResponse, include_in_schema=False)
async def list_report_page(request: Request, list_id: IdPath) -> HTMLResponse:
    """A list's import report, from what the import stored: where the upload form redirects."""
    result = await asyncio.to_thread(_list_report, request, list_id)
    return render(request, "import_report.html", result=result)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return not request.url.path.startswith("/api") and (
        request.method in ("GET", "HEAD") or "text/html" in accept or "form" in request.headers.get("content-type", "")
    )


def _back(request: Request) -> str | None:
    ref = request.headers.get("referer")
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""), "/")


def _message(request: Request, status: int, detail: object) -> str:
    t = translator_of(request)
    if status == 401:
        return t.gettext("Your session has ended: sign in again.")
    if status == 403 and "CSRF" in str(detail):
        return t.gettext("The form has expired: open the page again and repeat.")
    if status == 403:
        return t.gettext("Your role may not open this page.")
    if status == 404 and str(detail) == "Not Found":
        return t.gettext("Page not found.")
    if str(detail) == "no such upload":
        return t.gettext("This upload is no longer here: it was imported already or has expired.")
    return t.gettext(str(detail))


def install_error_pages(app: FastAPI) -> None:
    """Errors as a readable page (HTML requests) or JSON (the API): a person never sees `{"detail": ...}`."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code in (301, 302, 303, 307):
            return Response(status_code=exc.status_code, headers=headers)
        detail = exc.in_language(language_of(request)) if isinstance(exc, UserError) else exc.detail
        if not _wants_html(request):
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)
        if exc.status_code == 401:  # a form sent after the session ended: sign in, then back to the page
            back = _back(request) or request.url.path
            return RedirectResponse(f"/login?next={quote(back, safe='/?=&')}", status_code=303)
        message = _message(request, exc.status_code, detail)
        return render(request, "error.html", status_code=exc.status_code, message=message, back=_back(request))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()]
        if not _wants_html(request):
            return JSONResponse({"detail": errors}, status_code=422)
        t = translator_of(request)
        problem = "; ".join(f"{t.label(str(e['loc'][-1]) if e['loc'] else '')}: {e['msg']}" for e in errors)
        message = t.gettext("Something in the form is wrong: {problem}", problem=problem)
        return render(request, "error.html", status_code=422, message=message, back=_back(request))
