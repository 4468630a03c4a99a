"""`make bench`: MicroIntern's pages at 10 000 and 100 000 listings, side by side, in one run.

Two kinds of pages: the visitors' pages served from their shared cache (L1, L2, S1, S2, D1,
"cached"), and every page of ops/bench/pages.py rendered afresh on every request, each for the
person who opens it (signed-in student, employer, staff, and a visitor asking for a new
search each time): their single-request latency (LATENCY_REQUESTS one at a time), queries,
slowest query with its EXPLAIN (ANALYZE, BUFFERS) at the largest size (explain_<code>.txt),
and for those with a throughput target their load like the cached pages.

For each size: a fresh database seeded by ops.bench.seed, VACUUM ANALYZE, the production
configuration under gunicorn (gunicorn.conf.py, DEBUG off, whitenoise, every middleware) on a
loopback port, then wrk at a fixed concurrency for a fixed time against each page and the
floor (a trivial page through the same stack). Then the reminder fan-out (ops.bench.fanout).
Writes ops/bench/results/latest.json, latest.md and the EXPLAIN plans at the largest size, and
prints the table. Absolute figures depend on the machine; the ratios are what to compare.

Each page is loaded in ROUNDS short rounds; in each round the floor, the page at every size,
then the next floor run back to back, and every figure is the median over the rounds: on a
machine shared with other work, that keeps each ratio to figures taken seconds apart.
The runner also rewrites the summary table in the README's Performance section.

Environment knobs (defaults in brackets): BENCH_SIZES [10000,100000], BENCH_DURATION seconds
per load [2], BENCH_ROUNDS [5], BENCH_UNCACHED_DURATION [4] and BENCH_UNCACHED_ROUNDS [3] for
the uncached pages under load, BENCH_CONNECTIONS [8], BENCH_REDIS_DB [10], BENCH_PORT [8731],
BENCH_FANOUT_COUNT [10000], BENCH_REUSE_DATABASES=1 keeps already seeded databases.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ops.bench.uncached import (
    BY_CODE,
    LATENCY_REQUESTS,
    Address,
    FreshSearches,
    addresses,
    latency,
)
from ops.bench.uncached import markdown as uncached_markdown
from ops.bench.uncached import rows as uncached_rows
from ops.bench.uncached import targets as uncached_targets

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
BIN = Path(PYTHON).parent

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
DURATION = int(os.environ.get("BENCH_DURATION", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '10')}"
PORT = int(os.environ.get("BENCH_PORT", "8731"))
WRK_THREADS = 2
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REUSE = os.environ.get("BENCH_REUSE_DATABASES") == "1"
#: The whole run must end within this many seconds. It was 14 minutes for the cached pages;
#: the uncached pages (18 of them, in-process, one at a time and under load at both sizes)
#: add about 6 minutes, and a machine busy with other work (load 10 on 2 cores) stretches both.
TIME_LIMIT = 25 * 60

#: The visitors' pages, served from their shared cache.
PAGES = ["L1", "L2", "S1", "S2", "D1"]
LOADED_PAGES = list(PAGES)
#: Seconds per load and rounds for the uncached pages with a throughput target.
UNCACHED_DURATION = int(os.environ.get("BENCH_UNCACHED_DURATION", "4"))
UNCACHED_ROUNDS = int(os.environ.get("BENCH_UNCACHED_ROUNDS", "3"))
FLOOR_PATH = "/bench/floor/"
DESCRIPTIONS = {
    "floor": "trivial page, same server and middleware",
    "L1": "visitor, cached: /listings/ page 1",
    "L2": "visitor, cached: industry + remote, page 20",
    "S1": "visitor, cached: search, rare term",
    "S2": "visitor, cached: search, common term",
    "D1": "visitor, cached: listing detail",
}
TARGETS = {
    # page: (throughput ÷ floor at least, p95 growth 100k ÷ 10k at most)
    "L1": (0.33, 1.3),
    "D1": (0.33, 1.3),
    "L2": (0.25, 1.3),
    "S1": (0.25, 1.3),
    "S2": (0.15, 2.0),
}
STARTED = time.monotonic()


def say(message: str) -> None:
    elapsed = time.monotonic() - STARTED
    print(f"[{elapsed:6.1f}s] {message}", flush=True)  # noqa: T201 - the runner's progress


def check_time(phase: str) -> None:
    if time.monotonic() - STARTED > TIME_LIMIT:
        raise SystemExit(f"Stopped before {phase}: the run took longer than {TIME_LIMIT}s.")


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


# --- Set-up ----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: installing Debian's package")
    apt = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(apt, check=False, timeout=300).returncode != 0:  # noqa: S603
        subprocess.run(["apt-get", "update"], check=True, timeout=300)  # noqa: S607
        subprocess.run(apt, check=True, timeout=300)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed; install it with `apt-get install wrk`.")
    return found


def base_env(secret_key: str) -> dict[str, str]:
    """The production configuration, on loopback, with the floor page switched on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TEST_", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="microintern.settings",
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        # Logging in over plain http on loopback needs cookies without the Secure flag.
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        BENCHMARK_FLOOR="true",
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=REDIS_URL,
        BENCH_MAIL_REDIS_URL=REDIS_URL,
        EMAIL_URL="dummymail://",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    for name in ("BENCH_FANOUT_COUNT",):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def run(args: list[str], env: dict[str, str], timeout: int, what: str) -> str:
    """Run a command in the repository; its stdout, or exit with its output on failure."""
    result = subprocess.run(  # noqa: S603 - fixed commands from this module
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def last_json(output: str) -> dict:
    for line in reversed(output.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"No JSON result in:\n{output[-2000:]}")


def postgres(sql: str, database: str = "postgres") -> list[tuple]:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/{database}", autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def database_exists(name: str) -> bool:
    return bool(postgres(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))  # noqa: S608


def prepare_database(size: int, env: dict[str, str]) -> dict:
    """A fresh database with `size` published listings, vacuumed and analysed."""
    name = f"bench_{label(size)}"
    env = {**env, "DATABASE_URL": f"{POSTGRES}/{name}", "CACHE_KEY_PREFIX": name}
    if REUSE and database_exists(name):
        say(f"{name}: reusing the seeded database (migrating it to this branch)")
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env, 600, f"migrate {name}")
        seeded = {"reused": True}
    else:
        say(f"{name}: creating")
        postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        postgres(f'CREATE DATABASE "{name}"')
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env, 600, f"migrate {name}")
        say(f"{name}: seeding {size} published listings")
        output = run(
            [PYTHON, "-m", "ops.bench.seed", "--listings", str(size)], env, 900, f"seed {name}"
        )
        for line in output.splitlines():
            if line.startswith("  seed:"):
                say(f"{name}:{line.removeprefix('  seed:')}")
        seeded = last_json(output)
        say(f"{name}: seeded in {seeded['seconds']}s ({seeded['open_listings']} open)")
    postgres("VACUUM ANALYZE", name)
    return {"name": name, "env": env, "seed": seeded}


# --- Serving and loading ---------------------------------------------------------------------


class Server:
    """gunicorn with the production settings on a loopback port."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "microintern.wsgi", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url(path), timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer on port {self.port}; see {self.log.name}")

    def settle(self, timeout: float = 10) -> None:
        """Wait until the server is idle again (requests left over from a load are done)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url(FLOOR_PATH), timeout=timeout) as response:  # noqa: S310
                    response.read()
            except (urllib.error.URLError, TimeoutError):
                continue
            if time.perf_counter() - started < 0.05:
                return
            time.sleep(0.2)

    def workers(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory (VmHWM) of each worker process, in MB."""
        peaks = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        if not peaks:
            return {}
        return {"max": round(max(peaks), 1), "mean": round(sum(peaks) / len(peaks), 1)}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def warm_up(server: Server, urls: dict[str, str], cookies: dict[str, str]) -> None:
    """A few requests per page so every worker thread has its connection and templates."""
    for name, path in urls.items():
        request = urllib.request.Request(server.url(path))  # noqa: S310
        if name in cookies:
            request.add_header("Cookie", cookies[name])
        for _ in range(12):
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()


def load(
    wrk: str,
    server: Server,
    path: str,
    cookie: str | None,
    searches: FreshSearches | None = None,
    duration: int = DURATION,
) -> dict:
    """wrk at fixed concurrency for `duration` seconds: throughput, latency, errors.
    With `searches`, every request asks for a search no request asked for before."""
    script = Path(__file__).resolve().parent / "report.lua"
    extra = []
    if searches is not None:
        combined = RESULTS / "fresh.lua.tmp"
        here = Path(__file__).resolve().parent
        combined.write_text((here / "fresh.lua").read_text() + (here / "report.lua").read_text())
        first = searches.used
        script, extra = combined, [str(searches.file), str(first), str(WRK_THREADS)]
    args = [
        wrk,
        "--threads",
        str(WRK_THREADS),
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{duration}s",
        "--timeout",
        "10s",
        "--script",
        str(script),
    ]
    if cookie:
        args += ["--header", f"Cookie: {cookie}"]
    result = last_json(
        run([*args, server.url(path), *extra], os.environ.copy(), duration + 60, f"wrk {path}")
    )
    seconds = result["duration_us"] / 1e6
    errors = sum(value for key, value in result.items() if key.startswith("errors_"))
    if searches is not None:
        # Every request sent, answered or still open when the run stopped, used a search.
        searches.take(result["requests"] + errors + CONNECTIONS)
    return {
        "requests": result["requests"],
        "rps": round(result["requests"] / seconds, 1),
        "p50_ms": round(result["p50_us"] / 1000, 1),
        "p95_ms": round(result["p95_us"] / 1000, 1),
        "p99_ms": round(result["p99_us"] / 1000, 1),
        "errors": errors,
    }


def measure(databases: list[dict], wrk: str) -> dict:
    """Every page at every size, side by side (see the module docstring)."""
    probes, probed = {}, {}
    for index, database in enumerate(databases):
        name = database["name"]
        largest = index == len(databases) - 1
        args = [PYTHON, "-m", "ops.bench.probe"]
        if largest:
            args += ["--explain", str(RESULTS)]
        say(f"{name}: counting queries and render times per page in-process")
        probes[name] = last_json(run(args, database["env"], 600, f"probe {name}"))
        # One timed render each: the latency is measured over HTTP; this is for the queries.
        args = [PYTHON, "-m", "ops.bench.inprocess", "--repeat", "1"]
        if largest:
            args += ["--explain", str(RESULTS)]
        say(f"{name}: the uncached pages in-process (queries, slowest query)")
        probed[name] = last_json(run(args, database["env"], 900, f"in-process {name}"))
    searches = FreshSearches(RESULTS)

    servers: dict[str, Server] = {}
    try:
        for index, database in enumerate(databases):
            name = database["name"]
            log = RESULTS / f"gunicorn-{label_of(name)}.log.tmp"
            servers[name] = Server(database["env"], PORT + index, log)
        names = list(servers)
        # What to load for each page at each size: (path, cookie, fresh searches or None).
        targets: dict[str, dict[str, tuple]] = {}
        for name, server in servers.items():
            server.wait_ready(probes[name]["urls"]["floor"])
            warm_up(server, probes[name]["urls"], probes[name]["cookies"])
            uncached = addresses(probed[name])
            warm_up_uncached(server, uncached)
            targets[name] = {
                page: (probes[name]["urls"][page], probes[name]["cookies"].get(page), None)
                for page in LOADED_PAGES
                if page in probes[name]["urls"]
            }
            for code, address in uncached.items():
                if BY_CODE[code].throughput_target is not None:
                    fresh = searches if address.fresh else None
                    targets[name][code] = (address.path, address.cookie, fresh)
        loaded = [p for p in targets[names[0]] if all(p in targets[n] for n in names)]
        floors: list[dict] = []
        rounds: dict[str, dict[str, list[dict]]] = {n: {p: [] for p in loaded} for n in names}

        def floor() -> dict:
            server = servers[names[len(floors) % len(names)]]
            server.settle()
            floors.append(load(wrk, server, FLOOR_PATH, None))
            return floors[-1]

        floor()
        for page in loaded:
            check_time(f"loading {page}")
            # A page rendered afresh answers in tenths of a second: longer runs, so that a run
            # counts more than the few requests that fit in two seconds at 8 connections.
            duration, rounds_of_page = (
                (UNCACHED_DURATION, UNCACHED_ROUNDS) if page in BY_CODE else (DURATION, ROUNDS)
            )
            for round_index in range(rounds_of_page):
                before = floors[-1]
                runs = {}
                # Sizes take turns going first, so that a drifting machine favours neither.
                for name in names if round_index % 2 == 0 else names[::-1]:
                    servers[name].settle()
                    runs[name] = load(wrk, servers[name], *targets[name][page], duration=duration)
                after = floor()
                for name, figures in runs.items():
                    figures["floor_rps"] = round((before["rps"] + after["rps"]) / 2, 1)
                    figures["ratio"] = round(figures["rps"] / max(figures["floor_rps"], 0.1), 3)
                    rounds[name][page].append(figures)
            say(
                f"{page}: "
                + ", ".join(
                    f"{label_of(n)} {median(r['rps'] for r in rounds[n][page]):.0f} req/s "
                    f"(÷ floor {median(r['ratio'] for r in rounds[n][page]):.2f})"
                    for n in names
                )
                + f"; floor now {floors[-1]['rps']:.0f} req/s"
            )
        latencies: dict[str, dict[str, dict]] = {n: {} for n in names}
        for code in BY_CODE:
            check_time(f"timing {code}")
            # The same new searches at every size: the sizes compare like with like.
            first = searches.take(LATENCY_REQUESTS) if BY_CODE[code].path == "{fresh_search}" else 0
            for name in names:
                address = addresses(probed[name]).get(code)
                if address is None:
                    continue
                servers[name].settle()
                latencies[name][code] = latency(servers[name].url, address, searches, first)
            say(
                f"{code}: "
                + ", ".join(
                    f"{label_of(n)} p50 {latencies[n][code]['p50_ms']} / "
                    f"p95 {latencies[n][code]['p95_ms']} ms"
                    for n in names
                    if code in latencies[n]
                )
            )
        rss = {name: server.peak_rss_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
        searches.file.unlink(missing_ok=True)

    sizes = {}
    for database in databases:
        name = database["name"]
        pages = {page: aggregate(runs) for page, runs in rounds[name].items()}
        sizes[label_of(name)] = {
            "database": name,
            "seed": database["seed"],
            "urls": probes[name]["urls"],
            "queries": probes[name]["queries"],
            "queries_cached": probes[name]["queries_cached"],
            "render_ms": probes[name]["render_ms"],
            "pages": pages,
            "uncached": {"probe": probed[name]["pages"], "latency": latencies[name]},
            "rounds": rounds[name],
            "peak_rss_mb": rss[name],
        }
    return {"sizes": sizes, "floors": floors, "repeated_searches": searches.repeated}


def warm_up_uncached(server: Server, pages: dict[str, Address]) -> None:
    """Three requests per uncached page, so that every worker has compiled its templates."""
    for address in pages.values():
        if address.fresh:
            continue
        request = urllib.request.Request(server.url(address.path))  # noqa: S310
        if address.cookie:
            request.add_header("Cookie", address.cookie)
        for _ in range(3):
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()


def median(values) -> float:
    return statistics.median(list(values))


def aggregate(runs: list[dict]) -> dict:
    """The median of each figure over the rounds."""
    keys = ("rps", "ratio", "floor_rps", "p50_ms", "p95_ms", "p99_ms")
    figures = {key: round(median(run[key] for run in runs), 3) for key in keys}
    figures["errors"] = sum(run["errors"] for run in runs)
    figures["requests"] = sum(run["requests"] for run in runs)
    return figures


def label_of(database: str) -> str:
    return database.removeprefix("bench_")


def fanout(database: dict) -> dict:
    budget = int(TIME_LIMIT - (time.monotonic() - STARTED) - 20)
    say(f"reminder fan-out on {database['name']} (at most {budget} s)")
    env = {
        **database["env"],
        "DJANGO_SETTINGS_MODULE": "ops.bench.settings",
        "BENCH_FANOUT_SECONDS": str(budget),
    }
    result = last_json(run([PYTHON, "-m", "ops.bench.fanout"], env, budget + 120, "fan-out"))
    say(
        f"fan-out: {result['sent']} sent in {result['measured_seconds']} s"
        + ("" if result["finished"] else " (out of time: projected from the pace so far)")
    )
    return result


# --- Figures ---------------------------------------------------------------------------------


def summarise(
    sizes: dict[str, dict], fan: dict | None, repeated_searches: int = 0
) -> tuple[dict, dict, list[dict]]:
    """The cached pages' rows, the uncached pages' rows, and every target with its figure."""
    small, large = min(sizes, key=_size_key), max(sizes, key=_size_key)
    summary = {}
    for page in PAGES:
        if page not in sizes[large]["pages"]:
            continue
        row = {}
        for size, data in sizes.items():
            row[f"ratio_{size}"] = data["pages"][page].get("ratio")
            row[f"queries_{size}"] = data["queries"].get(page)
            row[f"queries_cached_{size}"] = data["queries_cached"].get(page)
            row[f"render_ms_{size}"] = data["render_ms"].get(page)
        # The medians over the rounds, each taken seconds from the other size's.
        p95s = [sizes[n]["pages"][page]["p95_ms"] for n in (small, large)]
        row["p95_growth"] = round(p95s[1] / p95s[0], 2) if all(p95s) else None
        summary[page] = row

    targets = []
    for page, (ratio, growth) in TARGETS.items():
        if page not in summary:
            continue
        worst = min(summary[page][f"ratio_{s}"] for s in sizes)
        targets.append(_target(f"{page} throughput ÷ floor", f"≥ {ratio}", worst, worst >= ratio))
        value = summary[page]["p95_growth"]
        targets.append(
            _target(f"{page} p95 {large} ÷ {small}", f"≤ {growth}", value, value <= growth)
        )
    for page in summary:
        counts = [summary[page][f"queries_{s}"] for s in sizes]
        cached = [summary[page][f"queries_cached_{s}"] for s in sizes]
        targets.append(
            _target(
                f"{page} SQL queries {' / '.join(sizes)}",
                "equal" + (", ≤ 6" if page == "L1" else ""),
                " / ".join(str(c) for c in counts),
                len(set(counts)) == 1
                and len(set(cached)) == 1
                and (page != "L1" or counts[0] <= 6),
            )
        )
    uncached = uncached_rows(sizes, small, large)
    targets += uncached_targets(uncached, list(sizes), large, small, _target)
    # N1 is a new search on every request only while the addresses last; a repeated one would
    # be answered from the visitors' cache.
    targets.append(
        _target(
            "N1 requests that repeated a search", "0", repeated_searches, repeated_searches == 0
        )
    )
    if fan:
        shown = fan["ratio"] if fan["finished"] else f"{fan['ratio']} (projected, unfinished)"
        targets.append(_target("fan-out ÷ render", "≤ 3", shown, fan["ratio"] <= 3))
        rerun = "not run (out of time)" if fan["rerun_sent"] is None else fan["rerun_sent"]
        clean = fan["rerun_sent"] == 0 and fan["duplicates"] == 0
        targets.append(
            _target(
                "fan-out re-run sent / duplicates",
                "0 / 0",
                f"{rerun} / {fan['duplicates']}",
                clean,
            )
        )
    return summary, uncached, targets


def _size_key(size: str) -> int:
    return int(size.rstrip("k")) * (1000 if size.endswith("k") else 1)


def _target(figure: str, target: str, value, met: bool) -> dict:
    return {"figure": figure, "target": target, "value": value, "met": bool(met)}


def markdown(result: dict) -> str:
    sizes = result["sizes"]
    names = list(sizes)
    config = result["config"]
    floors = result["floors"]
    floor_rps = sum(f["rps"] for f in floors) / len(floors)
    lines = [
        f"Measured {result['date']} on {result['machine']['cores']} cores "
        f"({result['machine']['cpu']}), PostgreSQL {result['machine']['postgres']}, "
        f"Python {result['machine']['python']}; gunicorn {config['workers']} workers × "
        f"{config['threads']} threads; wrk {config['connections']} connections, "
        f"{config['duration']} s per page; run took {result['seconds']:.0f} s. "
        "Command: `make bench`.",
        "",
        f"Floor (trivial page, same server and middleware): {floor_rps:.0f} req/s on average "
        f"over {len(floors)} runs between the pages (from {min(f['rps'] for f in floors):.0f} "
        f"to {max(f['rps'] for f in floors):.0f}); each page's ratio uses the two runs around it.",
        "",
        "| page | what | "
        + " | ".join(f"req/s {n} | ÷ floor {n} | p50 / p95 ms {n}" for n in names)
        + " | p95 "
        + " ÷ ".join(reversed(names))
        + " | queries "
        + " / ".join(names)
        + " | fresh render ms "
        + " / ".join(names)
        + " |",
        "|---|---|" + "---:|---:|---:|" * len(names) + "---:|---:|---:|",
    ]
    for page, row in result["summary"].items():
        cells = " | ".join(
            f"{_cell(sizes[n]['pages'][page].get('rps'))} | {_cell(row[f'ratio_{n}'], 2)} | "
            f"{_cell(sizes[n]['pages'][page]['p50_ms'])} / "
            f"{_cell(sizes[n]['pages'][page]['p95_ms'])}"
            for n in names
        )
        queries = " / ".join(
            str(row[f"queries_{n}"])
            if row[f"queries_{n}"] == row[f"queries_cached_{n}"]
            else f"{row[f'queries_{n}']} ({row[f'queries_cached_{n}']} cached)"
            for n in names
        )
        render = " / ".join(str(row[f"render_ms_{n}"]) for n in names)
        lines.append(
            f"| {page} | {DESCRIPTIONS[page]} | {cells} | {_cell(row['p95_growth'], 2)} "
            f"| {queries} | {render} |"
        )
    rss = " / ".join(f"{sizes[n]['peak_rss_mb'].get('max', '?')} MB at {n}" for n in names)
    lines += [
        "",
        "Figures are medians over the rounds. Queries: on a fresh render (in brackets: when "
        "a visitor's copy is served from the cache). Fresh render ms: median in-process time "
        "to render the page without the visitors' cache (wall clock, same shared machine). "
        "The cached rows load the visitors' pages as served from their shared cache.",
        "",
        f"Peak memory per gunicorn worker (VmHWM): {rss}.",
    ]
    fan = result.get("fanout")
    if fan:
        if fan["finished"]:
            took = f"in {fan['fanout_seconds']} s"
        else:
            took = (
                f"in a projected {fan['fanout_seconds']} s (stopped after "
                f"{fan['measured_seconds']} s with {fan['sent']} sent, to keep the run bounded)"
            )
        rerun = (
            f"the re-run queued {fan['rerun_queued']} and sent {fan['rerun_sent']} "
            f"in {fan['rerun_seconds']} s"
            if fan["rerun_sent"] is not None
            else "no time was left for the re-run"
        )
        lines += [
            "",
            f"Reminder fan-out (`send_reminders` on a Celery worker, concurrency 2): "
            f"{fan['reminders']} reminders queued and delivered {took}: queued over "
            f"{fan['queue_seconds']} s (the workers sending each batch as it is stored), the "
            f"last sent {fan['deliver_seconds']} s after the last was queued. Rendering the same "
            f"emails alone takes {fan['render_seconds']} s: ratio {fan['ratio']}. "
            f"Duplicates {fan['duplicates']}; {rerun}.",
        ]
    lines += [
        "",
        "Pages rendered afresh on every request, each for the person who opens it (a new "
        f"search on every request for the visitor's N1): {LATENCY_REQUESTS} requests one at "
        "a time per page and size for p50 / p95; the pages with a throughput target loaded "
        "like the cached ones; queries counted in-process; the slowest query of each page "
        f"at {names[-1]} with its plan in `explain_<page>.txt`.",
        "",
        *uncached_markdown(result["uncached"], names),
    ]
    lines += ["", "| figure | target | measured | met |", "|---|---|---|---|"]
    for target in result["targets"]:
        lines.append(
            f"| {target['figure']} | {target['target']} | {target['value']} | "
            f"{'yes' if target['met'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


README = ROOT / "README.md"
SUMMARY_START = "<!-- make bench: summary (written by ops/bench/runner.py) -->"
SUMMARY_END = "<!-- make bench: end of summary -->"


def summary_table(result: dict) -> str:
    """One line per page: its figures at the largest size and whether its targets are met."""
    sizes = list(result["sizes"])
    large = sizes[-1]
    by_page: dict[str, list[bool]] = {}
    for target in result["targets"]:
        by_page.setdefault(target["figure"].split(" ", 1)[0], []).append(target["met"])
    lines = [
        f"Latest run: {result['date']}, {result['seconds']:.0f} s "
        f"({result['machine']['cores']} cores, PostgreSQL {result['machine']['postgres']}). "
        "Every figure, the targets one by one and the query plans: "
        "[ops/bench/results/latest.md](ops/bench/results/latest.md).",
        "",
        f"| page | who | what | p50 / p95 ms at {large} | p95 {large} ÷ {sizes[0]} "
        "| throughput ÷ floor | queries | targets met |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for code, row in result["uncached"].items():
        load = row[large]["load"]
        met = by_page.get(code, [])
        lines.append(
            f"| {code} | {row['role']} | {row['what']} | {_cell(row[large]['p50_ms'])} / "
            f"{_cell(row[large]['p95_ms'])} | {_cell(row['p95_growth'], 2)} | "
            f"{_cell(load['ratio'], 2) if load else '–'} | {row[large]['queries']} | "
            f"{'yes' if all(met) else f'**no** ({met.count(False)} of {len(met)})'} |"
        )
    for page, row in result["summary"].items():
        figures = result["sizes"][large]["pages"][page]
        met = by_page.get(page, [])
        lines.append(
            f"| {page} | visitor | {DESCRIPTIONS[page].removeprefix('visitor, ')} | "
            f"{_cell(figures['p50_ms'])} / {_cell(figures['p95_ms'])} | "
            f"{_cell(row['p95_growth'], 2)} | {_cell(row[f'ratio_{large}'], 2)} | "
            f"{row[f'queries_{large}']} | "
            f"{'yes' if all(met) else f'**no** ({met.count(False)} of {len(met)})'} |"
        )
    return "\n".join(lines)


def update_readme(result: dict) -> None:
    """Replace the summary in the README's Performance section with this run's."""
    text = README.read_text()
    if SUMMARY_START not in text or SUMMARY_END not in text:
        say("README.md has no summary markers: left as it is")
        return
    before, rest = text.split(SUMMARY_START, 1)
    _old, after = rest.split(SUMMARY_END, 1)
    README.write_text(f"{before}{SUMMARY_START}\n{summary_table(result)}\n{SUMMARY_END}{after}")


def _cell(value, digits: int | None = None) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if digits is not None else f"{value:g}"


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = postgres("SHOW server_version")[0][0]
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "postgres": version,
        "python": platform.python_version(),
    }


def gunicorn_config(env: dict[str, str]) -> dict:
    code = (
        "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({'workers': c['workers'], 'threads': c['threads']}))"
    )
    return json.loads(run([PYTHON, "-c", code], env, 30, "reading gunicorn.conf.py"))


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    env = base_env(secrets.token_urlsafe(50))
    config = {
        **gunicorn_config(env),
        "connections": CONNECTIONS,
        "duration": DURATION,
        "sizes": SIZES,
    }
    say(f"collecting static files; redis {REDIS_URL} is the benchmark's own")
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env, 300, "collectstatic")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()

    databases = []
    for size in SIZES:
        check_time(f"seeding {size}")
        databases.append(prepare_database(size, env))

    measured = measure(databases, wrk)
    sizes = measured["sizes"]

    check_time("the fan-out")
    fan = fanout(databases[0])
    summary, uncached, targets = summarise(sizes, fan, measured["repeated_searches"])
    result = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "config": config,
        "sizes": sizes,
        "floors": measured["floors"],
        "summary": summary,
        "uncached": uncached,
        "fanout": fan,
        "targets": targets,
        "seconds": round(time.monotonic() - STARTED, 1),
    }
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = markdown(result)
    (RESULTS / "latest.md").write_text(table)
    update_readme(result)
    print("\n" + table)  # noqa: T201 - the table is the command's output
    say(f"done; results in {RESULTS.relative_to(ROOT)}/latest.md and latest.json")


if __name__ == "__main__":
    main()
