"""Keep a process running: `python -m microintern.supervise celery -A microintern worker ...`.

The Celery worker is started this way (Procfile, Makefile, docker-compose). When the command
exits without being asked to (a crash: kombu can fail with an unrecoverable error while Redis
goes away and comes back), it is started again after a pause that grows from one second to
thirty while it keeps crashing. SIGTERM and SIGINT are passed on to the command, and then the
supervisor exits with its exit status. Nothing is lost in between: the outbox holds every
message until it is sent, and the sweep sends what the crashed worker left.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

#: A run longer than this was not a crash loop: the next pause starts again from the first.
HEALTHY_AFTER = 60.0
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0


def supervise(command: list[str], *, restarts: int | None = None) -> int:
    """Run `command` until told to stop, starting it again whenever it exits on its own.

    `restarts` bounds the restarts (None: no bound); the exit status of the last run.
    """
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause, started_again = FIRST_PAUSE, 0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603 - the command line of our own Procfile
        code = child.wait()
        if stopping or (restarts is not None and started_again >= restarts):
            return code
        if time.monotonic() - started > HEALTHY_AFTER:
            pause = FIRST_PAUSE
        sys.stderr.write(
            f"supervise: {command[0]} exited with status {code} without being asked to; "
            f"starting it again in {pause:.0f}s\n"
        )
        sys.stderr.flush()
        time.sleep(pause)
        if stopping:
            return code
        pause = min(pause * 2, LONGEST_PAUSE)
        started_again += 1


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m microintern.supervise COMMAND [ARGUMENT ...]")
    sys.exit(supervise(sys.argv[1:]))


if __name__ == "__main__":
    main()
