"""Two DialerService instances on one PostgreSQL database (no Asterisk is contacted): the second stands by
while the first paces, queues the log-ins asked of it, and takes the campaign over when the first one's
database session dies, giving what it left open one final outcome. The lab test with two `dialer serve`
processes is tests/lab/test_two_processes.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text

from dialer.bootstrap import dialer_service
from dialer.campaigns import apply_campaign
from dialer.config import Settings
from dialer.db import make_engine, make_session_factory, migrate
from dialer.db.models import Contact, OperatorSession
from dialer.db.repository import Repository
from dialer.rules.campaign import parse_campaign
from dialer.telephony.ari import TelephonyError
from tests.labkit import campaign_definition, until


async def test_standby_takes_over_when_the_leader_dies(postgres_url: str) -> None:
    migrate(postgres_url)
    settings = Settings(database_url=postgres_url, ari_password=SecretStr("x"), ami_password=SecretStr("x"))
    repos = [Repository(make_session_factory(make_engine(postgres_url))) for _ in range(2)]
    cid = apply_campaign(repos[0], parse_campaign(campaign_definition(name="takeover")))
    repos[0].add_contact_list(cid, "l", [{"phone": "+79161234567"}, {"phone": "+79161234568"}])
    op_a = repos[0].ensure_operator("op-a", "A", "PJSIP/op-a")
    repos[0].ensure_operator("op-b", "B", "PJSIP/op-b")
    leader, standby = (dialer_service(settings, r, node=n) for r, n in zip(repos, ("a", "b"), strict=True))
    standby.standby_poll_s = 0.1
    try:
        assert await leader.start_campaign(cid) is not None
        assert await standby.start_campaign(cid) is None  # exactly one paces
        assert standby.standing_by(cid) and standby.view.campaign(cid) is None
        with pytest.raises(TelephonyError, match="paced by another dialer process"):
            await standby.login(cid, "op-b")  # kept for when it takes over

        # the leader has a call and an operator session open when it dies
        (task,) = repos[0].lease_contacts(cid, 1, "a", datetime.now(UTC))
        left_session = repos[0].start_operator_session(op_a, cid, "agent-left")
        pid = await leader.db.call(
            lambda: leader.leases._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        )
        with repos[1].engine.connect() as conn:  # its database session dies (like a kill -9 of its process)
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await until(lambda: cid in standby.dialling(), 30)

        (attempt,) = [a for a in repos[1].attempts(cid) if a.id == task.attempt_id]
        assert attempt.outcome == "system_failure"
        with repos[1].sessions() as s:
            assert s.get(OperatorSession, left_session).ended_at is not None  # type: ignore[union-attr]
            assert "leased" not in set(s.scalars(select(Contact.status)))
        # its queued log-in was tried (Asterisk is not connected here: it waits for it, like a server down)
        await until(lambda: standby.runs[cid].relogin == ["op-b"], 30)
    finally:
        await standby.stop_campaign(cid)
        await leader.stop_campaign(cid)
        for service in (leader, standby):
            await service.close()
