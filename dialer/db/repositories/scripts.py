"""Call scripts in the database: append-only versions, the campaign's rotation, the version an attempt got,
and the tallies the A/B results are computed from (dialer.callscripts does the statistics)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.callscripts import Rotation, Tally, parse_script, version_for
from dialer.db.models import Attempt, Disposition, utcnow
from dialer.db.repositories.base import RepositoryBase
from dialer.db.script_models import CallScript, ScriptRotation


@dataclass(frozen=True)
class ScriptVersion:
    id: int
    campaign_id: int
    version: int
    body: str
    note: str | None
    created_at: datetime
    created_by: int | None
    attempts: int  # attempts that got this version (a used version is never changed; none is)


def rotation_of(s: Session, campaign_id: int) -> Rotation | None:
    row = s.get(ScriptRotation, campaign_id)
    if row is None:
        return None
    return Rotation(row.version_a_id, row.version_b_id, row.share_b, row.salt)


class ScriptRepository(RepositoryBase):
    def save_script(self, campaign_id: int, body: str, user_id: int | None, note: str | None = None) -> ScriptVersion:
        """A new version (the next number). The markup is checked first: dialer.callscripts.ScriptError names
        an unknown field or anchor and its line, and nothing is stored. The campaign's first version becomes
        its script at once (version A alone)."""
        parse_script(body)
        with self.sessions.begin() as s:
            last = s.scalar(select(func.max(CallScript.version)).where(CallScript.campaign_id == campaign_id))
            row = CallScript(
                campaign_id=campaign_id, version=(last or 0) + 1, body=body, note=note or None, created_by=user_id
            )
            s.add(row)
            s.flush()
            if s.get(ScriptRotation, campaign_id) is None:
                s.add(
                    ScriptRotation(
                        campaign_id=campaign_id, version_a_id=row.id, share_b=0.5, salt="", changed_by=user_id
                    )
                )
            return _version(row, 0)

    def script_versions(self, campaign_id: int) -> list[ScriptVersion]:
        """Every version, newest first, with how many attempts got it."""
        with self.sessions() as s:
            used = dict(
                s.execute(
                    select(Attempt.script_version_id, func.count())
                    .where(Attempt.campaign_id == campaign_id, Attempt.script_version_id.is_not(None))
                    .group_by(Attempt.script_version_id)
                ).all()
            )
            rows = s.scalars(
                select(CallScript).where(CallScript.campaign_id == campaign_id).order_by(CallScript.version.desc())
            )
            return [_version(r, used.get(r.id, 0)) for r in rows]

    def script_version(self, version_id: int) -> ScriptVersion | None:
        with self.sessions() as s:
            row = s.get(CallScript, version_id)
            if row is None:
                return None
            n = s.scalar(select(func.count()).where(Attempt.script_version_id == row.id)) or 0
            return _version(row, n)

    def script_rotation(self, campaign_id: int) -> Rotation | None:
        with self.sessions() as s:
            return rotation_of(s, campaign_id)

    def set_script_rotation(
        self, campaign_id: int, version_a_id: int, version_b_id: int | None, share_b: float, user_id: int | None
    ) -> Rotation:
        """Read A alone, or A and B side by side. A different pair (or share) starts a new experiment: a new
        salt splits the contacts afresh. Both versions must be this campaign's (KeyError otherwise)."""
        with self.sessions.begin() as s:
            for vid in (version_a_id, version_b_id):
                if vid is not None:
                    row = s.get(CallScript, vid)
                    if row is None or row.campaign_id != campaign_id:
                        raise KeyError(vid)
            rotation = Rotation(version_a_id, version_b_id, share_b)  # validates share and A != B
            row_r = s.get(ScriptRotation, campaign_id)
            same = row_r is not None and (row_r.version_a_id, row_r.version_b_id, row_r.share_b) == (
                version_a_id,
                version_b_id,
                share_b,
            )
            if row_r is None:
                row_r = ScriptRotation(campaign_id=campaign_id)
                s.add(row_r)
            if not same:
                row_r.version_a_id, row_r.version_b_id, row_r.share_b = version_a_id, version_b_id, share_b
                row_r.salt = secrets.token_hex(8) if version_b_id is not None else ""
                row_r.started_at = utcnow()
                row_r.changed_by = user_id
            return Rotation(rotation.version_a, rotation.version_b, rotation.share_b, row_r.salt)

    def script_for_attempt(self, attempt_id: int) -> ScriptVersion | None:
        """The version the attempt got; for one placed before the campaign had scripts, the version its contact
        would get now (shown, never stored: results count only what was stored at dial time)."""
        with self.sessions() as s:
            attempt = s.get(Attempt, attempt_id)
            if attempt is None:
                return None
            vid = attempt.script_version_id
            if vid is None:
                rotation = rotation_of(s, attempt.campaign_id)
                if rotation is None:
                    return None
                vid = version_for(rotation, attempt.contact_id)
            row = s.get(CallScript, vid)
            return _version(row, 0) if row is not None else None

    def script_tallies(self, campaign_id: int) -> dict[int, Tally]:
        """Per version: bridged calls and those with one of the campaign's positive dispositions."""
        with self.sessions() as s:
            positive = set(
                s.scalars(select(Disposition.code).where(Disposition.campaign_id == campaign_id, Disposition.positive))
            )
            rows = s.execute(
                select(Attempt.script_version_id, Attempt.disposition_code, func.count())
                .where(
                    Attempt.campaign_id == campaign_id,
                    Attempt.script_version_id.is_not(None),
                    Attempt.bridged_at.is_not(None),
                )
                .group_by(Attempt.script_version_id, Attempt.disposition_code)
            ).all()
        bridged: dict[int, int] = {}
        wins: dict[int, int] = {}
        for vid, code, n in rows:
            if vid is None:
                continue
            bridged[vid] = bridged.get(vid, 0) + n
            wins[vid] = wins.get(vid, 0) + (n if code in positive else 0)
        return {vid: Tally(bridged[vid], wins[vid]) for vid in bridged}


def assign_script(s: Session, attempts: list[Attempt], campaign_id: int, rotation: Rotation | None = None) -> None:
    """Store on each new attempt the script version its contact hears (the split is per contact). `rotation`:
    the campaign's, when the caller has read it already (once per lease, not per attempt)."""
    rotation = rotation or rotation_of(s, campaign_id)
    if rotation is None:
        return
    for attempt in attempts:
        attempt.script_version_id = version_for(rotation, attempt.contact_id)


def _version(row: CallScript, attempts: int) -> ScriptVersion:
    return ScriptVersion(
        row.id, row.campaign_id, row.version, row.body, row.note, row.created_at, row.created_by, attempts
    )
