# ruff: noqa: E501  (event lines verbatim as Asterisk wrote them)
"""The channel event file beside the CDR: hangup causes and AMD verdicts, and the outcomes they decide (pure,
plus the file reader)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dialer.adapters.cdr_file import call_events_path, read_cdr_csv
from dialer.outcomes import AttemptOutcome
from dialer.recovery.call_events import annotate, read_call_events
from dialer.recovery.cdr import CdrRecord
from dialer.recovery.reconcile import OpenAttempt, reconcile

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

# As the lab's Asterisk 22 wrote them (asterisk_conf/cdr_custom.conf, cel_custom.conf): an unallocated
# number, a rejected call and a busy line. The CDR says NO ANSWER for the first two; the causes do not.
CDR_LINES = """\
"dialer-cdr-1","att-u","att-u","201","Local/79990500000@sim-customers-00000006;1","","AppDial2","1796500120.069302","0.000000","1796500120.070162","0","0","NO ANSWER","12"
"dialer-cdr-1","att-r","att-r","202","Local/79990700000@sim-customers-00000005;1","","AppDial2","1796500120.019302","0.000000","1796500120.020162","0","0","NO ANSWER","10"
"dialer-cdr-1","att-b","att-b","203","Local/79990201000@sim-customers-00000004;1","","AppDial2","1796500120.006991","0.000000","1796500121.012202","1","0","BUSY","8"
"dialer-cdr-1","att-n","att-n","204","Local/79990301000@sim-customers-00000007;1","","AppDial2","1796500120.006991","0.000000","1796500126.012202","6","0","NO ANSWER","14"
"dialer-cdr-1","att-m","att-m","205","Local/79990402005@sim-customers-00000008;1","","Stasis","1796500120.006991","1796500122.0","1796500126.012202","6","4","ANSWERED","16"
"""
EVENT_LINES = '''\
"dialer-events-1","HANGUP","1796500120.070139","att-u-2","{""hangupcause"":1,""hangupsource"":""dialplan/builtin"",""dialstatus"":""""}"
"dialer-events-1","HANGUP","1796500120.070421","att-u","{""hangupcause"":1,""hangupsource"":"""",""dialstatus"":""""}"
"dialer-events-1","HANGUP","1796500120.020139","att-r","{""hangupcause"":21,""hangupsource"":"""",""dialstatus"":""""}"
"dialer-events-1","HANGUP","1796500121.012286","att-b","{""hangupcause"":17,""hangupsource"":"""",""dialstatus"":""""}"
"dialer-events-1","HANGUP","1796500126.012286","att-n","{""hangupcause"":16,""hangupsource"":""ari"",""dialstatus"":""""}"
"dialer-events-1","ANSWER","1796500122.0","att-m","{}"
"dialer-events-1","DIALER_AMD","1796500124.5","att-m","{""extra"":""MACHINE""}"
"dialer-events-1","HANGUP","1796500126.012286","att-m","{""hangupcause"":16,""hangupsource"":"""",""dialstatus"":""""}"
'''


def _write(tmp_path: Path, events: str | None) -> Path:
    cdr = tmp_path / "log" / "cdr-custom" / "dialer-cdr.csv"
    cdr.parent.mkdir(parents=True)
    cdr.write_text(CDR_LINES)
    if events is not None:
        path = call_events_path(cdr)
        path.parent.mkdir(parents=True)
        path.write_text(events)
    return cdr


OPEN = [
    OpenAttempt(201, "att-u"),
    OpenAttempt(202, "att-r"),
    OpenAttempt(203, "att-b"),
    OpenAttempt(204, "att-n"),
    OpenAttempt(205, "att-m"),
]


def test_the_event_file_beside_the_cdr_tells_what_no_answer_lumps_together(tmp_path: Path) -> None:
    read = read_cdr_csv(_write(tmp_path, EVENT_LINES))
    assert read.problems == []
    by_id = {r.attempt_id: r for r in reconcile(OPEN, read.records)}
    assert by_id[201].outcome is AttemptOutcome.INVALID_NUMBER and "cause 1" in by_id[201].reason
    assert by_id[202].outcome is AttemptOutcome.REJECTED
    assert by_id[203].outcome is AttemptOutcome.BUSY
    # a plain cause (the dialer's own ring timeout hangs up with 16) leaves the disposition to decide
    assert by_id[204].outcome is AttemptOutcome.NO_ANSWER
    # the AMD verdict logged in the dialplan: a machine, not an abandoned person
    assert by_id[205].outcome is AttemptOutcome.MACHINE
    # what the records add is stored with the outcome
    assert (by_id[201].hangup_cause, by_id[205].amd_status, by_id[203].amd_status) == (1, "MACHINE", None)


def test_without_the_event_file_the_cdr_alone_decides_as_before(tmp_path: Path) -> None:
    read = read_cdr_csv(_write(tmp_path, None))
    assert read.problems == []
    by_id = {r.attempt_id: r for r in reconcile(OPEN, read.records)}
    assert by_id[201].outcome is AttemptOutcome.NO_ANSWER
    assert by_id[202].outcome is AttemptOutcome.NO_ANSWER
    assert by_id[203].outcome is AttemptOutcome.BUSY
    assert by_id[205].outcome is AttemptOutcome.ABANDONED  # answered, never bridged, verdict unknown


def test_the_databases_amd_verdict_still_counts_without_the_event() -> None:
    record = CdrRecord("att-m", 205, T0, T0 + timedelta(seconds=1), T0 + timedelta(seconds=5), "ANSWERED")
    (r,) = reconcile([OpenAttempt(205, "att-m", amd_status="MACHINE")], [record])
    assert r.outcome is AttemptOutcome.MACHINE


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (["dialer-cel-1", "HANGUP", "1.0", "x", "{}"], "not a dialer-events-1 record"),
        (["dialer-events-1", "HANGUP", "1.0", "x"], "not a dialer-events-1 record"),
        (["dialer-events-1", "HANGUP", "1.0", "x", "{cut"], "column 'extra' is not JSON"),
        (["dialer-events-1", "HANGUP", "1.0", "x", "[1]"], "not a JSON object"),
    ],
)
def test_bad_lines_are_reported_with_their_number_not_misread(line: list[str], problem: str) -> None:
    good = ["dialer-events-1", "HANGUP", "1.0", "y", '{"hangupcause":17}']
    events = read_call_events([good, line])
    assert events.causes == {"y": 17}
    (message,) = events.problems
    assert message.startswith("line 2:") and problem in message


def test_a_zero_cause_or_empty_verdict_is_no_information() -> None:
    events = read_call_events(
        [
            ["dialer-events-1", "HANGUP", "1.0", "a", '{"hangupcause":0}'],
            ["dialer-events-1", "DIALER_AMD", "1.0", "a", '{"extra":""}'],
            ["dialer-events-1", "BRIDGE_ENTER", "1.0", "a", "{}"],
        ]
    )
    assert events.causes == {} and events.amd == {} and events.problems == []
    record = CdrRecord("a", 1, T0, None, T0, "NO ANSWER")
    assert annotate([record], events) == [record]


def test_a_broken_event_file_is_reported_beside_the_records(tmp_path: Path) -> None:
    read = read_cdr_csv(_write(tmp_path, EVENT_LINES + '"dialer-events-1","HANGUP","17965"\n'))
    assert len(read.records) == 5
    (problem,) = read.problems
    assert "dialer-events.csv: line 9" in problem
