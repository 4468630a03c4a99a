"""Starts the throwaway services, prepares the data once, runs each scenario, prints a table.

Exits 1 when any scenario lost something or failed an expectation. Everything started is
stopped and removed at the end, whatever happened; the processes' logs are kept in
test-results/faults/ for a look after a failure.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import shutil
import sys
import time
import traceback

from ops.faults.checks import Result
from ops.faults.infra import ROOT, Stack

SCENARIOS = ["redis_down", "postgres_restart", "worker_killed", "two_beats", "smtp_refusing"]
#: The whole run must end well within this (the scenarios take about a minute each).
TIME_LIMIT = 14 * 60


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m ops.faults", description=__doc__)
    parser.add_argument("scenarios", nargs="*", choices=[[], *SCENARIOS], metavar="scenario")
    names = parser.parse_args().scenarios or SCENARIOS
    started = time.monotonic()
    stack = Stack()
    results: list[Result] = []
    try:
        print(
            f"Starting PostgreSQL :{stack.postgres.port}, Redis :{stack.redis.port}, "
            f"SMTP sink :{stack.smtp_port} (all throwaway, loopback)",
            flush=True,
        )
        stack.start()
        from ops.faults.data import prepare_database

        prepare_database(stack.env)
        import django

        django.setup()
        # This process's own log lines (each refused attempt...) would drown the report.
        logging.getLogger().setLevel(logging.CRITICAL)
        from notifications.delivery import deliver_due

        deliver_due(limit=None)  # the demo data's own emails, out of the way
        print(f"Ready in {time.monotonic() - started:.0f}s.", flush=True)
        for name in names:
            if time.monotonic() - started > TIME_LIMIT:
                print(f"Time limit reached; {name} not run.")
                break
            stack.reset()
            module = importlib.import_module(f"ops.faults.{name}")
            print(f"\n== {module.TITLE} ({name})", flush=True)
            began = time.monotonic()
            try:
                result = module.run(stack)
            except Exception as error:  # a scenario that breaks is a failed scenario
                traceback.print_exc()
                result = Result(name, module.TITLE, problems=[f"crashed: {error!r}"])
            result.seconds = time.monotonic() - began
            results.append(result)
            print(f"   {'passed' if result.ok else 'FAILED'} in {result.seconds:.0f}s", flush=True)
    finally:
        kept = ROOT / "test-results" / "faults"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(stack.logs, kept, dirs_exist_ok=True)
        stack.close()
    print_summary(results, time.monotonic() - started)
    if len(results) < len(names) or not all(r.ok for r in results):
        sys.exit(1)


def print_summary(results: list[Result], seconds: float) -> None:
    print(f"\n{'scenario':18} {'result':7} {'lost':>4} {'dupes':>5} {'time':>5}")
    for r in results:
        print(
            f"{r.name:18} {'ok' if r.ok else 'FAILED':7} {r.lost:>4} {r.duplicates:>5} "
            f"{r.seconds:>4.0f}s"
        )
        for problem in r.problems:
            print(f"    - {problem}")
    print(f"{len(results)} scenarios in {seconds:.0f}s")
