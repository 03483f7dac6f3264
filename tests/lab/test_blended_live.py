"""A blended campaign on the real lab (issue 19): people call the campaign's number at a known rate while it
dials predictively, real SIP softphones answer both, and the inbound service level and the outbound abandon
rate measured from Asterisk's channel event log agree with the dialer's own figures (the wallboard's, the
summary's, the console's and the live abandon ledger's). The run is `bench/blended_lab.py`'s, short; the
bench runs it longer and publishes the figures (docs/pacing.md, "Blended campaigns")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.blended_lab import BlendedLabPlan, run_blended
from dialer.lab import AsteriskLab
from dialer.lab.softphones import SoftphoneBank
from dialer.pacing import DialingMode

pytestmark = pytest.mark.lab

# Six operators for about a minute: 30 outbound customers, 60 % of whom answer and talk 4-8 s, callers at 6 a
# minute for 40 s who talk 4-7 s and hang up after 10 s unanswered, and a burst of 8 callers at once at 20 s
# (more than the operators: some of them wait). The admin has set a floor of 3 lines per ready operator, so
# customers who answer sometimes find nobody free within the connect limit (0-3 abandons seen in a run; the
# test does not count on any: timing decides).
PLAN = BlendedLabPlan(
    operators=("op11", "op12", "op13", "op14", "op15", "op16"),
    outbound_contacts=30,
    answer_share=0.6,
    callers_per_minute=6.0,
    arrivals_for_s=40.0,
    talk_s=(4, 8),
    caller_talk_s=(4.0, 7.0),
    within_s=5.0,
    burst=(20.0, 8),
    min_lines_per_operator=3.0,
    seed=3,
)


async def test_blended_run_service_level_and_abandons_agree_with_asterisk(
    lab: AsteriskLab, softphones: SoftphoneBank, tmp_path: Path
) -> None:
    run, figures = await run_blended(lab, softphones, PLAN, tmp_path)
    report = figures.report()
    print(report)
    assert figures.disagreements() == []
    # a blended run: callers came in while the campaign was dialling, and the engine predicted
    assert figures.offered_callers >= 3
    assert figures.arrivals_while_dialling >= figures.offered_callers // 2
    assert any(d.decision.mode_used is DialingMode.PREDICTIVE for d in run.service.decisions)
    assert figures.inbound_cel.answered >= 1 and figures.outbound_cel[0] >= 3
    # the burst outnumbered the operators: Asterisk shows callers who waited
    assert max(w for _, _, w in figures.waits if w is not None) > 1.0
    attempts = run.repo.attempts(run.campaign_id)
    assert all(a.outcome is not None for a in attempts)
