"""The composition root builds the live service from the settings, and wires the Asterisk clients to it."""

from __future__ import annotations

from pathlib import Path

from dialer import bootstrap
from dialer.config import AsteriskServer, Settings
from dialer.db import migrate
from dialer.recordings.local_store import LocalRecordingStore


async def test_the_service_gets_every_server_and_the_recording_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    migrate(url)
    second = AsteriskServer(name="b", ari_url="http://127.0.0.1:8089", ari_password="x", ami_password="y", max_lines=9)
    settings = Settings(
        database_url=url, ari_password="x", ami_password="y", asterisk_servers=[second], recordings_dir=tmp_path / "r"
    )
    service = bootstrap.dialer_service(settings, node="n1")
    try:
        assert list(service.links) == ["default", "b"] and service.links["b"].max_lines == 9
        # every server's events go through the inbound desk, which hands the rest to the call router
        assert service.inbound is not None and service.inbound.calls is service.calls
        assert all(link.ari.on_event.__qualname__.startswith("InboundDesk.handler") for link in service.links.values())
        assert all(link.ari.on_connection_change is not None for link in service.links.values())
        store = service.recording_store
        assert isinstance(store, LocalRecordingStore) and store.root == tmp_path / "r"
        assert service.node == "n1" and [s.name for s in service.view.servers()] == ["default", "b"]
    finally:
        await service.close()


def test_recording_store_is_chosen_in_one_place(tmp_path: Path) -> None:
    store = bootstrap.recording_store(Settings(recordings_dir=tmp_path))
    assert isinstance(store, LocalRecordingStore) and store.root == tmp_path
