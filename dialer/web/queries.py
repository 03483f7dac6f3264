"""Database queries the web app needs and the service's Repository does not have. Synchronous SQLAlchemy,
called from FastAPI's thread pool; every filter is a bound parameter (search boxes are data, never SQL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dialer.campaigns import LIVE_KNOBS, campaign_knobs
from dialer.db.models import (
    Attempt,
    AuditLog,
    Campaign,
    Contact,
    ContactList,
    Disposition,
    Operator,
    PacingChange,
    User,
    utcnow,
)
from dialer.db.repositories.base import OUTBOUND
from dialer.lists.export import ResultRow
from dialer.pacing import DialingMode, PacingKnobs
from dialer.rules.inbound_spec import INBOUND_KNOBS, MAX_WITHIN_S, InboundSpec
from dialer.rules.windows import local_day_start
from dialer.service.campaign_config import inbound_of
from dialer.web.queries_qa import UTC_MIDNIGHT, QaQueries
from dialer.web.queries_users import UserQueries

# The knobs an admin may turn live, with their parser; anything else is refused. The inbound target's
# (blended campaigns only) are stored beside the pacing knobs.
KNOBS = {**LIVE_KNOBS, **INBOUND_KNOBS}


NOT_DIALABLE = ("filtered", "corporate", "dnc", "duplicate")


@dataclass(frozen=True)
class Funnel:
    contacts: int
    by_status: dict[str, int]
    dialled: int
    answered: int
    bridged: int
    abandoned: int
    positive: int
    callbacks: int
    in_progress: int

    @property
    def done_pct(self) -> float:
        dialable = self.contacts - sum(self.by_status.get(k, 0) for k in NOT_DIALABLE)
        return round(100 * self.by_status.get("done", 0) / dialable, 1) if dialable > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "contacts": self.contacts,
            # the funnel's top: contacts the dialler may call (filtered, corporate, do-not-call are not)
            "dialable": self.contacts - sum(self.by_status.get(k, 0) for k in NOT_DIALABLE),
            "by_status": self.by_status,
            "dialled": self.dialled,
            "answered": self.answered,
            "bridged": self.bridged,
            "abandoned": self.abandoned,
            "positive": self.positive,
            "callbacks": self.callbacks,
            "in_progress": self.in_progress,
            "done_pct": self.done_pct,
        }


def pacing_knobs_of(c: Campaign) -> PacingKnobs:
    """The campaign's knobs from its definition, with the admin's live overrides merged on top."""
    return campaign_knobs(c)


def inbound_target_values(inbound: InboundSpec) -> dict[str, float]:
    """The inbound target as the console's knobs: share (a fraction) and within (seconds)."""
    target = inbound.service_level.target()
    return {"service_level_share": target.share, "service_level_within_s": target.within_s}


def parse_knob(knob: str, raw: Any) -> Any:
    """Validate one knob value; raises ValueError with a message fit for the admin."""
    if knob not in KNOBS:
        raise ValueError(f"unknown knob {knob!r}")
    if not isinstance(raw, bool | int | float | str):  # null, {} or []: nothing to parse
        raise ValueError(f"{knob}: a number, text or true/false is expected")
    try:
        return _parse_knob(knob, raw)
    except (TypeError, OverflowError) as exc:
        raise ValueError(f"{knob}: {exc}") from None
    except ValueError as exc:  # the message names the knob ("could not convert..." does not by itself)
        if str(exc).startswith(knob):
            raise
        raise ValueError(f"{knob}: {exc}") from None


def json_number(knob: str, raw: bool | int | float | str) -> float:
    """A numeric knob's value: a JSON number or its text, never true/false (bool is an int in Python, so
    `true` would pass as 1: an answer within 1 s) nor NaN; the error names the knob."""
    if isinstance(raw, bool):
        raise ValueError(f"{knob} must be a number")
    try:
        value = float(raw)
    except ValueError:  # "could not convert string to float" names neither the knob nor reads in Russian
        raise ValueError(f"{knob} must be a number") from None
    if value != value:  # NaN passes every range comparison
        raise ValueError(f"{knob} must be a number")
    return value


def check_inbound_knobs(knobs: Iterable[str], stored_blended: bool, running_blended: bool | None) -> None:
    """Refuse, before anything is stored, the inbound target for a campaign that cannot take it: its file
    has no `inbound:` section, or it runs here from a copy started without one (`running_blended`: None
    when it is not running here). Raises ValueError naming the knob, like parse_knob."""
    for knob in sorted(set(knobs) & set(INBOUND_KNOBS)):
        if not stored_blended:
            raise ValueError(f"{knob}: this campaign takes no inbound calls (its file has no inbound: section)")
        if running_blended is False:
            raise ValueError(
                f"{knob}: the running campaign was started without inbound calls; stop and start it to set its"
                " inbound target"
            )


def _parse_knob(knob: str, raw: bool | int | float | str) -> Any:
    if knob == "mode":
        return DialingMode(str(raw)).value
    if knob == "paused":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("true", "false", "1", "0", "on", "off"):
            raise ValueError("paused must be true or false")
        return text in ("true", "1", "on")
    if knob == "max_lines":
        lines = json_number(knob, raw)
        if not lines.is_integer():  # 2.5 used to be cut to 2 without a word
            raise ValueError("max_lines must be a whole number")
        if not 1 <= lines <= 1000:
            raise ValueError("max_lines must be between 1 and 1000")
        return int(lines)
    value = json_number(knob, raw)
    if knob == "service_level_share" and not 0 < value < 1:
        raise ValueError("service_level_share must be above 0 and below 1 (a fraction: 0.8 is 80 %)")
    if knob == "service_level_within_s" and not 0 <= value <= MAX_WITHIN_S:
        raise ValueError("service_level_within_s must be between 0 and 3600 seconds")
    if knob == "target_abandon_rate" and not 0 <= value <= 0.5:
        raise ValueError("target_abandon_rate must be between 0 and 0.5")
    if knob.endswith("_per_operator") and not 0 < value <= 20:
        raise ValueError(f"{knob} must be above 0 and at most 20")
    return value


class WebQueries(UserQueries, QaQueries):
    """Every query the web app makes: campaigns, the operator screen and pacing here; users and audit in
    dialer.web.queries_users; QA in dialer.web.queries_qa."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- campaigns -----------------------------------------------------------------------------------
    def campaigns(self) -> list[Campaign]:
        with self.sessions() as s:
            return list(s.scalars(select(Campaign).order_by(Campaign.name)))

    def funnel(self, campaign_id: int) -> Funnel:
        with self.sessions() as s:
            statuses = dict(
                s.execute(
                    select(Contact.status, func.count())
                    .where(Contact.campaign_id == campaign_id)
                    .group_by(Contact.status)
                ).all()
            )
            outcomes = Counter(
                {
                    (o or "in_progress"): n
                    for o, n in s.execute(
                        select(Attempt.outcome, func.count())
                        .where(Attempt.campaign_id == campaign_id, Attempt.direction == OUTBOUND)
                        .group_by(Attempt.outcome)
                    ).all()
                }
            )
            disp = {d.code: d for d in s.scalars(select(Disposition).where(Disposition.campaign_id == campaign_id))}
            by_code = dict(
                s.execute(
                    select(Attempt.disposition_code, func.count())
                    .where(Attempt.campaign_id == campaign_id, Attempt.disposition_code.is_not(None))
                    .group_by(Attempt.disposition_code)
                ).all()
            )
        return Funnel(
            contacts=sum(statuses.values()),
            by_status={str(k): int(v) for k, v in statuses.items()},
            dialled=sum(outcomes.values()),
            answered=outcomes["connected"] + outcomes["abandoned"] + outcomes["machine"],
            bridged=outcomes["connected"],
            abandoned=outcomes["abandoned"],
            positive=sum(n for c, n in by_code.items() if c in disp and disp[c].positive),
            callbacks=sum(n for c, n in by_code.items() if c in disp and disp[c].callback),
            in_progress=outcomes["in_progress"],
        )

    def contact_lists(self, campaign_id: int) -> list[ContactList]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(ContactList).where(ContactList.campaign_id == campaign_id).order_by(ContactList.id.desc())
                )
            )

    def corporate_contacts(self, campaign_id: int, limit: int | None = None) -> list[Contact]:
        with self.sessions() as s:
            q = select(Contact).where(Contact.campaign_id == campaign_id, Contact.status == "corporate")
            q = q.order_by(Contact.id)
            if limit is not None:
                q = q.limit(limit)
            return list(s.scalars(q))

    def result_rows(self, campaign_id: int) -> list[ResultRow]:
        """Every contact with its latest attempt, for the results export."""
        with self.sessions() as s:
            lists = dict(
                s.execute(select(ContactList.id, ContactList.name).where(ContactList.campaign_id == campaign_id)).all()
            )
            ops = dict(s.execute(select(Operator.id, Operator.login)).all())
            latest: dict[int, Attempt] = {}
            inbound: Counter[int] = Counter()
            for att in s.scalars(select(Attempt).where(Attempt.campaign_id == campaign_id).order_by(Attempt.id)):
                latest[att.contact_id] = att
                if att.direction != OUTBOUND:
                    inbound[att.contact_id] += 1
            out = []
            for c in s.scalars(select(Contact).where(Contact.campaign_id == campaign_id).order_by(Contact.id)):
                a = latest.get(c.id)
                out.append(
                    ResultRow(
                        phone=c.phone,
                        company=c.company,
                        contact_person=c.contact_person,
                        list_name=lists.get(c.list_id),
                        status=c.status,
                        attempts=c.attempt_count,
                        last_attempt_at=a.originated_at if a else None,
                        last_outcome=a.outcome if a else None,
                        disposition=a.disposition_code if a else None,
                        operator=ops.get(a.operator_id) if a and a.operator_id else None,
                        notes=a.notes if a else None,
                        next_action_at=a.next_action_at if a else None,
                        timezone=c.timezone,
                        extra=c.extra or {},
                        direction=a.direction if a else None,
                        inbound_calls=inbound[c.id],
                    )
                )
            return out

    # -- operator screen -----------------------------------------------------------------------------
    def open_call_of_operator(self, operator_id: int) -> Attempt | None:
        """The operator's latest bridged call without a disposition (used when no live service is attached)."""
        with self.sessions() as s:
            return s.scalar(
                select(Attempt)
                .where(
                    Attempt.operator_id == operator_id,
                    Attempt.bridged_at.is_not(None),
                    Attempt.disposition_code.is_(None),
                )
                .order_by(Attempt.id.desc())
                .limit(1)
            )

    def attempt(self, attempt_id: int) -> Attempt | None:
        with self.sessions() as s:
            return s.get(Attempt, attempt_id)

    def contact(self, contact_id: int) -> Contact | None:
        with self.sessions() as s:
            return s.get(Contact, contact_id)

    def contact_history(self, contact_id: int, exclude_attempt: int | None = None) -> list[Attempt]:
        with self.sessions() as s:
            q = select(Attempt).where(Attempt.contact_id == contact_id).order_by(Attempt.id.desc())
            if exclude_attempt is not None:
                q = q.where(Attempt.id != exclude_attempt)
            return list(s.scalars(q))

    def operator_calls(self, operator_id: int, limit: int = 50) -> list[tuple[Attempt, Contact]]:
        with self.sessions() as s:
            rows = s.execute(
                select(Attempt, Contact)
                .join(Contact, Contact.id == Attempt.contact_id)
                .where(Attempt.operator_id == operator_id)
                .order_by(Attempt.id.desc())
                .limit(limit)
            ).all()
            return [(a, c) for a, c in rows]

    def dispositions(self, campaign_id: int) -> list[Disposition]:
        with self.sessions() as s:
            return list(
                s.scalars(select(Disposition).where(Disposition.campaign_id == campaign_id).order_by(Disposition.id))
            )

    # -- pacing --------------------------------------------------------------------------------------
    def change_pacing(self, campaign_id: int, user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Store each changed knob as a PacingChange and merge it into Campaign.pacing_overrides; returns
        the changes actually made (knob -> (old, new))."""
        made: dict[str, Any] = {}
        with self.sessions.begin() as s:
            c = s.get(Campaign, campaign_id)
            if c is None:
                raise KeyError(f"no campaign {campaign_id}")
            current = pacing_knobs_of(c)
            inbound = inbound_of(c)
            overrides = dict(c.pacing_overrides or {})
            for knob, value in changes.items():
                if knob in INBOUND_KNOBS:
                    if inbound is None:
                        raise ValueError(f"campaign {c.name!r} takes no inbound calls")
                    old: Any = inbound_target_values(inbound)[knob]
                else:
                    old = getattr(current, knob)
                old_v = old.value if isinstance(old, DialingMode) else old
                if old_v == value:
                    continue
                overrides[knob] = value
                s.add(
                    PacingChange(
                        campaign_id=campaign_id, user_id=user_id, knob=knob, old_value=str(old_v), new_value=str(value)
                    )
                )
                made[knob] = [old_v, value]
            if made:
                c.pacing_overrides = overrides
                s.add(AuditLog(user_id=user_id, action="pacing.change", target=f"campaign:{campaign_id}", detail=made))
        return made

    def pacing_history(self, campaign_id: int, limit: int = 50) -> list[tuple[PacingChange, str | None]]:
        with self.sessions() as s:
            rows = s.execute(
                select(PacingChange, User.username)
                .outerjoin(User, User.id == PacingChange.user_id)
                .where(PacingChange.campaign_id == campaign_id)
                .order_by(PacingChange.id.desc())
                .limit(limit)
            ).all()
            return [(p, u) for p, u in rows]

    def inbound_today(self, campaign: Campaign, now: datetime | None = None) -> dict[str, Any] | None:
        """The campaign's inbound queue today, its own local day (`inbound.timezone`, as the daily export):
        service level against its target, average speed of answer, queue abandons
        (`dialer.rules.inbound_figures`); None for a campaign without inbound."""
        from dialer.db.inbound import inbound_figures
        from dialer.rules.campaign import CampaignDefinitionError

        try:
            inbound = inbound_of(campaign)
        except CampaignDefinitionError:
            return None
        if inbound is None:
            return None
        target = inbound.service_level.target()
        zone = inbound.zone()
        since = local_day_start((now or utcnow()).astimezone(zone).date(), zone)
        f = inbound_figures(self.sessions, campaign.id, since, target.within_s)
        return {
            "offered": f.offered,
            "answered": f.answered,
            "service_level": f.service_level,
            "target_share": target.share,
            "within_s": target.within_s,
            "asa_s": f.average_speed_of_answer_s,
            "abandoned": f.abandoned,
            "sent_to_callback": f.sent_to_callback,
            "below_target": f.offered > 0 and f.service_level < target.share,
        }

    def abandon_rates(self, campaign_id: int, now: datetime | None = None) -> dict[str, Any]:
        """Abandons (late connects included) over live answers of the calls placed today (UTC) and in the
        rolling hour, counted by the one definition (`dialer.db.abandon_figures`): the evidence report's
        figures for the same calls."""
        from dialer.db.abandon_figures import abandon_tally

        now = now or utcnow()
        windows = {
            "day": datetime.combine(now.date(), UTC_MIDNIGHT, tzinfo=now.tzinfo),
            "hour": now - timedelta(hours=1),
        }
        with self.sessions() as s:
            campaign = s.get(Campaign, campaign_id)
        if campaign is None:
            raise KeyError(f"no campaign {campaign_id}")
        out: dict[str, Any] = {}
        for name, since in windows.items():
            t = abandon_tally(self.sessions, campaign, since)
            out[name] = {"live": t.live, "abandoned": t.abandons, "late_connects": t.late_connects, "rate": t.rate}
        return out
