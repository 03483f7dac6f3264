"""Records Asterisk's call events (AMI, with Asterisk's own timestamps) to a JSON-lines file.

    AMI_SECRET=... python -m bench.ami_recorder --host 127.0.0.1 --port 5038 --user dialer --out events.jsonl

A process of its own, so the benchmark's measuring costs no CPU in the dialer's process. Keeps only
Newchannel, Newstate, BridgeEnter and Hangup (AMI filters on Asterisk's side as well), prints `ready`
once logged in and filtering, and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_events import parse_ami_block

KEEP = ("Newchannel", "Newstate", "BridgeEnter", "Hangup")
FIELDS = ("Event", "Timestamp", "Uniqueid", "Channel", "ChannelState", "BridgeUniqueid", "Cause")


async def _read_message(reader: asyncio.StreamReader) -> dict[str, str] | None:
    lines: list[str] = []
    while True:
        raw = await reader.readline()
        if not raw:
            return None
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if lines:
                return parse_ami_block(lines)
            continue
        lines.append(line)


async def _action(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, **fields: str) -> dict[str, str]:
    action_id = f"rec-{id(fields)}"
    body = "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + f"ActionID: {action_id}\r\n\r\n"
    writer.write(body.encode())
    await writer.drain()
    while True:
        msg = await _read_message(reader)
        if msg is None:
            raise ConnectionError("AMI closed the connection")
        if msg.get("ActionID") == action_id:
            return msg


async def record(
    host: str,
    port: int,
    user: str,
    secret: str,
    out: Path,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
) -> int:
    """Record until `stop` is set (SIGTERM/SIGINT when None); `ready` is set once filtering. Events kept."""
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    banner = await reader.readline()
    if not banner.startswith(b"Asterisk Call Manager"):
        raise ConnectionError(f"not an AMI banner: {banner!r}")
    reply = await _action(writer, reader, Action="Login", Username=user, Secret=secret, Events="call")
    if reply.get("Response") != "Success":
        raise ConnectionError(f"AMI login failed: {reply}")
    for kind in KEEP:
        reply = await _action(writer, reader, Action="Filter", Operation="Add", Filter=f"Event: {kind}")
        if reply.get("Response") != "Success":
            raise ConnectionError(f"AMI filter failed: {reply}")
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        print("ready", flush=True)
    if ready is not None:
        ready.set()
    kept = 0
    with out.open("w") as fh:

        async def pump() -> None:
            nonlocal kept
            while True:
                msg = await _read_message(reader)
                if msg is None:
                    return
                if msg.get("Event") in KEEP:
                    fh.write(json.dumps({k: msg[k] for k in FIELDS if k in msg}) + "\n")
                    kept += 1

        task = asyncio.create_task(pump())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        await asyncio.sleep(0.5)  # what Asterisk sent before the stop is still being read
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await task
    writer.close()
    return kept


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5038)
    ap.add_argument("--user", required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    secret = os.environ.get("AMI_SECRET")
    if not secret:
        ap.error("set AMI_SECRET in the environment")
    kept = asyncio.run(record(args.host, args.port, args.user, secret, args.out))
    print(f"kept {kept} events", flush=True)


if __name__ == "__main__":
    main()
