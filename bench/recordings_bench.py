"""Recording post-processing throughput (issue 6): hours of audio processed per minute of wall time.

    .venv/bin/python -m bench.recordings_bench --calls 60 --minutes 3 --jobs 2

Generates synthetic two-leg calls (operator 1000 Hz, customer 440 Hz, turn-taking with pauses and some talk-over;
pure-Python synthesis, no numpy), then times, on the same legs:

- baseline: one `ffmpeg -filter_complex amerge` + the same Opus encoder settings per call (mix + encode only);
- pipeline: `dialer.recordings.pipeline.process_call_recording` (mix, silence analysis, encode, store, verify);

each serially and with `--jobs` workers. Audio hours count each call once (a 3-minute stereo call is 3 minutes).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # `python bench/recordings_bench.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.recordings.audio import ENCODINGS
from dialer.recordings.local_store import LocalRecordingStore
from dialer.recordings.pipeline import ProcessedRecording, process_call_recording

RATE = 8000
STARTED = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
Call = tuple[int, Path, Path]  # attempt id, operator leg, customer leg


def _tone_second(freq: int, dbfs: float) -> bytes:
    amp = 32767 * 10 ** (dbfs / 20) * math.sqrt(2)
    return struct.pack(f"<{RATE}h", *(round(amp * math.sin(2 * math.pi * freq * n / RATE)) for n in range(RATE)))


def _write(path: Path, frames: int, bursts: list[tuple[float, float]], tone: bytes) -> None:
    pcm = bytearray(frames * 2)
    for start, end in bursts:
        pos, b = round(start * RATE), min(round(end * RATE), frames)
        while pos < b:
            n = min(b - pos, RATE)
            pcm[pos * 2 : (pos + n) * 2] = tone[: n * 2]
            pos += n
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(pcm))


def make_calls(folder: Path, calls: int, minutes: float, seed: int = 6) -> list[Call]:
    """Turn-taking conversations: operator opens after 0.3-3 s of dead air, turns of 1-8 s, gaps and overlaps."""
    rng = random.Random(seed)
    op_tone, cu_tone = _tone_second(1000, -18.0), _tone_second(440, -20.0)
    out: list[Call] = []
    for i in range(calls):
        length = minutes * 60
        op_bursts: list[tuple[float, float]] = []
        cu_bursts: list[tuple[float, float]] = [(0.1 + rng.random() * 0.4, 1.0 + rng.random() * 0.3)]
        t, speaker = 0.3 + rng.random() * 2.7, 0
        while t < length:
            turn = 1.0 + rng.random() * 7.0
            (op_bursts if speaker == 0 else cu_bursts).append((t, min(t + turn, length)))
            t += turn + rng.uniform(-0.6, 1.5)  # negative: the next speaker starts before this one stops
            speaker ^= 1
        op, cu = folder / f"{i}-op.wav", folder / f"{i}-cu.wav"
        _write(op, round((length - rng.random() * 0.2) * RATE), op_bursts, op_tone)  # legs differ slightly
        _write(cu, round(length * RATE), cu_bursts, cu_tone)
        out.append((i, op, cu))
    return out


def _link_legs(calls: list[Call], folder: Path) -> list[Call]:
    """Fresh hard links per run: the pipeline deletes its legs, the masters must survive."""
    folder.mkdir(parents=True)
    linked: list[Call] = []
    for i, op, cu in calls:
        op2, cu2 = folder / op.name, folder / cu.name
        os.link(op, op2)
        os.link(cu, cu2)
        linked.append((i, op2, cu2))
    return linked


def baseline_one(call: Call, out_dir: Path) -> int:
    i, op, cu = call
    prof = ENCODINGS["ogg"]
    out = out_dir / f"{i}.ogg"
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(op), "-i", str(cu), "-filter_complex",
           "[0:a]apad[l];[l][1:a]amerge=inputs=2[a]", "-map", "[a]", "-c:a", str(prof.codec),
           "-b:a", str(prof.bitrate), *prof.parameters, str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out.stat().st_size


def pipeline_one(call: Call, root: Path) -> ProcessedRecording:
    i, op, cu = call
    store = LocalRecordingStore(root)
    return process_call_recording(op, cu, store=store, campaign="bench", attempt_id=i, started=STARTED)


def _cpu() -> float:
    """CPU seconds of this process and every reaped descendant (pool workers, ffmpeg): robust to a busy box."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _measure(fn: Callable[[], object]) -> tuple[float, float]:
    wall0, cpu0 = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - wall0, _cpu() - cpu0


def _baseline(legs: list[Call], out: Path, workers: int) -> None:
    with ThreadPoolExecutor(workers) as pool:  # each call is its own ffmpeg process
        list(pool.map(baseline_one, legs, [out] * len(legs)))


def _pipeline(legs: list[Call], store: Path, workers: int) -> None:
    if workers == 1:
        for call in legs:
            pipeline_one(call, store)
        return
    with ProcessPoolExecutor(workers) as pool:  # `with` reaps the workers, so their CPU time is counted
        list(pool.map(pipeline_one, legs, [store] * len(legs)))


def run(calls: int, minutes: float, jobs: int) -> str:
    audio_h = calls * minutes / 60
    rows: list[tuple[str, int, float, float]] = []
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rec-bench-") as tmp:
        base = Path(tmp)
        (base / "legs").mkdir()
        masters = make_calls(base / "legs", calls, minutes)
        for workers in sorted({1, jobs}):
            legs = _link_legs(masters, base / f"base-legs-{workers}")
            out = base / f"base-out-{workers}"
            out.mkdir()
            rows.append(("baseline: ffmpeg amerge + Opus", workers, *_measure(partial(_baseline, legs, out, workers))))
            shutil.rmtree(out)
            legs = _link_legs(masters, base / f"pipe-legs-{workers}")
            store = base / f"store-{workers}"
            rows.append(
                ("pipeline: process_call_recording", workers, *_measure(partial(_pipeline, legs, store, workers)))
            )
            assert len(list(store.rglob("*.ogg"))) == calls, "every call must be stored"
            shutil.rmtree(store)
    cpus = os.cpu_count() or 1
    lines = [
        f"{calls} calls x {minutes:g} min = {audio_h:.2f} h of audio; {cpus} CPUs; load average "
        f"{load0:.1f} -> {os.getloadavg()[0]:.1f}; Opus 24k voip",
        "",
        "| run | workers | wall (s) | audio h / wall min | CPU s | audio h / min on idle cores (CPU-based) "
        "| vs baseline (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base_wall = {w: wall for name, w, wall, _ in rows if name.startswith("baseline")}
    for name, workers, wall, cpu in rows:
        idle = audio_h / (cpu / min(workers, cpus) / 60)
        lines.append(
            f"| {name} | {workers} | {wall:.1f} | {audio_h / (wall / 60):.2f} | {cpu:.1f} | {idle:.2f} "
            f"| {base_wall[workers] / wall:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    print(run(args.calls, args.minutes, args.jobs))


if __name__ == "__main__":
    main()
