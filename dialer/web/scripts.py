"""Call scripts in the web app: managers write and version them, run two side by side, read which converts
better; the operator desk shows the contact's script (dialer.web.operator calls `script_for_card`).

The markup, the split and the statistics are dialer.callscripts (pure); this module only fetches, renders
and translates."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from dialer.callscripts import FIELDS, ScriptError, Tally, compare, parse_script, render_html, wilson
from dialer.db.models import Contact
from dialer.db.repository import ScriptVersion
from dialer.web.context import WebContext, ctx_of, render, translator_of
from dialer.web.i18n import Translator
from dialer.web.manager import campaign_or_404
from dialer.web.messages import UserError
from dialer.web.params import MAX_DB_INT, IdPath
from dialer.web.security import RoleGuard, WebUser, current_user

router = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])
User = Annotated[WebUser, Depends(current_user)]

#: dialer.callscripts.ScriptError keys -> the English message (the catalogue has the Russian).
SCRIPT_ERRORS: Mapping[str, str] = {
    "script_empty": "The script is empty.",
    "script_too_long": "The script is too long (at most {max} characters).",
    "script_unknown_field": "Line {line}: unknown field «{field}». The fields are: {known}.",
    "script_unknown_anchor": "Line {line}: no section is named #{anchor}.",
    "script_duplicate_anchor": "Line {line}: two sections are named #{anchor}.",
    "script_bad_anchor": "Line {line}: a section name may hold only Latin letters, digits, - and _ ({anchor}).",
    "script_unclosed_brace": "Line {line}: an opening brace without its closing one (write two braces for one).",
    "script_bad_link": "Line {line}: a link is written [[#section]] or [[#section|words]] ({link}).",
}
VERDICTS: Mapping[str, str] = {
    "no_calls": "No bridged calls with these versions yet.",
    "not_enough_data": "Not enough data yet.",
    "a_better": "Version A is better with 95 % confidence.",
    "b_better": "Version B is better with 95 % confidence.",
    "no_difference": "No difference between the versions (with 95 % confidence, within 2 points).",
}


def script_error_text(t: Translator, err: ScriptError) -> str:
    return t.gettext(SCRIPT_ERRORS[err.key], **{k: str(v) for k, v in err.params.items()})


def field_label(t: Translator, name: str) -> str:
    en, ru = FIELDS[name]
    return ru if t.language == "ru" else en


def contact_values(
    t: Translator, contact: Contact | None, operator: str | None, campaign: str | None
) -> dict[str, str | None]:
    """The fields a script may name, for one contact, formatted for the reader's language."""
    extra = dict(contact.extra or {}) if contact is not None else {}
    return {
        "company": contact.company if contact else None,
        "contact_person": contact.contact_person if contact else None,
        "specialty": contact.specialty if contact else None,
        "headcount": t.num(contact.headcount) if contact and contact.headcount is not None else None,
        "city": extra.get("city"),
        "region": contact.region if contact else None,
        "phone": contact.phone if contact else None,
        "email": contact.email if contact else None,
        "tax_id": contact.tax_id if contact else None,
        "group": contact.group_name if contact else None,
        "operator": operator,
        "campaign": campaign,
    }


# The desk renders its call's script on every event-stream tick: a version's text never changes, parse it once.
_parsed = lru_cache(maxsize=128)(parse_script)


def render_version(t: Translator, version: ScriptVersion, values: Mapping[str, str | None]) -> str:
    """A stored version as HTML (stored versions parsed when saved; a parse error here would be a bug)."""
    return render_html(_parsed(version.body), values, lambda name: field_label(t, name))


def script_for_card(
    ctx: WebContext, t: Translator, attempt_id: int, contact_id: int, operator: str
) -> dict[str, Any] | None:
    """The desk's script panel for the operator's current call."""
    version = ctx.repo.script_for_attempt(attempt_id)
    contact = ctx.queries.contact(contact_id)
    if version is None or contact is None:
        return None
    campaign = ctx.repo.campaign(version.campaign_id).name
    rotation = ctx.repo.script_rotation(version.campaign_id)
    arm = None
    if rotation is not None and rotation.version_b is not None:
        arm = "B" if version.id == rotation.version_b else "A" if version.id == rotation.version_a else None
    html = render_version(t, version, contact_values(t, contact, operator, campaign))
    return {"version": version.version, "version_id": version.id, "arm": arm, "html": html}


def _results(ctx: WebContext, t: Translator, campaign_id: int) -> dict[str, Any]:
    """Per version: bridged calls, positive ones, conversion with its 95 % Wilson interval; and the verdict
    on the running pair."""
    versions = ctx.repo.script_versions(campaign_id)
    tallies = ctx.repo.script_tallies(campaign_id)
    rotation = ctx.repo.script_rotation(campaign_id)
    rows = []
    for v in versions:
        tally = tallies.get(v.id, Tally(0, 0))
        low, high = wilson(tally.positive, tally.bridged)
        arm = None
        if rotation is not None:
            arm = "A" if v.id == rotation.version_a else "B" if v.id == rotation.version_b else None
        rows.append(
            {
                "id": v.id,
                "version": v.version,
                "arm": arm,
                "note": v.note,
                "created_at": v.created_at,
                "attempts": v.attempts,
                "bridged": tally.bridged,
                "positive": tally.positive,
                "rate": tally.rate,
                "low": low if tally.bridged else None,
                "high": high if tally.bridged else None,
            }
        )
    verdict = None
    if rotation is not None and rotation.version_b is not None:
        cmp = compare(tallies.get(rotation.version_a, Tally(0, 0)), tallies.get(rotation.version_b, Tally(0, 0)))
        verdict = {
            "code": cmp.verdict,
            "text": t.gettext(VERDICTS[cmp.verdict]),
            "low": cmp.difference[0] if cmp.difference else None,
            "high": cmp.difference[1] if cmp.difference else None,
        }
    return {"versions": rows, "rotation": rotation, "verdict": verdict}


def _sample_contact(ctx: WebContext, campaign_id: int) -> Contact | None:
    """The preview's contact: the campaign's newest (the list being called now, not the oldest test row)."""
    with ctx.repo.sessions() as s:
        return s.scalar(
            select(Contact)
            .where(Contact.campaign_id == campaign_id, Contact.company.is_not(None))
            .order_by(Contact.id.desc())
        )


async def _page(
    request: Request, campaign_id: int, *, body: str | None = None, note: str = "", error: str | None = None,
    show: int | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    ctx = ctx_of(request)
    t = translator_of(request)
    campaign = await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    results = await asyncio.to_thread(_results, ctx, t, campaign_id)
    versions = {v["id"]: v for v in results["versions"]}
    shown_id = show if show in versions else (results["rotation"].version_a if results["rotation"] else None)
    preview = None
    if shown_id is not None:
        version = await asyncio.to_thread(ctx.repo.script_version, shown_id)
        sample = await asyncio.to_thread(_sample_contact, ctx, campaign_id)
        if version is not None:
            values = contact_values(t, sample, t.gettext("Operator"), campaign.name)
            preview = {"version": version.version, "html": render_version(t, version, values), "sample": sample}
    if body is None:
        latest = results["versions"][0]["id"] if results["versions"] else None
        body = ""
        if latest is not None:
            v = await asyncio.to_thread(ctx.repo.script_version, latest)
            body = v.body if v else ""
    return render(
        request,
        "scripts.html",
        status_code=status,
        c=campaign,
        results=results,
        preview=preview,
        body=body,
        note=note,
        error=error,
        fields=[(name, field_label(t, name)) for name in FIELDS],
    )


@router.get("/manager/campaigns/{campaign_id}/scripts", response_class=HTMLResponse, include_in_schema=False)
async def scripts_page(request: Request, campaign_id: IdPath, show: int | None = None) -> HTMLResponse:
    """The campaign's scripts: A/B results, the rotation, the versions, the editor."""
    if show is not None and not 1 <= show <= MAX_DB_INT:
        show = None
    return await _page(request, campaign_id, show=show)


@router.post("/manager/campaigns/{campaign_id}/scripts", include_in_schema=False, response_model=None)
async def save_script(
    request: Request,
    campaign_id: IdPath,
    user: User,
    body: Annotated[str, Form(max_length=60_000)],
    note: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse | RedirectResponse:
    """Save the editor's text as the next version (post-redirect-get); a bad script is shown again with the
    error above it, nothing stored."""
    ctx = ctx_of(request)
    await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    body = body.replace("\x00", "")
    try:
        version = await asyncio.to_thread(ctx.repo.save_script, campaign_id, body, user.id, note.strip() or None)
    except ScriptError as err:
        text = script_error_text(translator_of(request), err)
        return await _page(request, campaign_id, body=body, note=note, error=text, status=422)
    await asyncio.to_thread(
        ctx.queries.audit, user.id, "script.save", f"campaign:{campaign_id}", version=version.version
    )
    return RedirectResponse(f"/manager/campaigns/{campaign_id}/scripts?saved=1&show={version.id}", status_code=303)


@router.post("/manager/campaigns/{campaign_id}/scripts/rotation", include_in_schema=False)
async def set_rotation(
    request: Request,
    campaign_id: IdPath,
    user: User,
    version_a: Annotated[int, Form(ge=1, le=MAX_DB_INT)],
    version_b: Annotated[str, Form(max_length=12)] = "",
    share_b_pct: Annotated[float, Form(ge=1, le=99)] = 50,
) -> RedirectResponse:
    """Read version A alone, or A and B side by side with `share_b_pct` % of the contacts on B."""
    ctx = ctx_of(request)
    await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    b = int(version_b) if version_b.strip().isdigit() else None
    if b is not None and not 1 <= b <= MAX_DB_INT:
        b = None
    if b == version_a:
        raise UserError(422, "versions A and B must differ")
    try:
        await asyncio.to_thread(ctx.repo.set_script_rotation, campaign_id, version_a, b, share_b_pct / 100, user.id)
    except KeyError:
        raise UserError(422, "that script version is not this campaign's") from None
    await asyncio.to_thread(
        ctx.queries.audit, user.id, "script.rotation", f"campaign:{campaign_id}", a=version_a, b=b, share_b=share_b_pct
    )
    return RedirectResponse(f"/manager/campaigns/{campaign_id}/scripts?saved=1", status_code=303)


@router.get("/api/campaigns/{campaign_id}/scripts", tags=["campaigns"])
async def api_scripts(request: Request, campaign_id: IdPath) -> dict[str, Any]:
    """The campaign's script versions with conversion per version (positive dispositions per bridged call,
    95 % Wilson interval) and the A/B verdict."""
    ctx = ctx_of(request)
    await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    r = await asyncio.to_thread(_results, ctx, translator_of(request), campaign_id)
    rot = r["rotation"]
    return {
        "rotation": None
        if rot is None
        else {"version_a_id": rot.version_a, "version_b_id": rot.version_b, "share_b": rot.share_b},
        "versions": [{**v, "created_at": v["created_at"].isoformat()} for v in r["versions"]],
        "verdict": r["verdict"],
    }
