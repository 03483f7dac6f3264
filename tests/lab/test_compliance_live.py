"""Compliance on the live path (Asterisk lab): under the RU advertising profile a contact without
recorded consent is never originated, and an opt-out taken during a call blocks the next dial of that
number in every campaign."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.db.compliance_store import consent_history
from dialer.db.models import AuditLog, Contact, DoNotCall
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.service import CampaignRun, DialerService
from dialer.simcustomers import SimBehaviour, sim_number
from tests.labkit import dial

pytestmark = pytest.mark.lab

RU_LAB = {
    "profile": "RU",
    # the lab's customers are simulated, so it may ring them at any hour: a logged loosening
    "overrides": [{"field": "calling_hours", "value": {"daily": "00:00-24:00"}, "reason": "lab: simulated"}],
}


async def test_consent_and_opt_out(lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path) -> None:
    consented = sim_number(SimBehaviour.HUMAN, 1, 4, prefix="+79500")
    no_consent = sim_number(SimBehaviour.HUMAN, 1, 4, prefix="+79501")
    opted_out: list[bool] = []

    def operator_records_opt_out(service: DialerService, run: CampaignRun) -> None:
        for op in run.floor.operators.values():
            if op.state is not None and op.state.value == "wrap_up" and not opted_out:
                opted_out.append(True)
                asyncio.get_running_loop().create_task(
                    service.dispose(run.config.campaign_id, op.login, "dnc", "asked not to be called")
                )

    contacts = [
        {"phone": consented, "extra": {"consent_source": "web form", "consent_date": "2026-10-01"}},
        {"phone": no_consent},
    ]
    run = await dial(
        lab,
        softphones,
        tmp_path,
        [],
        ["op12"],
        contacts=contacts,
        on_tick=operator_records_opt_out,
        amd=False,
        recording="none",
        wrap_up_seconds=5,
        ring_timeout_seconds=15,
        caller_id="+74950000000",
        compliance=RU_LAB,
        dispositions=[
            {"code": "ok", "label": "OK", "positive": True},
            {"code": "dnc", "label": "Do not call", "refusal": True, "do_not_call": True},
        ],
    )
    assert run.service.runs[run.campaign_id].config.compliance_problems() == []  # a lawful set-up
    attempts = run.repo.attempts(run.campaign_id)
    assert [a.phone for a in attempts] == [consented]  # the contact without consent was never originated
    assert attempts[0].outcome == "connected" and attempts[0].disposition_code == "dnc"
    with run.repo.sessions() as s:
        blocked = [a.detail for a in s.scalars(select(AuditLog).where(AuditLog.action == "dial.blocked"))]
        overrides = list(s.scalars(select(AuditLog).where(AuditLog.action == "compliance.override")))
    assert any(b["reason"] == "no_consent" and b["detail"] is not None for b in blocked)
    assert len(overrides) == 1

    # the opt-out is global: another campaign (no profile) with the same number does not dial it
    other = await dial(lab, softphones, tmp_path / "b", [consented], ["op12"], name="other", db_url=run.db_url)
    assert other.repo.attempts(other.campaign_id) == []
    with other.repo.sessions() as s:
        (contact,) = s.scalars(select(Contact).where(Contact.campaign_id == other.campaign_id))
        dnc = list(s.scalars(select(DoNotCall).where(DoNotCall.phone == consented)))
    assert (contact.status, contact.status_reason) == ("dnc", "do_not_call")
    assert [(d.campaign_id, d.source) for d in dnc] == [(None, "operator")]
    # the consent history shows the consent from the list and the withdrawal taken on the call
    history = consent_history(run.repo.sessions, consented)
    assert [(c.action, c.channel) for c in history] == [("given", "import"), ("withdrawn", "operator")]
    assert history[1].reference == f"attempt {attempts[0].id}"
