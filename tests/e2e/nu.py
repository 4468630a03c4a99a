"""The W3C Nu Html Checker (vnu.jar from npm's vnu-jar), run as a local service for a session.

Every HTML document the journeys receive is posted to it; an error is a failed journey.
The service listens on loopback only, starts once, and every wait on it is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"))
START_TIMEOUT = 60.0
CHECK_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NuChecker:
    """vnu.jar's web service on a free loopback port; `errors(html)` lists what it finds."""

    def __init__(self) -> None:
        java = shutil.which("java")
        if java is None or not VNU_JAR.exists():
            raise RuntimeError(
                f"The Nu Html Checker needs Java and {VNU_JAR} (make install runs npm ci)."
            )
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                java,
                "-Xss1024k",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.checked = 0
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vnu.jar exited with {self.process.returncode}")
            try:
                self.errors("<!DOCTYPE html><html lang=en><title>up</title></html>")
                self.checked = 0
                return
            except OSError:
                time.sleep(0.5)
        self.close()
        raise RuntimeError(f"vnu.jar did not answer within {START_TIMEOUT:.0f} s")

    def errors(self, html: str) -> list[str]:
        """Each error (not warning or info) as 'line N: message'."""
        request = urllib.request.Request(  # noqa: S310 (a fixed loopback http URL)
            f"http://127.0.0.1:{self.port}/?out=json",
            data=html.encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=CHECK_TIMEOUT) as response:  # noqa: S310
            messages = json.load(response)["messages"]
        self.checked += 1
        return [
            f"line {message.get('lastLine', '?')}: {message['message']}"
            for message in messages
            if message["type"] == "error" or message.get("subType") == "fatal"
        ]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
