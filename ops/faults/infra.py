"""The services a fault run breaks on purpose, all its own and all on loopback.

A throwaway PostgreSQL cluster (initdb into a temporary folder, its own port), a throwaway
Redis (its own port, no persistence), an SMTP sink in this process that counts what it
accepts and can be told to refuse, and the site's own processes (gunicorn with
gunicorn.conf.py, Celery workers and beats) pointed at them through the environment. Nothing
here touches the PostgreSQL or Redis other people use; everything started is stopped in
`Stack.close()`, which the runner calls whatever happens.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5440"))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6391"))
WEB_PORT = int(os.environ.get("FAULTS_WEB_PORT", "8791"))
DATABASE = "microintern_faults"


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll check() until it returns something true; that value. Raises after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f}s")
        time.sleep(interval)


def wait_stable(measure, *, seconds: float, timeout: float, what: str = "value"):
    """Poll measure() until it stays the same for `seconds`; that value."""
    deadline = time.monotonic() + timeout
    value, since = measure(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        current = measure()
        if current != value:
            value, since = current, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return value
    raise TimeoutError(f"{what} still changing after {timeout:.0f}s")


# --- PostgreSQL ---------------------------------------------------------------------------


class Postgres:
    """A PostgreSQL cluster of our own in a temporary folder (trust auth, loopback only)."""

    def __init__(self, root: Path, port: int = PG_PORT) -> None:
        versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
        self.bin = versions[-1] / "bin"
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = port
        self.url = f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, timeout=timeout, capture_output=True)

    def create(self) -> None:
        if not port_is_free(self.port):
            raise SystemExit(f"Port {self.port} is taken; set FAULTS_PG_PORT to a free one.")
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U"]
            + ["postgres", DATABASE],
            check=True,
            timeout=30,
            capture_output=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=60"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode "immediate" is a crash (no checkpoint, recovery on start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def close(self) -> None:
        if self.data.exists() and self.running():
            try:
                self.stop("immediate")
            except subprocess.SubprocessError:
                pass


# --- Redis ----------------------------------------------------------------------------------


class Redis:
    """A Redis of our own without persistence: a restart loses what it held, as a crash would."""

    def __init__(self, root: Path, port: int = REDIS_PORT) -> None:
        self.root = root
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if not port_is_free(self.port):
            raise SystemExit(f"Port {self.port} is taken; set FAULTS_REDIS_PORT to a free one.")
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--logfile", str(self.root / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(lambda: not port_is_free(self.port), timeout=10, what="Redis listening")

    def kill(self) -> None:
        """Stop at once (SIGKILL): connections drop, queued tasks are gone."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    close = kill


# --- SMTP sink ------------------------------------------------------------------------------


class Sink:
    """An SMTP server's handler that counts the messages it accepted, or refuses on request.

    `mode` is "accept", "451" (temporary failure) or "550" (permanent); `delay` seconds pass
    before the answer, so that a batch takes long enough to be interrupted. A message counts
    as delivered only once the 250 answer is on its way, as for a real server.
    """

    def __init__(self) -> None:
        self.mode = "accept"
        self.delay = 0.0
        self.accepted: list[tuple[str, str]] = []
        self.refused = Counter()
        #: Called with the count of accepted messages, after a message is taken and before
        #: the 250 answer goes out (a scenario kills a worker in exactly that moment).
        self.on_accept = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "451":
            self.refused["451"] += 1
            return "451 4.3.0 Mail server temporarily rejected message"
        if self.mode == "550":
            self.refused["550"] += 1
            return "550 5.7.1 Message rejected"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for rcpt in envelope.rcpt_tos:
            self.accepted.append((rcpt, str(message["Subject"])))
        if self.on_accept is not None:
            self.on_accept(len(self.accepted))
        return "250 Message accepted for delivery"

    def reset(self) -> None:
        self.mode, self.delay, self.on_accept = "accept", 0.0, None
        self.accepted.clear()
        self.refused.clear()

    def counts(self) -> Counter:
        return Counter(self.accepted)


# --- The site's processes -------------------------------------------------------------------


class Process:
    """One of the site's processes in its own process group, logging to a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with open(log, "ab") as output:
            self.popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole group (a worker and its pool children): no cleanup at all."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()


class Stack:
    """Everything one fault run uses; `close()` stops and removes all of it."""

    def __init__(
        self,
        *,
        pg_port: int = PG_PORT,
        redis_port: int = REDIS_PORT,
        web_port: int = WEB_PORT,
        prefix: str = "microintern-faults-",
    ) -> None:
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        os.chmod(self.root, 0o755)  # noqa: S103 - PostgreSQL's user must reach its folder
        self.logs = self.root / "logs"
        self.logs.mkdir()
        self.postgres = Postgres(self.root / "pg", pg_port)
        self.redis = Redis(self.root / "redis", redis_port)
        self.web_port = web_port
        self.sink = Sink()
        self.smtp_port = free_port()
        self.processes: list[Process] = []
        self._smtp: Controller | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "microintern.settings",
            "DATABASE_URL": self.postgres.url,
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SITE_URL": f"http://127.0.0.1:{web_port}",
            "MEDIA_ROOT": str(self.root / "media"),
            "LOG_LEVEL": "WARNING",
            "CELERY_SKIP_CHECKS": "1",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Every simulated student comes from 127.0.0.1: the per-address limit on applying
            # (meant for one campus network) would stop them; the per-person limit stays.
            "APPLY_ADDRESS_RATE_LIMIT": "100000/h",
        }

    def start(self) -> None:
        if not port_is_free(self.web_port):
            raise SystemExit(f"Port {self.web_port} is taken; choose another for the site.")
        self.postgres.create()
        self.redis.start()
        self._smtp = Controller(self.sink, hostname="127.0.0.1", port=self.smtp_port)
        self._smtp.start()
        # This process queries and prepares data with the same settings as the site.
        os.environ.update(self.env)

    def spawn(self, name: str, command: list[str], **env: str) -> Process:
        log = self.logs / f"{name}.log"
        process = Process(name, command, {**self.env, **env}, log)
        self.processes.append(process)
        return process

    def web(self) -> Process:
        """gunicorn with the production settings and gunicorn.conf.py, on web_port."""
        port = self.web_port
        if not port_is_free(port):
            raise SystemExit(f"Port {port} is taken; set FAULTS_WEB_PORT to a free one.")
        process = self.spawn(
            "gunicorn",
            [str(BIN / "gunicorn"), "microintern.wsgi", "-c", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}"],
        )  # fmt: skip
        wait_until(
            lambda: not port_is_free(port) or not process.alive(),
            timeout=60,
            what="gunicorn listening",
        )
        if not process.alive():
            raise SystemExit(f"gunicorn exited; see {process.log}")
        return process

    def worker(self, name: str = "worker", concurrency: int = 2, **env: str) -> Process:
        """A Celery worker as in the Procfile (prefork, under microintern.supervise), with
        acks_late from the settings."""
        process = self.spawn(
            name,
            [str(BIN / "python"), "-m", "microintern.supervise",
             str(BIN / "celery"), "-A", "microintern", "worker", "-l", "INFO",
             "--concurrency", str(concurrency), "-n", f"{name}@faults",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            **env,
        )  # fmt: skip
        wait_until(
            lambda: "ready." in process.log.read_text(errors="replace") or not process.alive(),
            timeout=60,
            what=f"{name} ready",
        )
        if not process.alive():
            raise SystemExit(f"{name} exited; see {process.log}")
        return process

    def beat(self, name: str, **env: str) -> Process:
        return self.spawn(
            name,
            [str(BIN / "celery"), "-A", "microintern", "beat", "-l", "INFO",
             "--schedule", str(self.root / f"{name}-schedule")],
            **env,
        )  # fmt: skip

    def baseline(self) -> int:
        """The newest outbox row's id: a scenario looks only at rows after it."""
        from django.db.models import Max

        from notifications.models import Notification

        return Notification.objects.aggregate(newest=Max("pk"))["newest"] or 0

    def reset(self) -> None:
        """Between scenarios: stop the site's processes, send what the last one left in the
        outbox, empty the queue and reset the sink: each scenario counts only its own mail."""
        from notifications.delivery import deliver_due

        self.stop_processes()
        if not self.postgres.running():
            self.postgres.start()
        self.sink.reset()
        deliver_due(limit=None)
        self.sink.reset()
        if self.redis.process is None:
            self.redis.start()
        subprocess.run(
            ["redis-cli", "-p", str(self.redis.port), "flushall"],
            check=True,
            capture_output=True,
            timeout=10,
        )

    def stop_processes(self) -> None:
        for process in reversed(self.processes):
            process.stop(timeout=10)
        self.processes.clear()

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop(timeout=10)
        self.processes.clear()
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None
        self.redis.close()
        self.postgres.close()
        shutil.rmtree(self.root, ignore_errors=True)
