"""List upload for the campaign manager: the file, a preview with the column mapping, the import and its
report. Managers and admins."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from dialer.campaigns import import_list, report_dict
from dialer.db.models import Campaign
from dialer.lists import ListFormatError, RowError, read_contacts
from dialer.lists.mapping import EXTRA, IGNORE, ContactField
from dialer.rules.campaign import CampaignDefinition, ListRef, parse_campaign
from dialer.web.context import WebContext, ctx_of, render
from dialer.web.manager import campaign_or_404
from dialer.web.params import Body, IdForm, IdPath, IdQuery
from dialer.web.security import RoleGuard, WebUser, current_user

# Every route here needs one of these roles (and CSRF on state changes); the route x role test checks it.
router = APIRouter(dependencies=[Depends(RoleGuard("manager", "admin"))])
User = Annotated[WebUser, Depends(current_user)]
MAPPING_CHOICES = ("phone", *[f.value for f in ContactField if f is not ContactField.PHONE], EXTRA, IGNORE)
PREVIEW_ROWS = 10


class ImportBody(Body):
    list_name: str | None = Field(default=None, max_length=200)
    mapping: dict[str, str] | None = None  # 1-based column number -> field / extra / ignore


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
    c = campaign_or_404(ctx, int(meta["campaign_id"]))
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
    await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
    token = await _save_upload(ctx, user, campaign_id, file)
    return RedirectResponse(f"/manager/upload/{token}", status_code=303)


@router.get("/manager/upload/{token}", response_class=HTMLResponse, include_in_schema=False)
async def upload_preview_page(request: Request, token: str, user: User) -> HTMLResponse:
    ctx = ctx_of(request)
    path, meta = _meta(ctx, token, user)
    c = await asyncio.to_thread(campaign_or_404, ctx, int(meta["campaign_id"]))
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
    await asyncio.to_thread(campaign_or_404, ctx, campaign_id)
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
