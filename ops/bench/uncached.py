"""The uncached pages in `make bench`: their addresses, sequential latency and figures.

runner.py calls these: `addresses` turns a database's in-process probe (ops.bench.inprocess)
into what to request for each page (address, cookie, or a new search each time); `latency`
times requests one at a time; `rows` and `targets` make the figures of the summary.
"""

from __future__ import annotations

import statistics
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ops.bench.pages import UNCACHED, fresh_searches

BY_CODE = {page.code: page for page in UNCACHED}
#: Sequential requests per page and size, and the most seconds they may take.
LATENCY_REQUESTS = 20
LATENCY_SECONDS = 8
#: p95 at the largest size ÷ p95 at the smallest, at most.
GROWTH_TARGET = 1.5


@dataclass
class Address:
    """What to request for one page: a path, or the next of the fresh searches each time."""

    path: str
    cookie: str | None
    fresh: bool = False


class FreshSearches:
    """The visitors' searches, handed out so that no two requests of a run are the same."""

    def __init__(self, directory: Path) -> None:
        self.paths = fresh_searches()
        self.file = directory / "fresh_searches.txt.tmp"
        self.file.write_text("\n".join(self.paths) + "\n")
        self.used = 0

    def take(self, count: int) -> int:
        """Reserve `count` searches; the index of the first."""
        start = self.used
        self.used += count
        return start

    def path(self, index: int) -> str:
        return self.paths[index % len(self.paths)]

    @property
    def repeated(self) -> int:
        """How many requests asked for a search asked for before (then served from the cache)."""
        return max(self.used - len(self.paths), 0)


def addresses(probe: dict) -> dict[str, Address]:
    """Each uncached page's address at one size, from the in-process probe of its database."""
    found = {}
    for code in probe["pages"]:
        page = BY_CODE[code]
        cookie = probe["cookies"][page.role] if page.role else None
        if page.path == "{fresh_search}":
            found[code] = Address("/listings/", cookie, fresh=True)
        else:
            found[code] = Address(probe["paths"][code], cookie)
    return found


def latency(url, address: Address, searches: FreshSearches, first: int | None = None) -> dict:
    """Sequential requests (LATENCY_REQUESTS, within LATENCY_SECONDS): p50, p95, slowest.

    A fresh-search page asks for the searches from `first` on (reserved here if not given):
    the runner gives every size the same ones, each new to its server and its cache.
    """
    if first is None:
        first = searches.take(LATENCY_REQUESTS) if address.fresh else 0
    samples, errors = [], 0
    deadline = time.monotonic() + LATENCY_SECONDS
    while len(samples) + errors < LATENCY_REQUESTS and (not samples or time.monotonic() < deadline):
        index = len(samples) + errors
        path = searches.path(first + index) if address.fresh else address.path
        request = urllib.request.Request(url(path))  # noqa: S310 - loopback
        if address.cookie:
            request.add_header("Cookie", address.cookie)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, TimeoutError):
            ok = False
        if not ok:
            errors += 1
            continue
        samples.append((time.perf_counter() - started) * 1000)
    if not samples:
        return {"requests": 0, "errors": errors, "p50_ms": None, "p95_ms": None}
    samples.sort()
    return {
        "requests": len(samples),
        "errors": errors,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))], 1),
        "max_ms": round(samples[-1], 1),
    }


def rows(sizes: dict[str, dict], small: str, large: str) -> dict[str, dict]:
    """Per page: latency, queries, in-process figures and load at each size, p95 growth."""
    table = {}
    for code in BY_CODE:
        if not all(code in sizes[s]["uncached"]["latency"] for s in sizes):
            continue
        row = {"what": BY_CODE[code].what, "role": BY_CODE[code].role or "visitor"}
        for size, data in sizes.items():
            probed = data["uncached"]["probe"][code]
            row[size] = {
                **data["uncached"]["latency"][code],
                "queries": probed["queries"],
                "render_ms": probed["render_ms"],
                "slowest_query_ms": probed["slowest_ms"],
                "load": data["pages"].get(code),
            }
        p95s = [row[s]["p95_ms"] for s in (small, large)]
        row["p95_growth"] = round(p95s[1] / p95s[0], 2) if all(p95s) else None
        table[code] = row
    return table


def targets(table: dict[str, dict], sizes: list[str], large: str, small: str, target) -> list:
    """The issue's targets for the uncached pages, each with its figure and whether it is met."""
    found = []
    for code, row in table.items():
        page = BY_CODE[code]
        p50_target, p95_target = page.latency_target
        p50, p95 = row[large]["p50_ms"], row[large]["p95_ms"]
        if p95_target is None:
            found.append(
                target(f"{code} p50 at {large}", f"≤ {p50_target} ms", p50, _le(p50, p50_target))
            )
        else:
            found.append(
                target(
                    f"{code} p50 / p95 at {large}",
                    f"≤ {p50_target} / ≤ {p95_target} ms",
                    f"{p50} / {p95}",
                    _le(p50, p50_target) and _le(p95, p95_target),
                )
            )
        growth = row["p95_growth"]
        found.append(
            target(
                f"{code} p95 {large} ÷ {small}",
                f"≤ {GROWTH_TARGET}",
                growth,
                _le(growth, GROWTH_TARGET),
            )
        )
        if page.throughput_target is not None:
            ratios = [(row[s]["load"] or {}).get("ratio") for s in sizes]
            worst = min((r for r in ratios if r is not None), default=None)
            found.append(
                target(
                    f"{code} throughput ÷ floor",
                    f"≥ {page.throughput_target}",
                    worst,
                    worst is not None and worst >= page.throughput_target,
                )
            )
        counts = [row[s]["queries"] for s in sizes]
        found.append(
            target(
                f"{code} SQL queries {' / '.join(sizes)}",
                "equal",
                " / ".join(str(c) for c in counts),
                len(set(counts)) == 1,
            )
        )
    return found


def _le(value, limit) -> bool:
    return value is not None and value <= limit


def markdown(table: dict[str, dict], sizes: list[str]) -> list[str]:
    """The uncached pages' table."""
    cell = _cell
    lines = [
        "| page | who | what | "
        + " | ".join(f"p50 / p95 ms {s}" for s in sizes)
        + " | p95 "
        + " ÷ ".join(reversed(sizes))
        + " | req/s ÷ floor "
        + " / ".join(sizes)
        + " | queries "
        + " / ".join(sizes)
        + " | slowest query ms "
        + " / ".join(sizes)
        + " |",
        "|---|---|---|" + "---:|" * len(sizes) + "---:|---:|---:|---:|",
    ]
    for code, row in table.items():
        latency = " | ".join(f"{cell(row[s]['p50_ms'])} / {cell(row[s]['p95_ms'])}" for s in sizes)
        loads = [row[s]["load"] for s in sizes]
        load = (
            " / ".join(f"{cell(x['rps'])} ÷ {cell(x['ratio'], 2)}" for x in loads)
            if all(loads)
            else "–"
        )
        queries = " / ".join(str(row[s]["queries"]) for s in sizes)
        slowest = " / ".join(cell(row[s]["slowest_query_ms"]) for s in sizes)
        lines.append(
            f"| {code} | {row['role']} | {row['what']} | {latency} | "
            f"{cell(row['p95_growth'], 2)} | {load} | {queries} | {slowest} |"
        )
    return lines


def _cell(value, digits: int | None = None) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if digits is not None else f"{value:g}"
