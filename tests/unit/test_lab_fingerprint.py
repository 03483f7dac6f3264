"""The lab restarts a running Asterisk rendered from another asterisk_conf/ (no Asterisk needed here)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dialer.lab.asterisk as lab_module
from dialer.lab import AsteriskLab, LabConfig


def test_the_fingerprint_follows_the_config_files_and_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "asterisk_conf"
    conf.mkdir()
    (conf / "extensions.conf").write_text("[dialer-outbound]\nexten => s,1,Stasis(dialer)\n")
    monkeypatch.setattr(lab_module, "CONF_DIR", conf)
    lab = AsteriskLab(LabConfig(lab_dir=tmp_path / "lab"))
    first = lab.config_fingerprint()
    assert first == AsteriskLab(LabConfig(lab_dir=tmp_path / "lab")).config_fingerprint()
    assert first != AsteriskLab(LabConfig(lab_dir=tmp_path / "lab", operators=5)).config_fingerprint()
    (conf / "extensions.conf").write_text("[dialer-outbound]\nexten => s,1,Stasis(dialer,held)\n")
    assert lab.config_fingerprint() != first
    (conf / "extensions.conf").write_text("[dialer-outbound]\nexten => s,1,Stasis(dialer)\n")
    assert lab.config_fingerprint() == first
    (conf / "pjsip.conf").write_text("; a new file\n")
    assert lab.config_fingerprint() != first
