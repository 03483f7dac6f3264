"""Check results as plain values, the pure rules that turn what a probe saw into them, and the verdict.

Every rule takes facts (HTTP status, module names, dialplan lines, file-system flags) and returns a
`Check` naming a message key, so the wording (English and Russian, `messages`) and the decisions are
tested without an Asterisk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dialer.doctor.messages import text


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # the dialer runs, but something will not work (a softphone not registered now)
    FAIL = "fail"  # the dialer cannot work until this is fixed


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked (on which server), the outcome, and how to fix it."""

    name: str  # message key of the check's title
    status: Status
    detail: str  # message key
    params: Mapping[str, Any] = field(default_factory=dict)
    fix: str | None = None  # message key; params are shared with the detail
    server: str | None = None


def ok(name: str, detail: str, **params: Any) -> Check:
    return Check(name, Status.OK, detail, params)


def warn(name: str, detail: str, fix: str, **params: Any) -> Check:
    return Check(name, Status.WARN, detail, params, fix)


def fail(name: str, detail: str, fix: str, **params: Any) -> Check:
    return Check(name, Status.FAIL, detail, params, fix)


# -- verdict and printing --------------------------------------------------------------------------


def exit_code(checks: Iterable[Check]) -> int:
    """1 when any check failed (warnings do not fail the run), else 0."""
    return 1 if any(c.status is Status.FAIL for c in checks) else 0


_MARK = {Status.OK: "PASS", Status.WARN: "WARN", Status.FAIL: "FAIL"}


def render(checks: list[Check], lang: str = "en") -> list[str]:
    """The report as lines: one per check, its fix indented under it, then the verdict."""
    lines: list[str] = []
    for c in checks:
        title = text(c.name, lang)
        if c.server is not None:
            title = f"[{c.server}] {title}"
        lines.append(f"{_MARK[c.status]}  {title}: {text(c.detail, lang, **c.params)}")
        if c.fix is not None and c.status is not Status.OK:
            lines.append(f"      {text('fix', lang)}: {text(c.fix, lang, **c.params)}")
    counts = {s: sum(1 for c in checks if c.status is s) for s in Status}
    verdict = "verdict_fail" if counts[Status.FAIL] else "verdict_ok"
    lines.append(text(verdict, lang, ok=counts[Status.OK], warn=counts[Status.WARN], fail=counts[Status.FAIL]))
    return lines


def on_server(checks: Iterable[Check], server: str) -> list[Check]:
    return [Check(c.name, c.status, c.detail, c.params, c.fix, server) for c in checks]


# -- configuration and database --------------------------------------------------------------------


def config_check(error: str | None) -> Check:
    if error is None:
        return ok("config", "config_ok")
    return fail("config", "config_bad", "config_fix", error=error)


def database_check(where: str, current: str | None, head: str | None, error: str | None) -> Check:
    if error is not None:
        return fail("database", "db_unreachable", "db_unreachable_fix", where=where, error=error)
    if current != head:
        return fail("database", "db_behind", "db_behind_fix", where=where, current=current or "-", head=head)
    return ok("database", "db_ok", where=where, head=head)


# -- ARI and AMI -------------------------------------------------------------------------------------


def ari_check(url: str, user: str, status: int | None, error: str | None, version: str | None) -> Check:
    """GET /ari/asterisk/info: reachable, credentials accepted, ARI loaded under that URL."""
    if status is None:
        return fail("ari", "ari_unreachable", "ari_unreachable_fix", url=url, error=error or "")
    if status == 401:
        return fail("ari", "ari_auth", "ari_auth_fix", url=url, user=user)
    if status == 404:
        return fail("ari", "ari_not_found", "ari_not_found_fix", url=url)
    if status != 200:
        return fail("ari", "ari_http", "ari_unreachable_fix", url=url, status=status, error=error or "")
    return ok("ari", "ari_ok", url=url, user=user, version=version or "?")


def ari_write_check(user: str, status: int | None) -> Check:
    """The ARI user may change things: a DELETE of a channel that does not exist answers 404, not the
    403 "Write access denied" of a read_only user (which would pass every GET and fail every call)."""
    if status == 404:
        return ok("ari_write", "ari_write_ok", user=user)
    if status == 403:
        return fail("ari_write", "ari_read_only", "ari_read_only_fix", user=user)
    return warn("ari_write", "ari_write_unknown", "ari_read_only_fix", user=user, status=status)


def ami_check(host: str, port: int, user: str, reachable: bool, authenticated: bool, error: str | None) -> Check:
    if not reachable:
        return fail("ami", "ami_unreachable", "ami_unreachable_fix", host=host, port=port, error=error or "")
    if not authenticated:
        return fail("ami", "ami_auth", "ami_auth_fix", host=host, port=port, user=user)
    return ok("ami", "ami_ok", host=host, port=port, user=user)


def ami_permission_check(user: str, action: str, response: Mapping[str, str]) -> Check:
    """An action the dialer sends (CoreShowChannels, after a restart) is allowed to this AMI user."""
    if str(response.get("Response", "")).lower() in ("success", ""):
        return ok("ami_permissions", "ami_perm_ok", user=user, action=action)
    return fail(
        "ami_permissions",
        "ami_perm_denied",
        "ami_perm_fix",
        user=user,
        action=action,
        message=response.get("Message", ""),
    )


# -- dialplan ----------------------------------------------------------------------------------------

AMD_CONTEXT = "dialer-amd"  # the service's continueInDialplan target (asterisk_conf/extensions.conf)
OUTBOUND_CONTEXT = "dialer-outbound"  # where customers are originated: into Stasis on answer, held if none listens
STASIS_CONTEXT = "dialer-stasis"  # for calls placed into the app by hand: useful, not required


def goto_contexts(lines: list[tuple[str, str]]) -> list[str]:
    """Other contexts a context hands its calls to with Goto(context,exten,priority): their lines count
    as the context's own (e.g. [dialer-stasis] may jump to a context that runs Stasis)."""
    targets = []
    for app, data in lines:
        parts = [p.strip() for p in data.split(",")]
        if app.lower() == "goto" and len(parts) == 3 and parts[0] and "$" not in parts[0]:
            targets.append(parts[0])
    return targets


def dialplan_check(context: str, lines: list[tuple[str, str]] | None, app: str, *, required: bool) -> Check:
    """The context exists and hands the call back to the dialer's Stasis application.

    `lines` are (application, data) of the context's priorities (AMI ShowDialPlan); None: no such context.
    The dialer names its own app in ${DIALER_APP}, so either that variable or the app's name counts.
    """
    kind = {AMD_CONTEXT: "amd", OUTBOUND_CONTEXT: "outbound"}.get(context, "stasis")
    name, fix = f"dialplan_{kind}", f"dialplan_{kind}_fix"
    bad = fail if required else warn
    if lines is None:
        return bad(name, "dialplan_missing", fix, context=context, app=app)
    apps = [a.lower() for a, _ in lines]
    stasis = [d for a, d in lines if a.lower() == "stasis"]
    if not any(app in d or "DIALER_APP" in d for d in stasis):
        return bad(name, "dialplan_no_stasis", fix, context=context, app=app)
    if context == AMD_CONTEXT and "amd" not in apps:
        return bad(name, "dialplan_no_amd", fix, context=context, app=app)
    return ok(name, "dialplan_ok", context=context, app=app)


# -- modules -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleNeed:
    """Modules the dialer needs for one purpose: all of `all_of`, and at least one of `any_of`."""

    name: str  # message key of the title
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    required: bool = True


MODULE_NEEDS: tuple[ModuleNeed, ...] = (
    ModuleNeed(
        "mod_ari",
        (
            "res_http_websocket",
            "res_ari",
            "res_ari_model",
            "res_ari_applications",
            "res_ari_asterisk",
            "res_ari_bridges",
            "res_ari_channels",
            "res_ari_endpoints",
            "res_ari_events",
            "res_ari_playbacks",
            "res_ari_recordings",
        ),
    ),
    ModuleNeed("mod_stasis", ("res_stasis", "app_stasis", "res_stasis_playback", "pbx_config")),
    ModuleNeed("mod_amd", ("app_amd",)),
    ModuleNeed("mod_pjsip", ("res_pjsip", "res_pjsip_session", "chan_pjsip")),
    ModuleNeed("mod_bridge", any_of=("bridge_simple", "bridge_softmix")),
    # each side of a call is recorded from an ARI snoop channel into a WAV file (DialerService._record_leg)
    ModuleNeed("mod_recording", ("res_stasis_snoop", "res_stasis_recording", "format_wav")),
    ModuleNeed("mod_codecs", ("codec_ulaw", "codec_alaw")),
    # Asterisk's own call records, read back after a crash (asterisk_conf/cdr_custom.conf)
    ModuleNeed("mod_cdr", ("cdr_custom", "func_cdr"), required=False),
)


def module_checks(loaded: Iterable[str], needs: tuple[ModuleNeed, ...] = MODULE_NEEDS) -> list[Check]:
    """One check per purpose; `loaded` are module names as ARI lists them (with or without .so)."""
    have = {m.removesuffix(".so") for m in loaded}
    checks = []
    for need in needs:
        missing = [m for m in need.all_of if m not in have]
        if need.any_of and not any(m in have for m in need.any_of):
            missing.append(" | ".join(need.any_of))
        if not missing:
            present = [m for m in (*need.all_of, *need.any_of) if m in have]
            checks.append(ok(need.name, "mod_ok", modules=", ".join(present)))
        else:
            bad = fail if need.required else warn
            loads = "; ".join(f"load => {m.split(' | ')[0]}.so" for m in missing)
            checks.append(bad(need.name, "mod_missing", "mod_fix", modules=", ".join(missing), loads=loads))
    return checks


# -- operators, trunk, files -----------------------------------------------------------------------


def campaign_check(name: str) -> Check:
    """A campaign named for the test call's dial string that the database does not have."""
    return fail("campaign", "campaign_missing", "campaign_missing_fix", campaign=name)


def operators_check(count: int) -> Check | None:
    if count == 0:
        return warn("operators", "operators_none", "operators_none_fix")
    return None


def endpoint_check(login: str, endpoint: str, status: int | None, state: str | None, error: str | None) -> Check:
    """ARI GET /endpoints/{tech}/{resource}: the softphone's endpoint exists and is registered now."""
    p = {"login": login, "endpoint": endpoint}
    if "/" not in endpoint:
        return fail("endpoint", "endpoint_malformed", "endpoint_malformed_fix", **p)
    if status is None or status not in (200, 404):
        return fail("endpoint", "endpoint_error", "ari_unreachable_fix", error=error or str(status), url="", **p)
    if status == 404:
        return fail("endpoint", "endpoint_missing", "endpoint_missing_fix", resource=endpoint.split("/", 1)[1], **p)
    if state != "online":
        return warn("endpoint", "endpoint_offline", "endpoint_offline_fix", state=state or "unknown", **p)
    return ok("endpoint", "endpoint_ok", **p)


@dataclass(frozen=True)
class TrunkOutcome:
    """What a test call through the trunk did (ARI originate into a Stasis app of the doctor's own)."""

    dial_string: str
    refused: str | None = None  # the originate request itself failed (HTTP error text)
    answered: bool = False
    ringing: bool = False
    cause: int | None = None  # Q.850 hangup cause when it ended without an answer
    cause_txt: str = ""
    timed_out: bool = False


# causes that mean the network was reached and the number itself did not take the call
_CALLEE_CAUSES = {17: "busy", 18: "no answer", 19: "no answer", 21: "rejected", 16: "normal"}


def dialled_digits(number: str) -> str | None:
    """The test number as the dial string's {number}: digits without '+' (as the service dials contacts'
    E.164 numbers); spaces, dashes and brackets are ignored; None when anything else is left."""
    digits = "".join(ch for ch in number if ch not in " -()").removeprefix("+")
    return digits if digits.isdigit() and digits.isascii() else None


def bad_number_check(number: str) -> Check:
    return fail("trunk", "trunk_bad_number", "trunk_bad_number_fix", number=number)


def trunk_check(o: TrunkOutcome) -> Check:
    p = {"dial": o.dial_string}
    if o.refused is not None:
        return fail("trunk", "trunk_refused", "trunk_refused_fix", error=o.refused, **p)
    if o.answered:
        return ok("trunk", "trunk_answered", **p)
    if o.cause in _CALLEE_CAUSES or (o.timed_out and o.ringing):
        return warn("trunk", "trunk_not_answered", "trunk_not_answered_fix", cause=o.cause, text=o.cause_txt, **p)
    if o.timed_out:
        return fail("trunk", "trunk_silent", "trunk_failed_fix", **p)
    return fail("trunk", "trunk_failed", "trunk_failed_fix", cause=o.cause, text=o.cause_txt, **p)


@dataclass(frozen=True)
class PathFacts:
    path: str
    exists: bool
    is_dir: bool = True
    readable: bool = False
    writable: bool = False


def spool_check(f: PathFacts) -> Check:
    """The recording spool as the dialer sees it: Asterisk writes there, the dialer reads and removes."""
    p = {"path": f.path}
    if not f.exists:
        return fail("spool", "spool_missing", "spool_fix", **p)
    if not f.is_dir:
        return fail("spool", "spool_not_dir", "spool_fix", **p)
    if not (f.readable and f.writable):
        return fail("spool", "spool_access", "spool_access_fix", read=f.readable, write=f.writable, **p)
    return ok("spool", "spool_ok", **p)


def cdr_file_check(f: PathFacts) -> Check:
    """Asterisk's CDR file (cdr_custom) as the dialer sees it; it appears with the first call."""
    p = {"path": f.path}
    if not f.exists:
        return warn("cdr_file", "cdr_missing", "cdr_fix", **p)
    if not f.readable:
        return warn("cdr_file", "cdr_unreadable", "cdr_fix", **p)
    return ok("cdr_file", "cdr_ok", **p)
