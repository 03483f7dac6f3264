# ruff: noqa: E501  (CDR lines verbatim as Asterisk wrote them)
"""Asterisk's CDR lines read back, and open attempts reconciled from them (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dialer.adapters.cdr_file import read_cdr_csv
from dialer.outcomes import AttemptOutcome
from dialer.recovery.cdr import CdrRecord, parse_cdr_line
from dialer.recovery.reconcile import OpenAttempt, reconcile

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

# Lines as the lab's Asterisk 22 wrote them (asterisk_conf/cdr_custom.conf): a busy, a ring timeout, and a
# call answered at +1 s, bridged to an operator at +1.6 s and ended at +9.3 s (two records, party A the
# customer); with the Local channel's dialplan halves (<id>-2), which belong to no attempt.
LAB_LINES = """\
"dialer-cdr-1","att-b-2","att-b","","Local/7999201000@sim-customers-00000004;2","","Hangup","1796489586.486925","0.000000","1796489587.489995","1","0","BUSY","7"
"dialer-cdr-1","att-b","att-b","101","Local/7999201000@sim-customers-00000004;1","","AppDial2","1796489586.486879","0.000000","1796489587.490049","1","0","BUSY","6"
"dialer-cdr-1","att-n","att-n","102","Local/7999301000@sim-customers-00000005;1","","AppDial2","1796489586.488039","0.000000","1796489589.490798","3","0","NO ANSWER","8"
"dialer-cdr-1","att-n-2","att-n","","Local/7999301000@sim-customers-00000005;2","","Wait","1796489586.488077","0.000000","1796489589.490940","3","0","NO ANSWER","9"
"dialer-cdr-1","att-t-2","att-t","","Local/7999101006@sim-customers-00000006;2","","Hangup","1796489586.489411","1796489587.491859","1796489595.797089","9","8","ANSWERED","11"
"dialer-cdr-1","att-t","agent-9","103","Local/7999101006@sim-customers-00000006;1","","Stasis","1796489586.489392","1796489587.491872","1796489588.102509","1","0","ANSWERED","10"
"dialer-cdr-1","att-t","agent-9","103","Local/7999101006@sim-customers-00000006;1","Local/7999100120@sim-customers-00000003;1","Stasis","1796489588.102509","1796489588.102509","1796489595.796985","7","7","ANSWERED","12"
"dialer-cdr-1","agent-9","agent-9","","Local/7999100120@sim-customers-00000003;1","","Stasis","1796489584.979991","1796489584.980934","1796489596.611124","11","11","ANSWERED","4"
"""


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rec(uniqueid: str, disposition: str, start: float, end: float, **kw: Any) -> CdrRecord:
    kw.setdefault("answer", None)
    kw.setdefault("attempt_id", None)
    return CdrRecord(uniqueid=uniqueid, start=at(start), end=at(end), disposition=disposition, **kw)


def test_lab_lines_reconcile_to_what_asterisk_saw(tmp_path: Path) -> None:
    path = tmp_path / "dialer-cdr.csv"
    path.write_text(LAB_LINES)
    read = read_cdr_csv(path)
    assert read.problems == [] and len(read.records) == 8
    open_ = [OpenAttempt(101, "att-b"), OpenAttempt(102, "att-n"), OpenAttempt(103, "att-t"), OpenAttempt(104, "att-x")]
    by_id = {r.attempt_id: r for r in reconcile(open_, read.records)}
    assert by_id[101].outcome is AttemptOutcome.BUSY
    assert by_id[102].outcome is AttemptOutcome.NO_ANSWER
    talk = by_id[103]
    assert talk.outcome is AttemptOutcome.CONNECTED
    assert talk.bridged_at == datetime.fromtimestamp(1796489588.102509, UTC)
    assert talk.ended_at == datetime.fromtimestamp(1796489595.796985, UTC)
    assert talk.talk_s == pytest.approx(7.694, abs=0.01)
    assert talk.answered_at == datetime.fromtimestamp(1796489587.491872, UTC)
    assert by_id[104].outcome is AttemptOutcome.SYSTEM_FAILURE and by_id[104].ended_at is None


def test_only_the_wanted_channels_are_read(tmp_path: Path) -> None:
    path = tmp_path / "dialer-cdr.csv"
    path.write_text(LAB_LINES)
    read = read_cdr_csv(path, channel_ids={"att-t"})
    assert {r.uniqueid for r in read.records} == {"att-t"} and len(read.records) == 2


def test_a_line_cut_short_by_a_crash_is_reported_not_misread(tmp_path: Path) -> None:
    path = tmp_path / "dialer-cdr.csv"
    path.write_text(LAB_LINES + '"dialer-cdr-1","att-z","att-z","105","Local/1;1","","AppDial2","17964895')
    read = read_cdr_csv(path)
    assert len(read.records) == 8
    assert len(read.problems) == 1 and "line 9" in read.problems[0] and "cut short" in read.problems[0]


def test_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    read = read_cdr_csv(tmp_path / "nope.csv")
    assert read.records == [] and "no CDR file" in read.problems[0]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["other", "x"], "not a dialer-cdr-1 record"),
        (["dialer-cdr-1", "att-1", "", "x1", "", "", "", "1.0", "0", "2.0", "1", "0", "BUSY", "1"], "dialer_attempt"),
        (["dialer-cdr-1", "att-1", "", "", "", "", "", "soon", "0", "2.0", "1", "0", "BUSY", "1"], "'start'"),
        (["dialer-cdr-1", "att-1", "", "", "", "", "", "1.0", "0", "0", "1", "0", "BUSY", "1"], "start or end"),
        (["dialer-cdr-1", "att-1", "", "", "", "", "", "1.0", "0", "2.0", "1", "x", "BUSY", "1"], "billsec"),
    ],
)
def test_bad_lines_name_line_and_column(fields: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message) as exc:
        parse_cdr_line(fields, 7)
    assert "line 7" in str(exc.value)


@pytest.mark.parametrize(
    ("disposition", "outcome"),
    [
        ("BUSY", AttemptOutcome.BUSY),
        ("NO ANSWER", AttemptOutcome.NO_ANSWER),
        ("CONGESTION", AttemptOutcome.CONGESTION),
        ("FAILED", AttemptOutcome.FAILED),
        ("SOMETHING NEW", AttemptOutcome.SYSTEM_FAILURE),
    ],
)
def test_unanswered_dispositions(disposition: str, outcome: AttemptOutcome) -> None:
    (r,) = reconcile([OpenAttempt(1, "att-1")], [rec("att-1", disposition, 0, 5)])
    assert r.outcome is outcome
    assert r.ended_at == at(5) and r.talk_s is None


def test_answered_and_bridged_talk_gets_its_real_length() -> None:
    records = [
        rec("att-1", "ANSWERED", 0, 4, answer=at(3)),
        rec("att-1", "ANSWERED", 4, 64, answer=at(4), dstchannel="PJSIP/op1-0001"),
    ]
    (r,) = reconcile([OpenAttempt(1, "att-1")], records)
    assert (r.outcome, r.answered_at, r.bridged_at, r.ended_at, r.talk_s) == (
        AttemptOutcome.CONNECTED,
        at(3),
        at(4),
        at(64),
        60.0,
    )


def test_bridge_time_known_to_the_database_wins() -> None:
    records = [rec("att-1", "ANSWERED", 0, 30, answer=at(2))]  # e.g. a record only up to the crash's bridge
    (r,) = reconcile([OpenAttempt(1, "att-1", answered_at=at(2), bridged_at=at(5))], records)
    assert r.outcome is AttemptOutcome.CONNECTED and r.talk_s == 25.0


def test_answered_never_bridged_is_an_abandon_or_a_machine() -> None:
    records = [rec("att-1", "ANSWERED", 0, 9, answer=at(2))]
    (person,) = reconcile([OpenAttempt(1, "att-1")], records)
    (machine,) = reconcile([OpenAttempt(1, "att-1", amd_status="MACHINE")], records)
    (unsure,) = reconcile([OpenAttempt(1, "att-1", amd_status="NOTSURE")], records)
    assert person.outcome is AttemptOutcome.ABANDONED and person.answered_at == at(2)
    assert machine.outcome is AttemptOutcome.MACHINE
    assert unsure.outcome is AttemptOutcome.ABANDONED  # a person must never be counted as a machine


def test_a_tag_from_before_the_attempt_was_placed_is_another_databases_attempt() -> None:
    """Attempt ids repeat across databases sharing one Asterisk (a test lab, a rebuilt database)."""
    own = rec("att-1", "BUSY", 10, 13, attempt_id=1)
    older = rec("att-old", "ANSWERED", 0, 9, answer=at(1), attempt_id=1)
    (r,) = reconcile([OpenAttempt(1, "att-1", originated_at=at(10))], [own, older])
    assert r.outcome is AttemptOutcome.BUSY
    (r,) = reconcile([OpenAttempt(1, "att-1", originated_at=at(10))], [older])
    assert r.outcome is AttemptOutcome.SYSTEM_FAILURE


def test_records_match_by_attempt_tag_too_but_not_the_dialplan_half() -> None:
    tagged = rec("renamed", "BUSY", 0, 3, attempt_id=1)
    half = rec("att-1-2", "ANSWERED", 0, 9, answer=at(1), attempt_id=1)
    (r,) = reconcile([OpenAttempt(1, "att-1")], [tagged, half])
    assert r.outcome is AttemptOutcome.BUSY


def test_records_of_other_attempts_do_not_leak() -> None:
    records = [rec("att-2", "BUSY", 0, 3, attempt_id=2), rec("agent-5", "ANSWERED", 0, 100, answer=at(0))]
    (r,) = reconcile([OpenAttempt(1, "att-1")], records)
    assert r.outcome is AttemptOutcome.SYSTEM_FAILURE


def test_the_last_unanswered_record_decides() -> None:
    records = [rec("att-1", "BUSY", 5, 8, sequence=2), rec("att-1", "NO ANSWER", 0, 5, sequence=1)]
    (r,) = reconcile([OpenAttempt(1, "att-1")], records)
    assert r.outcome is AttemptOutcome.BUSY and r.ended_at == at(8)


def test_one_resolution_per_open_attempt_in_order() -> None:
    open_ = [OpenAttempt(i, f"att-{i}") for i in (3, 1, 2)]
    assert [r.attempt_id for r in reconcile(open_, [])] == [3, 1, 2]


# Lines from the lab for a call originated WITHOUT attempt_variables (no CDR_PROP(party_a)): the older
# operator channel is party A of the conversation, naming the customer's channel as its dstchannel.
OPERATOR_PARTY_A = """\
"dialer-cdr-1","att-f3-2","att-f3","","Local/7999101004@sim-customers-00000047;2","","Hangup","1796490322.395154","1796490323.396989","1796490329.221146","6","5","ANSWERED","168"
"dialer-cdr-1","att-f3","agent-1-f3","","Local/7999101004@sim-customers-00000047;1","","Stasis","1796490322.395123","1796490323.397006","1796490323.406328","1","0","ANSWERED","167"
"dialer-cdr-1","agent-1-f3-2","agent-1-f3","","Local/7999100040@sim-customers-00000046;2","","Wait","1796490322.392369","1796490322.393004","1796490332.411237","10","10","ANSWERED","166"
"dialer-cdr-1","agent-1-f3","agent-1-f3","","Local/7999100040@sim-customers-00000046;1","Local/7999101004@sim-customers-00000047;1","Stasis","1796490322.392344","1796490322.393057","1796490329.221219","6","6","ANSWERED","165"
"""


def test_the_operators_record_of_the_conversation_counts_when_the_customer_was_not_party_a(tmp_path: Path) -> None:
    path = tmp_path / "dialer-cdr.csv"
    path.write_text(OPERATOR_PARTY_A)
    (r,) = reconcile([OpenAttempt(1, "att-f3")], read_cdr_csv(path).records)
    assert r.outcome is AttemptOutcome.CONNECTED
    assert r.bridged_at == datetime.fromtimestamp(1796490323.406328, UTC)  # the customer's own record ends there
    assert r.ended_at == datetime.fromtimestamp(1796490329.221219, UTC)
    assert r.talk_s == pytest.approx(5.81, abs=0.01)


def test_a_peer_record_of_another_time_does_not_count() -> None:
    """Channel names repeat after an Asterisk restart: only a peer record overlapping our channel's life counts."""
    own = rec("att-1", "ANSWERED", 0, 2, answer=at(1), channel="Local/1@x-00000001;1")
    old_peer = rec("agent-9", "ANSWERED", -500, -400, answer=at(-500), dstchannel="Local/1@x-00000001;1")
    (r,) = reconcile([OpenAttempt(1, "att-1")], [own, old_peer])
    assert r.outcome is AttemptOutcome.ABANDONED and r.ended_at == at(2)
