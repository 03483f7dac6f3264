"""Campaign manager: campaigns with live progress and funnel, list upload (preview, mapping, import
report), start/pause/stop, corporate queue and results exports. Managers and admins."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import re
import secrets
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import Field

from dialer.campaigns import apply_campaign, corporate_row, import_list, report_dict
from dialer.db.models import Campaign, utcnow
from dialer.lists import ListFormatError, RowError, read_contacts, write_csv
from dialer.lists.export import CORPORATE_HEADER, RESULTS_HEADER, result_rows
from dialer.lists.mapping import EXTRA, IGNORE, ContactField
from dialer.rules.campaign import CampaignDefinition, CampaignDefinitionError, ListRef, parse_campaign
from dialer.web.context import WebContext, ctx_of, render
from dialer.web.dispositions import check_callback
from dialer.web.params import AwareDatetime, Body, Id, IdForm, IdPath, IdQuery, e164
from dialer.web.security import RoleGuard, WebUser, current_user
from dialer.web.sse import event_stream

# Every route here needs one of these roles (and CSRF on state changes); the route x role test checks it.
router = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])
User = Annotated[WebUser, Depends(current_user)]
STATUSES = ("running", "paused", "stopped")
MAPPING_CHOICES = ("phone", *[f.value for f in ContactField if f is not ContactField.PHONE], EXTRA, IGNORE)
PREVIEW_ROWS = 10


class StatusBody(Body):
    status: str = Field(pattern="^(running|paused|stopped)$")


class CampaignYaml(Body):
    yaml: str = Field(min_length=1, max_length=200_000)


class ImportBody(Body):
    list_name: str | None = Field(default=None, max_length=200)
    mapping: dict[str, str] | None = None  # 1-based column number -> field / extra / ignore


def _campaign(ctx: WebContext, campaign_id: int) -> Campaign:
    try:
        return ctx.repo.campaign(campaign_id)
    except KeyError:
        raise HTTPException(status_code=404, detail="no such campaign") from None


def _overview(ctx: WebContext) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "mode": c.dialing_mode,
            "funnel": ctx.queries.funnel(c.id).as_dict(),
        }
        for c in ctx.queries.campaigns()
    ]


@router.get("/manager", response_class=HTMLResponse, include_in_schema=False)
async def campaigns_page(request: Request) -> HTMLResponse:
    rows = await asyncio.to_thread(_overview, ctx_of(request))
    return render(request, "manager.html", campaigns=rows)


@router.get("/manager/events", include_in_schema=False)
async def campaigns_events(request: Request) -> StreamingResponse:
    ctx = ctx_of(request)

    async def produce() -> dict[str, Any]:
        return {"campaigns": await asyncio.to_thread(_overview, ctx)}

    return event_stream(request, produce, ctx.web.sse_interval_s * 2, ctx.web.sse_max_events)


@router.get("/manager/campaigns/{campaign_id}", response_class=HTMLResponse, include_in_schema=False)
async def campaign_page(request: Request, campaign_id: IdPath) -> HTMLResponse:
    ctx = ctx_of(request)
    c = await asyncio.to_thread(_campaign, ctx, campaign_id)
    funnel = await asyncio.to_thread(ctx.queries.funnel, campaign_id)
    lists = await asyncio.to_thread(ctx.queries.contact_lists, campaign_id)
    corporate = await asyncio.to_thread(ctx.queries.corporate_contacts, campaign_id, 50)
    shifts = await asyncio.to_thread(ctx.repo.shift_figures, campaign_id)
    return render(
        request, "campaign.html", c=c, funnel=funnel.as_dict(), lists=lists, corporate=corporate, shifts=shifts
    )


@router.get("/api/campaigns", tags=["campaigns"])
async def api_campaigns(request: Request) -> list[dict[str, Any]]:
    """Every campaign with its status and funnel (contacts by status, dialled, answered, bridged...)."""
    return await asyncio.to_thread(_overview, ctx_of(request))


@router.get("/api/campaigns/{campaign_id}", tags=["campaigns"])
async def api_campaign(request: Request, campaign_id: IdPath) -> dict[str, Any]:
    ctx = ctx_of(request)
    c = await asyncio.to_thread(_campaign, ctx, campaign_id)
    funnel = await asyncio.to_thread(ctx.queries.funnel, campaign_id)
    lists = await asyncio.to_thread(ctx.queries.contact_lists, campaign_id)
    return {
        "id": c.id,
        "name": c.name,
        "status": c.status,
        "mode": c.dialing_mode,
        "definition": c.definition,
        "pacing_overrides": c.pacing_overrides,
        "funnel": funnel.as_dict(),
        "lists": [
            {
                "id": x.id,
                "name": x.name,
                "file": x.source_file,
                "imported_at": x.imported_at.isoformat(),
                "report": x.report,
            }
            for x in lists
        ],
    }


@router.post("/api/campaigns", tags=["campaigns"])
async def api_apply_campaign(request: Request, body: CampaignYaml) -> dict[str, Any]:
    """Create or update a campaign from its YAML definition (the same file `dialer campaigns apply` reads)."""
    ctx = ctx_of(request)
    try:
        definition = parse_campaign(yaml.safe_load(body.yaml), "<web>")
    except (CampaignDefinitionError, yaml.YAMLError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    campaign_id = await asyncio.to_thread(apply_campaign, ctx.repo, definition, None)
    return {"id": campaign_id, "name": definition.name}


@router.post("/api/campaigns/{campaign_id}/status", tags=["campaigns"])
async def api_set_status(request: Request, campaign_id: IdPath, body: StatusBody, user: User) -> dict[str, Any]:
    """Start (running), pause or stop a campaign. With a live service attached it also acts on the dialler."""
    ctx = ctx_of(request)
    c = await asyncio.to_thread(_campaign, ctx, campaign_id)
    await asyncio.to_thread(ctx.repo.set_campaign_status, campaign_id, body.status)
    await asyncio.to_thread(
        ctx.queries.audit, user.id, "campaign.status", f"campaign:{campaign_id}", old=c.status, new=body.status
    )
    service = ctx.service
    if service is not None:
        if body.status == "running":
            try:
                started = await service.start_campaign(campaign_id)
            except ValueError as exc:  # its compliance profile forbids its settings
                await asyncio.to_thread(ctx.repo.set_campaign_status, campaign_id, c.status)
                raise HTTPException(status_code=409, detail=str(exc)) from None
            if started is not None:  # else another dialer process paces it
                service.change_knobs(campaign_id, {"paused": False})
        elif body.status == "stopped":
            await service.stop_campaign(campaign_id)
        else:
            service.change_knobs(campaign_id, {"paused": True})
    return {"id": campaign_id, "status": body.status}


class DoNotCallBody(Body):
    phone: str = Field(min_length=3, max_length=40)
    campaign_id: Id | None = None  # None: no campaign may call the number
    reason: str | None = Field(default=None, max_length=300)


async def record_opt_out(
    ctx: WebContext, user: WebUser, text: str, campaign_id: int | None, reason: str | None, source: str
) -> dict[str, Any]:
    """One opt-out, from the API or the numbers page: validated, stored with who and why, audited."""
    phone = e164(text)
    if campaign_id is not None:
        await asyncio.to_thread(_campaign, ctx, campaign_id)
    added = await asyncio.to_thread(
        ctx.repo.add_do_not_call_many, [phone], campaign_id=campaign_id, source=source, reason=reason, by=user.id
    )
    await asyncio.to_thread(
        ctx.queries.audit, user.id, "dnc.add", phone, campaign_id=campaign_id, source=source, reason=reason
    )
    return {"phone": phone, "campaign_id": campaign_id, "added": bool(added)}


@router.post("/api/campaigns/do-not-call", tags=["campaigns"])
async def api_do_not_call(request: Request, body: DoNotCallBody, user: User) -> dict[str, Any]:
    """An opt-out (e.g. from a CRM or an e-mail): the number is not dialled again from the next lease on."""
    return await record_opt_out(ctx_of(request), user, body.phone, body.campaign_id, body.reason, source="api")


class CorrectionBody(Body):
    code: str = Field(min_length=1, max_length=40)
    notes: str | None = Field(default=None, max_length=4000)
    next_action_at: AwareDatetime | None = None
    reason: str = Field(min_length=1, max_length=300)  # a correction after the fact must say why


@router.post("/api/attempts/{attempt_id}/disposition", tags=["campaigns"])
async def api_correct_disposition(
    request: Request, attempt_id: IdPath, body: CorrectionBody, user: User
) -> dict[str, Any]:
    """Change a call's disposition after the operator's grace is over. Audited with the old values."""
    ctx = ctx_of(request)
    attempt = await asyncio.to_thread(ctx.queries.attempt, attempt_id)
    if attempt is None:
        raise HTTPException(status_code=404, detail="no such call")
    campaign = await asyncio.to_thread(_campaign, ctx, attempt.campaign_id)
    codes = {d.code: d for d in await asyncio.to_thread(ctx.queries.dispositions, attempt.campaign_id)}
    if body.code not in codes:
        raise HTTPException(status_code=422, detail="unknown disposition for this campaign")
    if codes[body.code].callback and body.next_action_at is None:
        raise HTTPException(status_code=422, detail="a callback needs the next action date and time")
    if body.next_action_at is not None:
        contact = await asyncio.to_thread(ctx.queries.contact, attempt.contact_id)
        if (bad := check_callback(body.next_action_at, campaign, contact, utcnow())) is not None:
            raise bad.error()
    notes = body.notes if body.notes is not None else attempt.notes
    await asyncio.to_thread(ctx.repo.record_disposition, attempt.id, body.code, notes, body.next_action_at)
    await asyncio.to_thread(
        ctx.queries.audit,
        user.id,
        "disposition.change",
        f"attempt:{attempt.id}",
        old=attempt.disposition_code,
        old_notes=attempt.notes,
        old_next_action_at=attempt.next_action_at.isoformat() if attempt.next_action_at else None,
        new=body.code,
        reason=body.reason,
    )
    return {"attempt_id": attempt.id, "old": attempt.disposition_code, "disposition": body.code}


def _csv_response(name: str, header: tuple[str, ...], rows: Any) -> Response:
    buf = io.StringIO()
    write_csv(buf, header, rows)
    data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return Response(
        data, media_type="text/csv; charset=utf-8", headers={"content-disposition": f'attachment; filename="{safe}"'}
    )


@router.get("/api/campaigns/{campaign_id}/corporate.csv", tags=["campaigns"])
async def api_corporate_csv(request: Request, campaign_id: IdPath) -> Response:
    """The corporate queue (contacts routed to the corporate team), Excel-safe CSV."""
    ctx = ctx_of(request)
    c = await asyncio.to_thread(_campaign, ctx, campaign_id)
    contacts = await asyncio.to_thread(ctx.queries.corporate_contacts, campaign_id)
    rows = [corporate_row(x) for x in contacts]
    return _csv_response(f"{c.name}-corporate.csv", CORPORATE_HEADER, rows)


@router.get("/api/campaigns/{campaign_id}/results.csv", tags=["campaigns"])
async def api_results_csv(request: Request, campaign_id: IdPath) -> Response:
    """Every contact with its latest outcome and disposition, Excel-safe CSV."""
    ctx = ctx_of(request)
    c = await asyncio.to_thread(_campaign, ctx, campaign_id)
    rows = await asyncio.to_thread(ctx.queries.result_rows, campaign_id)
    return _csv_response(f"{c.name}-results.csv", RESULTS_HEADER, list(result_rows(rows)))


# -- list upload -------------------------------------------------------------------------------------


def _upload_paths(ctx: WebContext, token: str) -> tuple[Path, Path]:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        raise HTTPException(status_code=404, detail="no such upload")
    meta = ctx.web.upload_dir / f"{token}.json"
    if not meta.exists():
        raise HTTPException(status_code=404, detail="no such upload")
    info = json.loads(meta.read_text())
    return ctx.web.upload_dir / info["stored"], meta


async def _save_upload(ctx: WebContext, user: WebUser, campaign_id: IdPath, file: UploadFile) -> str:
    name = re.sub(r"[\x00-\x1f\x7f]", "", Path(file.filename or "list.csv").name)[:200] or "list.csv"
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx"):
        raise HTTPException(status_code=422, detail="upload a .csv or .xlsx file")
    data = await file.read(ctx.web.max_upload_bytes + 1)
    if len(data) > ctx.web.max_upload_bytes:
        raise HTTPException(status_code=413, detail="file too large")
    token = secrets.token_hex(16)
    ctx.web.upload_dir.mkdir(parents=True, exist_ok=True)
    (ctx.web.upload_dir / f"{token}{suffix}").write_bytes(data)
    meta = {"stored": f"{token}{suffix}", "filename": name, "campaign_id": campaign_id, "user_id": user.id}
    (ctx.web.upload_dir / f"{token}.json").write_text(json.dumps(meta))
    return token


def _meta(ctx: WebContext, token: str, user: WebUser) -> tuple[Path, dict[str, Any]]:
    path, meta_path = _upload_paths(ctx, token)
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    if meta["user_id"] != user.id:
        raise HTTPException(status_code=404, detail="no such upload")
    return path, meta


def _overrides(mapping: dict[str, str] | None) -> dict[str | int, str | None] | None:
    if not mapping:
        return None
    out: dict[str | int, str | None] = {}
    for key, value in mapping.items():
        if value not in MAPPING_CHOICES:
            raise HTTPException(status_code=422, detail=f"unknown field {value!r} for column {key}")
        out[int(key)] = value
    return out


def preview(path: Path, overrides: dict[str | int, str | None] | None, region: str = "RU") -> dict[str, Any]:
    """First rows as parsed, and the detected column mapping (column number, header, field)."""
    try:
        reader = read_contacts(path, mapping=overrides, default_region=region)
    except ListFormatError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    described = reader.mapping.describe()
    columns = []
    for i, header in enumerate(reader.mapping.header):
        field = described.get(header, "ignored")
        choice = "phone" if field.startswith("phone") else ("ignore" if field == "ignored" else field)
        columns.append({"number": i + 1, "header": header, "field": field, "choice": choice})
    rows = []
    for item in itertools.islice(reader, PREVIEW_ROWS):
        if isinstance(item, RowError):
            rows.append(
                {
                    "row": item.row_number,
                    "error": str(item),
                    "field": item.field,
                    "reason": item.reason,
                    "value": item.value,
                }
            )
        else:
            rows.append(
                {
                    "row": item.row_number,
                    "phones": list(item.phones),
                    "company": item.company,
                    "contact_person": item.contact_person,
                    "specialty": item.specialty,
                    "headcount": item.headcount,
                    "region": item.region,
                }
            )
    src = reader.source
    return {
        "source": {"kind": src.kind, "encoding": src.encoding, "separator": src.separator},
        "header_row": reader.header_row,
        "mapping": described,
        "columns": columns,
        "rows": rows,
    }


def _definition_with_mapping(
    c: Campaign, list_name: str, overrides: dict[str | int, str | None] | None
) -> CampaignDefinition:
    definition = parse_campaign(c.definition, c.name) if c.definition else parse_campaign({"name": c.name})
    if overrides is None:
        return definition
    lists = [x for x in definition.lists if x.name != list_name]
    old = next((x for x in definition.lists if x.name == list_name), None)
    ref = ListRef(
        name=list_name,
        mapping=overrides,
        default_region=old.default_region if old else "RU",
        sheet=old.sheet if old else None,
    )
    return definition.model_copy(update={"lists": [*lists, ref]})


def run_import(
    ctx: WebContext, token: str, user: WebUser, list_name: str | None, mapping: dict[str, str] | None
) -> dict[str, Any]:
    path, meta = _meta(ctx, token, user)
    c = _campaign(ctx, int(meta["campaign_id"]))
    name = (list_name or Path(meta["filename"]).stem).strip() or Path(meta["filename"]).stem
    overrides = _overrides(mapping)
    definition = _definition_with_mapping(c, name, overrides)
    safe_name = re.sub(r"[^\w .-]", "_", meta["filename"])  # keeps Cyrillic: the Lists table shows it
    named = path.with_name(f"{token}-{safe_name}")
    path.rename(named)
    try:
        report = import_list(ctx.repo, c.id, definition, named, name)
    except ListFormatError as exc:
        named.rename(path)
        raise HTTPException(status_code=422, detail=str(exc)) from None
    named.unlink(missing_ok=True)
    (ctx.web.upload_dir / f"{token}.json").unlink(missing_ok=True)
    out = report_dict(report)
    out["file"] = meta["filename"]
    ctx.queries.audit(
        user.id, "list.import", f"campaign:{c.id}", list=name, accepted=report.accepted, rows=report.rows_read
    )
    return {"campaign_id": c.id, "campaign": c.name, "list_name": name, "report": out}


@router.get("/manager/upload", response_class=HTMLResponse, include_in_schema=False)
async def upload_page(request: Request, campaign_id: IdQuery = None) -> HTMLResponse:
    campaigns = await asyncio.to_thread(ctx_of(request).queries.campaigns)
    return render(request, "upload.html", campaigns=campaigns, selected=campaign_id)


@router.post("/manager/upload", include_in_schema=False)
async def upload_submit(
    request: Request, user: User, campaign_id: IdForm, file: Annotated[UploadFile, File()]
) -> RedirectResponse:
    """Store the file, then show its preview at its own address (post-redirect-get: a refresh re-reads the
    preview, it never uploads again)."""
    ctx = ctx_of(request)
    await asyncio.to_thread(_campaign, ctx, campaign_id)
    token = await _save_upload(ctx, user, campaign_id, file)
    return RedirectResponse(f"/manager/upload/{token}", status_code=303)


@router.get("/manager/upload/{token}", response_class=HTMLResponse, include_in_schema=False)
async def upload_preview_page(request: Request, token: str, user: User) -> HTMLResponse:
    ctx = ctx_of(request)
    path, meta = _meta(ctx, token, user)
    c = await asyncio.to_thread(_campaign, ctx, int(meta["campaign_id"]))
    data = await asyncio.to_thread(preview, path, None)
    return render(
        request,
        "upload_preview.html",
        c=c,
        token=token,
        filename=meta["filename"],
        p=data,
        choices=MAPPING_CHOICES,
        list_name=Path(meta["filename"]).stem,
    )


@router.post("/manager/upload/{token}/confirm", include_in_schema=False)
async def upload_confirm(request: Request, token: str, user: User) -> RedirectResponse:
    form = await request.form()
    # only the columns the manager changed become overrides; the rest stay as detected
    mapping = {
        k.removeprefix("col_"): str(v)
        for k, v in form.items()
        if k.startswith("col_") and k[4:].isdigit() and str(v) != str(form.get(f"orig_{k[4:]}", ""))
    }
    list_name = str(form.get("list_name") or "") or None
    ctx = ctx_of(request)
    result = await asyncio.to_thread(run_import, ctx, token, user, list_name, mapping or None)
    # post-redirect-get: the report has its own address, so a refresh shows it again and imports nothing
    lists = await asyncio.to_thread(ctx.queries.contact_lists, int(result["campaign_id"]))
    list_id = next(x.id for x in lists if x.name == result["list_name"])
    return RedirectResponse(f"/manager/lists/{list_id}?saved=1", status_code=303)


@router.post("/api/uploads", tags=["lists"])
async def api_upload(
    request: Request, user: User, campaign_id: IdForm, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Upload a CSV/XLSX list for a campaign: returns a token, the detected mapping and the first rows."""
    ctx = ctx_of(request)
    await asyncio.to_thread(_campaign, ctx, campaign_id)
    token = await _save_upload(ctx, user, campaign_id, file)
    path, _ = _meta(ctx, token, user)
    return {"token": token, **await asyncio.to_thread(preview, path, None)}


@router.post("/api/uploads/{token}/preview", tags=["lists"])
async def api_upload_preview(request: Request, token: str, body: ImportBody, user: User) -> dict[str, Any]:
    """The preview again with a changed mapping (column number -> field, extra or ignore)."""
    ctx = ctx_of(request)
    path, _ = _meta(ctx, token, user)
    return {"token": token, **await asyncio.to_thread(preview, path, _overrides(body.mapping))}


@router.post("/api/uploads/{token}/import", tags=["lists"])
async def api_upload_import(request: Request, token: str, body: ImportBody, user: User) -> dict[str, Any]:
    """Import the uploaded list (all rows or none) with the confirmed mapping; returns the import report."""
    return await asyncio.to_thread(run_import, ctx_of(request), token, user, body.list_name, body.mapping)
