"""`dialer compliance report NAME --from ... --to ...` as the README shows it, on the sample campaign:
the profile comes from the campaign; a campaign without one is told so in plain words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialer.cli import app
from dialer.config import PROJECT_ROOT
from dialer.db import migrate, repository_for
from dialer.outcomes import AttemptOutcome


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DIALER_DATABASE_URL", url)
    migrate(url)
    return url


def _report(name: str, out: Path, *extra: str, lang: str = "en") -> tuple[int, str]:
    args = ["compliance", "report", name, "--from", "2026-11-23", "--to", "2026-11-23", "--out", str(out)]
    res = CliRunner().invoke(app, ["--lang", lang, *args, "--format", "csv", *extra])
    return res.exit_code, res.output


def test_the_sample_campaign_reports_under_its_own_profile(env: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    assert run(app, ["campaigns", "apply", str(PROJECT_ROOT / "campaigns" / "sample.yaml")]).exit_code == 0
    repo = repository_for(env)
    campaign = repo.campaign_by_name("sample-dentists")
    assert campaign is not None
    repo.add_contact_list(campaign.id, "l", [{"phone": "+79100000001", "timezone": "Europe/Moscow"}])
    t = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    (task,) = repo.lease_contacts(campaign.id, 1, "n", t)
    repo.update_attempt(task.attempt_id, answered_at=t, bridged_at=t.replace(microsecond=150_000))
    repo.finish_attempt(task.attempt_id, AttemptOutcome.CONNECTED, t.replace(minute=2))

    code, output = _report("sample-dentists", tmp_path / "ev")
    assert code == 0, output
    summary = (tmp_path / "ev" / "evidence-sample-dentists-2026-11-23_2026-11-23.csv").read_text(encoding="utf-8-sig")
    assert "report;;profile;RU;" in summary
    assert f"period;period;live answers;1;{task.attempt_id}" in summary
    assert "period;period;late connects;0;" in summary


def test_a_campaign_without_a_profile_is_told_what_to_do(env: str, tmp_path: Path) -> None:
    """In the run's language (dialer --lang, DIALER_LANG, the locale): the domain wrote it in both."""
    repository_for(env).upsert_campaign("plain", fields={})
    code, output = _report("plain", tmp_path / "ev", lang="en")
    assert code == 2
    flat = " ".join(output.split())
    assert "Campaign 'plain' has no compliance profile" in flat and "compliance: {profile: RU}" in flat
    assert "не выбран профиль" not in flat and "--profile" in flat
    code, output = _report("plain", tmp_path / "ev", lang="ru")
    flat = " ".join(output.split())
    assert code == 2 and "не выбран профиль соответствия" in flat and "compliance: {profile: RU}" in flat
    assert "has no compliance profile" not in flat
    code, output = _report("plain", tmp_path / "ev", "--profile", "XX", lang="en")
    assert code == 2 and "unknown compliance profile" in output
    code, output = _report("plain", tmp_path / "ev", "--profile", "XX", lang="ru")
    assert code == 2 and "неизвестный профиль соответствия «XX»" in output
    assert _report("plain", tmp_path / "ev", "--profile", "uk")[0] == 0
