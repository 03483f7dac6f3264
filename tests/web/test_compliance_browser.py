"""Browser tests of the compliance pages (headless Debian chromium through Playwright, as
tests/web/test_browser.py): the evidence page with a download, and the DNC/consent page with an opt-out."""

from __future__ import annotations

from pathlib import Path

from tests.web.compliance_seed import HOSTILE, seed_evidence
from tests.web.conftest import WebEnv
from tests.web.test_browser import page, server, shot, sign_in

__all__ = ["page", "server"]  # the fixtures, shared with the other browser tests


def test_manager_reads_evidence_and_downloads_it(server: tuple[str, WebEnv], page: object, tmp_path: Path) -> None:
    base, env = server
    seed = seed_evidence(env.repo)
    p = page
    sign_in(p, base, "mike")
    p.click("nav a[href='/manager/compliance']")  # type: ignore[attr-defined]
    p.wait_for_selector("#evidence-form")  # type: ignore[attr-defined]
    p.select_option("select[name=campaign_id]", str(seed.campaign_id))  # type: ignore[attr-defined]
    p.fill("input[name=from]", "2026-11-02")  # type: ignore[attr-defined]
    p.fill("input[name=to]", "2026-11-02")  # type: ignore[attr-defined]
    p.click("#evidence-form button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_selector("#figures")  # type: ignore[attr-defined]
    assert p.inner_text("#calls-placed") == "2"  # type: ignore[attr-defined]
    assert p.inner_text("#abandons") == "1"  # type: ignore[attr-defined]
    assert p.inner_text("#outside-window") == "0"  # type: ignore[attr-defined]
    assert p.inner_text("#compliant") == "NOT compliant"  # type: ignore[attr-defined]  # 50 % abandoned
    shot(p, "compliance")
    with p.expect_download() as info:  # type: ignore[attr-defined]
        p.click("#downloads a:has-text('Summary (CSV)')")  # type: ignore[attr-defined]
    download = info.value
    assert download.suggested_filename == "evidence-ru-evidence-2026-11-02_2026-11-02.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    assert f"period;period;calls placed;2;{seed.connected}-{seed.abandoned}" in target.read_text(encoding="utf-8-sig")


def test_admin_looks_up_a_number_and_adds_an_opt_out(server: tuple[str, WebEnv], page: object) -> None:
    base, env = server
    p = page
    dialogs: list[str] = []

    def on_dialog(d: object) -> None:
        dialogs.append(d.message)  # type: ignore[attr-defined]
        d.dismiss()  # type: ignore[attr-defined]

    p.on("dialog", on_dialog)  # type: ignore[attr-defined]
    sign_in(p, base, "alice")
    p.goto(f"{base}/manager/numbers")  # type: ignore[attr-defined]
    p.fill("#search input[name=phone]", "8 920 000-00-41")  # type: ignore[attr-defined]
    p.click("#search button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_selector("#state")  # type: ignore[attr-defined]
    assert p.inner_text("#dnc-state") == "not on any list"  # type: ignore[attr-defined]
    assert p.inner_text("#consent-state") == "none"  # type: ignore[attr-defined]
    p.fill("#opt-out input[name=reason]", HOSTILE)  # type: ignore[attr-defined]
    p.click("#opt-out button[type=submit]")  # type: ignore[attr-defined]
    p.wait_for_selector("#done")  # type: ignore[attr-defined]
    assert p.inner_text("#dnc-state") == "on the list"  # type: ignore[attr-defined]
    assert HOSTILE in p.inner_text("#dnc-history")  # type: ignore[attr-defined]  # shown as text, never run
    assert "alice" in p.inner_text("#dnc-history")  # type: ignore[attr-defined]
    assert dialogs == []
    assert env.repo.do_not_call_phones(env.seed.campaign_id)[0] >= {"+79200000041"}
    assert [a.target for a in env.queries.audit_log("dnc.add")][:1] == ["+79200000041"]
    shot(p, "numbers")
