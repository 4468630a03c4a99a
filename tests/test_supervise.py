"""The worker's supervisor starts a crashed command again and stops when told to."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from microintern import supervise

ROOT = Path(__file__).resolve().parents[1]


def test_a_command_that_crashes_is_started_again(tmp_path, monkeypatch):
    monkeypatch.setattr(supervise, "FIRST_PAUSE", 0.0)
    runs = tmp_path / "runs"
    # Crashes twice (exit 1), then exits cleanly; the supervisor gives up after 2 restarts.
    script = (
        "import pathlib, sys; p = pathlib.Path(sys.argv[1]); "
        "n = len(p.read_text()) if p.exists() else 0; p.write_text('x' * (n + 1)); "
        "sys.exit(1 if n < 2 else 0)"
    )
    try:
        code = supervise.supervise([sys.executable, "-c", script, str(runs)], restarts=2)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    assert runs.read_text() == "xxx"
    assert code == 0


def test_sigterm_stops_the_command_and_the_supervisor(tmp_path):
    started = tmp_path / "started"
    child = f"import pathlib, time; pathlib.Path({str(started)!r}).write_text('1'); time.sleep(60)"
    process = subprocess.Popen(
        [sys.executable, "-m", "microintern.supervise", sys.executable, "-c", child],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) != 0  # the command died of the signal, passed on
    assert "starting it again" not in process.stderr.read()
