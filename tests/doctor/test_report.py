# ruff: noqa: RUF001  (Russian text is intentional here)
"""The pure part of `dialer doctor`: what each fact means, the verdict and the printed report."""

from __future__ import annotations

from pathlib import Path

from dialer.doctor import report as r
from dialer.doctor.messages import text
from dialer.doctor.probes import path_facts
from dialer.doctor.report import Check, PathFacts, Status, TrunkOutcome

LAB_MODULES = [
    *(f"{m}.so" for need in r.MODULE_NEEDS for m in need.all_of),
    "bridge_simple.so",
    "codec_gsm.so",
    "cdr",  # core parts are listed without .so
]
AMD_LINES = [
    ("NoOp", "AMD on ${CHANNEL}"),
    ("AMD", ""),
    ("Stasis", '${IF($["${DIALER_APP}" = ""]?dialer:${DIALER_APP})},amd,${AMDSTATUS},${AMDCAUSE}'),
    ("Hangup", ""),
]


def test_verdict_fails_only_on_a_failure() -> None:
    good = r.ok("ari", "ari_ok", url="u", user="d", version="22")
    soft = r.warn("endpoint", "endpoint_offline", "endpoint_offline_fix", login="a", endpoint="PJSIP/a", state="x")
    hard = r.fail("ami", "ami_auth", "ami_auth_fix", host="h", port=1, user="d")
    assert r.exit_code([good, soft]) == 0
    assert r.exit_code([good, soft, hard]) == 1
    assert r.exit_code([]) == 0


def test_render_prints_the_fix_under_each_problem_and_the_verdict_in_both_languages() -> None:
    checks = r.on_server(
        [
            r.ami_check("10.0.0.5", 5038, "dialer", True, False, None),
            r.ari_check("http://pbx:8088", "dialer", 200, None, "22.1"),
        ],
        "pbx1",
    )
    en = r.render(checks, "en")
    assert en[0] == "FAIL  [pbx1] AMI: 10.0.0.5:5038 refused the login of dialer"
    assert en[1].startswith("      fix: manager.conf: a [dialer] section whose secret is DIALER_AMI_PASSWORD")
    assert en[2].startswith("PASS  [pbx1] ARI: http://pbx:8088 answers")
    assert len(en) == 4 and en[3] == "NOT ready: 1 passed, 0 warnings, 1 failed"
    ru = r.render(checks, "ru")
    assert ru[1].startswith("      исправить: manager.conf: секция [dialer]")
    assert ru[3] == "НЕ готово: успешно 1, предупреждений 0, ошибок 1"


def test_every_check_renders_in_both_languages() -> None:
    """Each rule's output formats with its own parameters (no missing placeholder in any language)."""
    checks: list[Check] = [
        r.config_check(None),
        r.config_check("missing configuration: DIALER_ARI_PASSWORD"),
        r.database_check("db", None, None, "refused"),
        r.database_check("db", "0005", "0006", None),
        r.database_check("db", "0006", "0006", None),
        *(r.ari_check("u", "d", s, "boom", "22") for s in (None, 200, 401, 404, 500)),
        *(r.ari_write_check("d", s) for s in (404, 403, 500, None)),
        *(r.ami_check("h", 1, "d", reach, auth, "e") for reach, auth in ((False, False), (True, False), (True, True))),
        r.ami_permission_check("d", "CoreShowChannels", {"Response": "Error", "Message": "Permission denied"}),
        r.ami_permission_check("d", "CoreShowChannels", {"Response": "Success"}),
        r.dialplan_check(r.AMD_CONTEXT, None, "dialer", required=True),
        r.dialplan_check(r.STASIS_CONTEXT, None, "dialer", required=False),
        r.dialplan_check(r.AMD_CONTEXT, [("Stasis", "other")], "dialer", required=True),
        r.dialplan_check(r.AMD_CONTEXT, [("Stasis", "dialer")], "dialer", required=True),
        r.dialplan_check(r.AMD_CONTEXT, AMD_LINES, "dialer", required=True),
        *r.module_checks([]),
        *r.module_checks(LAB_MODULES),
        r.operators_check(0) or r.config_check(None),
        r.campaign_check("spring"),
        r.endpoint_check("op1", "PJSIP/op1", 200, "online", None),
        r.endpoint_check("op1", "PJSIP/op1", 200, "offline", None),
        r.endpoint_check("op1", "PJSIP/op1", 404, None, "Endpoint not found"),
        r.endpoint_check("op1", "PJSIP/op1", None, None, "down"),
        r.endpoint_check("op1", "op1", None, None, None),
        r.bad_number_check("12a4"),
        r.trunk_check(TrunkOutcome("PJSIP/1@t", refused="HTTP 400: Allocation failed")),
        r.trunk_check(TrunkOutcome("PJSIP/1@t", answered=True)),
        r.trunk_check(TrunkOutcome("PJSIP/1@t", cause=17, cause_txt="User busy")),
        r.trunk_check(TrunkOutcome("PJSIP/1@t", cause=3, cause_txt="No route")),
        r.trunk_check(TrunkOutcome("PJSIP/1@t", timed_out=True)),
        r.trunk_check(TrunkOutcome("PJSIP/1@t", timed_out=True, ringing=True)),
        r.spool_check(PathFacts("/s", exists=False)),
        r.spool_check(PathFacts("/s", exists=True, is_dir=False)),
        r.spool_check(PathFacts("/s", exists=True, readable=True)),
        r.spool_check(PathFacts("/s", exists=True, readable=True, writable=True)),
        r.cdr_file_check(PathFacts("/c", exists=False)),
        r.cdr_file_check(PathFacts("/c", exists=True, is_dir=False)),
        r.cdr_file_check(PathFacts("/c", exists=True, is_dir=False, readable=True)),
    ]
    for lang in ("en", "ru"):
        lines = r.render(checks, lang)
        assert len(lines) == len(checks) + sum(c.status is not Status.OK for c in checks) + 1


def test_ari_and_ami_failures_name_the_right_fix() -> None:
    assert r.ari_check("u", "d", None, "Connection refused", None).fix == "ari_unreachable_fix"
    assert r.ari_check("u", "d", 401, None, None).fix == "ari_auth_fix"
    assert r.ari_check("u", "d", 404, None, None).fix == "ari_not_found_fix"
    assert r.ari_check("u", "d", 200, None, "22").status is Status.OK
    assert r.ari_write_check("d", 404).status is Status.OK
    read_only = r.ari_write_check("d", 403)
    assert read_only.status is Status.FAIL and "read_only = no" in text(read_only.fix or "", **read_only.params)
    assert r.ari_write_check("d", 500).status is Status.WARN
    assert r.ami_check("h", 1, "d", False, False, "refused").fix == "ami_unreachable_fix"
    assert r.ami_check("h", 1, "d", True, False, None).fix == "ami_auth_fix"
    denied = r.ami_permission_check("d", "CoreShowChannels", {"Response": "Error", "Message": "Permission denied"})
    assert denied.status is Status.FAIL and "write = reporting" in text(denied.fix or "", **denied.params)


def test_dialplan_needs_amd_and_stasis_to_the_dialers_app() -> None:
    assert r.dialplan_check(r.AMD_CONTEXT, AMD_LINES, "dialer", required=True).status is Status.OK
    # an app named outright counts, as does ${DIALER_APP}; another app does not
    named = [("AMD", ""), ("Stasis", "dialer,amd,${AMDSTATUS}")]
    assert r.dialplan_check(r.AMD_CONTEXT, named, "dialer", required=True).status is Status.OK
    other = [("AMD", ""), ("Stasis", "crm,amd")]
    assert r.dialplan_check(r.AMD_CONTEXT, other, "dialer", required=True).detail == "dialplan_no_stasis"
    no_amd = [("Stasis", "dialer,amd")]
    assert r.dialplan_check(r.AMD_CONTEXT, no_amd, "dialer", required=True).detail == "dialplan_no_amd"
    missing = r.dialplan_check(r.AMD_CONTEXT, None, "dialer", required=True)
    assert missing.status is Status.FAIL and missing.fix == "dialplan_amd_fix"
    # the hand-dialling context is optional: missing is a warning
    assert r.dialplan_check(r.STASIS_CONTEXT, None, "dialer", required=False).status is Status.WARN
    hand = [("Stasis", "dialer,inbound,${EXTEN}")]
    assert r.dialplan_check(r.STASIS_CONTEXT, hand, "dialer", required=False).status is Status.OK


def test_the_customers_context_is_required_and_must_enter_the_dialers_app() -> None:
    missing = r.dialplan_check(r.OUTBOUND_CONTEXT, None, "dialer", required=True)
    assert (missing.status, missing.name, missing.fix) == (Status.FAIL, "dialplan_outbound", "dialplan_outbound_fix")
    assert "dialer-outbound" in text(missing.fix or "", **missing.params)
    held = [("Set", "DIALER_ANSWERED_AT=..."), ("Stasis", '${IF($["${DIALER_APP}" = ""]?dialer:${DIALER_APP})}')]
    assert r.dialplan_check(r.OUTBOUND_CONTEXT, held, "dialer", required=True).status is Status.OK
    other = [("Stasis", "crm,customer")]
    assert r.dialplan_check(r.OUTBOUND_CONTEXT, other, "dialer", required=True).detail == "dialplan_no_stasis"


def test_a_goto_into_another_context_is_followed() -> None:
    assert r.goto_contexts([("Goto", "dialer-inbound,${EXTEN},1"), ("Hangup", "")]) == ["dialer-inbound"]
    # same-context jumps and computed targets are not other contexts
    assert r.goto_contexts([("Goto", "s,2"), ("Goto", "${CTX},s,1"), ("GotoIf", "$[1]?a,s,1")]) == []


def test_modules_all_of_any_of_and_optional_cdr() -> None:
    checks = {c.name: c for c in r.module_checks(LAB_MODULES)}
    assert all(c.status is Status.OK for c in checks.values()), checks
    assert "bridge_simple" in checks["mod_bridge"].params["modules"]

    without = [m for m in LAB_MODULES if m not in ("app_amd.so", "cdr_custom.so", "bridge_simple.so")]
    checks = {c.name: c for c in r.module_checks(without)}
    assert checks["mod_amd"].status is Status.FAIL
    assert checks["mod_amd"].params["loads"] == "load => app_amd.so"
    assert checks["mod_bridge"].status is Status.FAIL
    assert checks["mod_bridge"].params["modules"] == "bridge_simple | bridge_softmix"
    assert checks["mod_bridge"].params["loads"] == "load => bridge_simple.so"
    assert checks["mod_cdr"].status is Status.WARN  # crash recovery only: the dialer still runs
    assert checks["mod_recording"].status is Status.OK
    softmix_only = [m for m in without if m != "bridge_simple.so"] + ["bridge_softmix.so"]
    assert {c.name: c for c in r.module_checks(softmix_only)}["mod_bridge"].status is Status.OK


def test_endpoints() -> None:
    assert r.endpoint_check("op1", "PJSIP/op1", 200, "online", None).status is Status.OK
    offline = r.endpoint_check("op1", "PJSIP/op1", 200, "offline", None)
    assert offline.status is Status.WARN and offline.fix == "endpoint_offline_fix"
    missing = r.endpoint_check("op1", "PJSIP/op1", 404, None, "Endpoint not found")
    assert missing.status is Status.FAIL and missing.params["resource"] == "op1"
    assert "pjsip.conf: add endpoint, auth and aor [op1]" in text(missing.fix or "", **missing.params)
    assert r.endpoint_check("op1", "op1", None, None, None).detail == "endpoint_malformed"
    assert r.operators_check(0) is not None and r.operators_check(3) is None


def test_trunk_outcomes() -> None:
    assert r.trunk_check(TrunkOutcome("d", answered=True)).status is Status.OK
    # the network answered for the number: the trunk itself works
    for cause in (17, 19, 21):
        assert r.trunk_check(TrunkOutcome("d", cause=cause)).status is Status.WARN
    assert r.trunk_check(TrunkOutcome("d", ringing=True, timed_out=True)).status is Status.WARN
    for bad in (TrunkOutcome("d", cause=1), TrunkOutcome("d", cause=34), TrunkOutcome("d", timed_out=True)):
        assert r.trunk_check(bad).status is Status.FAIL and r.trunk_check(bad).fix == "trunk_failed_fix"
    refused = r.trunk_check(TrunkOutcome("d", refused="HTTP 400: Allocation failed"))
    assert refused.status is Status.FAIL and refused.fix == "trunk_refused_fix"
    assert "PJSIP/{number}@carrier" in text("trunk_refused_fix")


def test_test_number_digits() -> None:
    assert r.dialled_digits("+7 (999) 010-00-02") == "79990100002"
    assert r.dialled_digits("79990100002") == "79990100002"
    for bad in ("", "+", "12a4", "1;Dial(x)", "٣٣٣"):
        assert r.dialled_digits(bad) is None, bad
    assert r.bad_number_check("12a4").status is Status.FAIL


def test_spool_and_cdr_file() -> None:
    assert r.spool_check(PathFacts("/s", exists=False)).detail == "spool_missing"
    assert r.spool_check(PathFacts("/s", True, is_dir=False)).detail == "spool_not_dir"
    assert r.spool_check(PathFacts("/s", True, True, readable=True, writable=False)).fix == "spool_access_fix"
    assert r.spool_check(PathFacts("/s", True, True, True, True)).status is Status.OK
    assert r.cdr_file_check(PathFacts("/c", exists=False)).status is Status.WARN
    assert r.cdr_file_check(PathFacts("/c", True, False, readable=True)).status is Status.OK


def test_path_facts_prove_writing(tmp_path: Path) -> None:
    facts = path_facts(tmp_path, probe_write=True)
    assert facts.exists and facts.is_dir and facts.readable and facts.writable
    assert list(tmp_path.iterdir()) == []  # the probe file is removed
    assert not path_facts(tmp_path / "nope", probe_write=True).exists
    f = tmp_path / "cdr.csv"
    f.write_text("x")
    assert path_facts(f, probe_write=False) == PathFacts(str(f), True, False, True, False)


def test_database_schema() -> None:
    assert r.database_check("db", "0006", "0006", None).status is Status.OK
    behind = r.database_check("db", None, "0006", None)
    assert behind.status is Status.FAIL and text(behind.fix or "") == "run `dialer db upgrade`"
    assert r.database_check("db", None, None, "could not connect").fix == "db_unreachable_fix"
