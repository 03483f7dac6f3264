"""Each campaign is paced by exactly one dialer process: PostgreSQL advisory locks, taken over when the
holder's session dies."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from dialer.db.leader import CampaignLeases


def test_one_holder_per_campaign_and_takeover(postgres_url: str) -> None:
    a_engine, b_engine = create_engine(postgres_url), create_engine(postgres_url)
    a, b = CampaignLeases(a_engine), CampaignLeases(b_engine)
    try:
        assert a.try_acquire(1)
        assert a.try_acquire(1)  # idempotent for the holder
        assert not b.try_acquire(1)
        assert b.try_acquire(2)
        assert a.still_held(1) and not b.still_held(1)

        # the holder's session dies (process killed, network cut): the other process takes over
        pid = a._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        with b_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert not a.still_held(1)
        assert b.try_acquire(1)
        assert not a.try_acquire(1)

        b.release(1)
        assert a.try_acquire(1)
    finally:
        a.close()
        b.close()
        a_engine.dispose()
        b_engine.dispose()


def test_sqlite_is_one_process(sqlite_url: str) -> None:
    leases = CampaignLeases(create_engine(sqlite_url))
    assert leases.try_acquire(7) and leases.still_held(7)
    leases.release(7)
    assert not leases.still_held(7)
