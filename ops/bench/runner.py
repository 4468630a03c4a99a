"""`make bench`: MicroIntern's pages at 10 000 and 100 000 listings, side by side, in one run.

For each size: a fresh database seeded by ops.bench.seed, VACUUM ANALYZE, the production
configuration under gunicorn (gunicorn.conf.py, DEBUG off, whitenoise, every middleware) on a
loopback port, then wrk at a fixed concurrency for a fixed time against each page and the
floor (a trivial page through the same stack). Then the reminder fan-out (ops.bench.fanout).
Writes ops/bench/results/latest.json, latest.md and the EXPLAIN plans at the largest size, and
prints the table. Absolute figures depend on the machine; the ratios are what to compare.

Each page is loaded in ROUNDS short rounds; in each round the floor, the page at every size,
then the next floor run back to back, and every figure is the median over the rounds: on a
machine shared with other work, that keeps each ratio to figures taken seconds apart.
The staff reports dashboard (R1), whose target is a latency, gets sequential requests.

Environment knobs (defaults in brackets): BENCH_SIZES [10000,100000], BENCH_DURATION seconds
per load [2], BENCH_ROUNDS [5], BENCH_CONNECTIONS [8], BENCH_REDIS_DB [10], BENCH_PORT [8731],
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
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REUSE = os.environ.get("BENCH_REUSE_DATABASES") == "1"
#: The whole run must end within this many seconds (the issue asks for under 15 minutes).
TIME_LIMIT = 14 * 60

PAGES = ["L1", "L2", "S1", "S2", "D1", "A1", "R1"]
#: Pages loaded with wrk; R1 is measured by the latency of sequential requests.
LOADED_PAGES = ["L1", "L2", "S1", "S2", "D1", "A1"]
FLOOR_PATH = "/bench/floor/"
DESCRIPTIONS = {
    "floor": "trivial page, same server and middleware",
    "L1": "/listings/ page 1",
    "L2": "industry + remote, page 20",
    "S1": "search, rare term",
    "S2": "search, common term",
    "D1": "listing detail",
    "A1": "student dashboard, 50 applications",
    "R1": "staff reports dashboard",
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
        say(f"{name}: reusing the seeded database")
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


def load(wrk: str, server: Server, path: str, cookie: str | None) -> dict:
    """wrk at fixed concurrency for DURATION seconds: throughput, latency, errors."""
    duration = DURATION
    args = [
        wrk,
        "--threads",
        "2",
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{duration}s",
        "--timeout",
        "10s",
        "--script",
        str(Path(__file__).resolve().parent / "report.lua"),
    ]
    if cookie:
        args += ["--header", f"Cookie: {cookie}"]
    result = last_json(
        run([*args, server.url(path)], os.environ.copy(), duration + 60, f"wrk {path}")
    )
    seconds = result["duration_us"] / 1e6
    errors = sum(value for key, value in result.items() if key.startswith("errors_"))
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
    probes = {}
    for index, database in enumerate(databases):
        name = database["name"]
        args = [PYTHON, "-m", "ops.bench.probe"]
        if index == len(databases) - 1:
            args += ["--explain", str(RESULTS)]
        say(f"{name}: counting queries and render times per page in-process")
        probes[name] = last_json(run(args, database["env"], 600, f"probe {name}"))

    servers: dict[str, Server] = {}
    try:
        for index, database in enumerate(databases):
            name = database["name"]
            log = RESULTS / f"gunicorn-{label_of(name)}.log.tmp"
            servers[name] = Server(database["env"], PORT + index, log)
        for name, server in servers.items():
            server.wait_ready(probes[name]["urls"]["floor"])
            warm_up(server, probes[name]["urls"], probes[name]["cookies"])
        names = list(servers)
        loaded = [p for p in LOADED_PAGES if all(p in probes[n]["urls"] for n in names)]
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
            for round_index in range(ROUNDS):
                before = floors[-1]
                runs = {}
                # Sizes take turns going first, so that a drifting machine favours neither.
                for name in names if round_index % 2 == 0 else names[::-1]:
                    urls, cookies = probes[name]["urls"], probes[name]["cookies"]
                    servers[name].settle()
                    runs[name] = load(wrk, servers[name], urls[page], cookies.get(page))
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
        sequential = {}
        for name in names:
            if "R1" in probes[name]["urls"]:
                check_time(f"R1 at {name}")
                urls, cookies = probes[name]["urls"], probes[name]["cookies"]
                sequential[name] = {"R1": timed_requests(servers[name], urls["R1"], cookies["R1"])}
                say(f"{label_of(name)} R1: {sequential[name]['R1']}")
        rss = {name: server.peak_rss_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()

    sizes = {}
    for database in databases:
        name = database["name"]
        pages = {page: aggregate(runs) for page, runs in rounds[name].items()}
        pages.update(sequential.get(name, {}))
        sizes[label_of(name)] = {
            "database": name,
            "seed": database["seed"],
            "urls": probes[name]["urls"],
            "queries": probes[name]["queries"],
            "queries_cached": probes[name]["queries_cached"],
            "render_ms": probes[name]["render_ms"],
            "pages": pages,
            "rounds": rounds[name],
            "peak_rss_mb": rss[name],
        }
    return {"sizes": sizes, "floors": floors}


def median(values) -> float:
    return statistics.median(list(values))


def aggregate(runs: list[dict]) -> dict:
    """The median of each figure over the rounds."""
    keys = ("rps", "ratio", "floor_rps", "p50_ms", "p95_ms", "p99_ms")
    figures = {key: round(median(run[key] for run in runs), 3) for key in keys}
    figures["errors"] = sum(run["errors"] for run in runs)
    figures["requests"] = sum(run["requests"] for run in runs)
    return figures


def timed_requests(server: Server, path: str, cookie: str) -> dict:
    """Sequential requests for a page measured by its latency (at most 5, within 60 s)."""
    request = urllib.request.Request(server.url(path), headers={"Cookie": cookie})  # noqa: S310
    latencies, errors = [], 0
    deadline = time.monotonic() + 60
    while len(latencies) + errors < 5 and time.monotonic() < deadline:
        server.settle()
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
        except (urllib.error.URLError, TimeoutError):
            errors += 1
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    if not latencies:
        return {"requests": 0, "errors": errors, "p50_ms": None, "p95_ms": None}
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(median(latencies), 1),
        # With five samples, the slowest stands for the 95th percentile.
        "p95_ms": round(latencies[-1], 1),
    }


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


def summarise(sizes: dict[str, dict], fan: dict | None) -> tuple[dict, list[dict]]:
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
    if "R1" in summary:
        p95 = sizes[large]["pages"]["R1"]["p95_ms"]
        shown = f"{p95} ms" if p95 is not None else "no answer within 60 s"
        targets.append(
            _target(
                f"R1 slowest of 5 at {large}", "< 1000 ms", shown, p95 is not None and p95 < 1000
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
    return summary, targets


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
        "R1 gets five sequential requests: its p95 column is the slowest of them.",
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
    lines += ["", "| figure | target | measured | met |", "|---|---|---|---|"]
    for target in result["targets"]:
        lines.append(
            f"| {target['figure']} | {target['target']} | {target['value']} | "
            f"{'yes' if target['met'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


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
    summary, targets = summarise(sizes, fan)
    result = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "config": config,
        "sizes": sizes,
        "floors": measured["floors"],
        "summary": summary,
        "fanout": fan,
        "targets": targets,
        "seconds": round(time.monotonic() - STARTED, 1),
    }
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = markdown(result)
    (RESULTS / "latest.md").write_text(table)
    print("\n" + table)  # noqa: T201 - the table is the command's output
    say(f"done; results in {RESULTS.relative_to(ROOT)}/latest.md and latest.json")


if __name__ == "__main__":
    main()
