"""Call scripts in the database, on SQLite and PostgreSQL: append-only versions, the rotation, the version
stored on each leased attempt (deterministic per contact), and the per-version tallies."""

from datetime import UTC, datetime, timedelta

import pytest

from dialer.callscripts import ScriptError, version_for
from dialer.db.repository import Repository
from dialer.outcomes import AttemptOutcome

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def _campaign(repo: Repository, n_contacts: int) -> int:
    cid = repo.upsert_campaign(
        "scripts",
        fields={"ring_timeout_s": 15.0},
        dispositions=[
            {"code": "sale", "label": "Sale", "positive": True},
            {"code": "meeting", "label": "Meeting", "positive": True},
            {"code": "no", "label": "No"},
        ],
    )
    repo.add_contact_list(cid, "l1", [{"phone": f"+791000{i:05d}"} for i in range(n_contacts)])
    return cid


def test_versions_are_appended_and_the_first_becomes_the_script(repo: Repository) -> None:
    cid = _campaign(repo, 0)
    v1 = repo.save_script(cid, "# Opening\nHello {company}", None, "first")
    v2 = repo.save_script(cid, "# Opening\nGood day, {contact_person}", None)
    assert (v1.version, v2.version) == (1, 2)
    assert [v.version for v in repo.script_versions(cid)] == [2, 1]
    assert repo.script_version(v1.id) is not None and repo.script_version(v1.id).body == "# Opening\nHello {company}"  # type: ignore[union-attr]
    rotation = repo.script_rotation(cid)
    assert rotation is not None and rotation.version_a == v1.id and rotation.version_b is None


def test_a_bad_script_stores_nothing(repo: Repository) -> None:
    cid = _campaign(repo, 0)
    with pytest.raises(ScriptError) as err:
        repo.save_script(cid, "# Opening\nHello {compnay}", None)
    assert err.value.params["field"] == "compnay"
    assert repo.script_versions(cid) == [] and repo.script_rotation(cid) is None


def test_leased_attempts_carry_their_contacts_version(repo: Repository) -> None:
    cid = _campaign(repo, 60)
    a = repo.save_script(cid, "A {company}", None)
    b = repo.save_script(cid, "B {company}", None)
    rotation = repo.set_script_rotation(cid, a.id, b.id, 0.5, None)
    assert rotation.salt
    tasks = repo.lease_contacts(cid, 60, "n", T0)
    got = {t.contact_id: repo.script_for_attempt(t.attempt_id) for t in tasks}
    assert {v.id for v in got.values() if v} == {a.id, b.id}
    for contact_id, version in got.items():
        assert version is not None and version.id == version_for(rotation, contact_id)
    stored = {att.id: att.script_version_id for att in repo.attempts(cid)}
    assert set(stored.values()) == {a.id, b.id}
    # the same pair again keeps the split; a new share starts a new experiment (a new salt)
    assert repo.set_script_rotation(cid, a.id, b.id, 0.5, None).salt == rotation.salt
    assert repo.set_script_rotation(cid, a.id, b.id, 0.3, None).salt != rotation.salt
    counts = {v.id: v.attempts for v in repo.script_versions(cid)}
    assert counts[a.id] + counts[b.id] == 60


def test_rotation_refuses_another_campaigns_version(repo: Repository) -> None:
    cid = _campaign(repo, 0)
    other = repo.upsert_campaign("other", fields={}, dispositions=[])
    mine = repo.save_script(cid, "x", None)
    theirs = repo.save_script(other, "y", None)
    with pytest.raises(KeyError):
        repo.set_script_rotation(cid, mine.id, theirs.id, 0.5, None)
    with pytest.raises(ValueError):
        repo.set_script_rotation(cid, mine.id, mine.id, 0.5, None)


def test_tallies_count_positive_dispositions_per_bridged_call(repo: Repository) -> None:
    cid = _campaign(repo, 40)
    a = repo.save_script(cid, "A", None)
    b = repo.save_script(cid, "B", None)
    repo.set_script_rotation(cid, a.id, b.id, 0.5, None)
    tasks = repo.lease_contacts(cid, 40, "n", T0)
    expected: dict[int, list[int]] = {a.id: [0, 0], b.id: [0, 0]}
    for i, t in enumerate(tasks):
        version = repo.script_for_attempt(t.attempt_id)
        assert version is not None
        if i % 4 == 3:  # never bridged: not in the denominator
            repo.finish_attempt(t.attempt_id, AttemptOutcome.NO_ANSWER, T0 + timedelta(seconds=20))
            continue
        repo.update_attempt(t.attempt_id, bridged_at=T0 + timedelta(seconds=5))
        repo.finish_attempt(t.attempt_id, AttemptOutcome.CONNECTED, T0 + timedelta(seconds=60))
        code = ("sale", "meeting", "no")[i % 4]
        repo.record_disposition(t.attempt_id, code, None, None)
        expected[version.id][0] += 1
        expected[version.id][1] += code != "no"
    tallies = repo.script_tallies(cid)
    assert {vid: [x.bridged, x.positive] for vid, x in tallies.items()} == expected
