"""Charts as inline SVG, drawn on the server: no JavaScript, no inline styles.

Each chart is `role="img"` with a `<title>` and a `<desc>` that states what it shows in
words; the page puts the same numbers in a table beside it. Shapes carry only geometry
and SVG presentation attributes (which the content-security policy allows); colours and
type come from classes styled in static/css/reports.css. Series differ by more than
colour (dashed line, square markers, hatched-looking outline) so the charts read in
greyscale too.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def number(value: float) -> str:
    """1234 -> "1,234"; 12.5 -> "12.5"."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if isinstance(value, float):
            value = f"{value:.1f}".rstrip("0").rstrip(".")
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"')
    return "".join(parts)


def el(name: str, content: str = "", **attrs) -> str:
    """One SVG element; attribute values and text are escaped (text is already markup)."""
    if content:
        return f"<{name}{_attrs(attrs)}>{content}</{name}>"
    return f"<{name}{_attrs(attrs)}/>"


def text(value: str, **attrs) -> str:
    return el("text", escape(value), **attrs)


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round top for an axis and its tick step: 37 -> (40, 10); 0 -> (1, 1)."""
    if value <= 0:
        return 1, 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        step *= magnitude
        if value / step <= 5:
            step = max(step, 1)
            return step * math.ceil(value / step), step
    return value, value  # not reached


def svg(
    slug: str, title: str, description: str, width: int, height: int, parts: Sequence[str]
) -> SafeString:
    """The chart itself: its parts under a title and a description that name it to readers.

    Safe to put in a page as it is: every part was built with `el`/`text`, which escape.
    """
    return mark_safe(  # noqa: S308 (every value went through escape())
        el(
            "svg",
            el("title", escape(title), id=f"{slug}-title")
            + el("desc", escape(description), id=f"{slug}-desc")
            + "".join(parts),
            xmlns="http://www.w3.org/2000/svg",
            class_=f"chart chart-{slug}",
            viewBox=f"0 0 {width} {height}",
            role="img",
            aria_labelledby=f"{slug}-title {slug}-desc",
            focusable="false",
            preserveAspectRatio="xMidYMid meet",
        )
    )


@dataclass(frozen=True)
class Series:
    """A named sequence of values, one per point of the x axis."""

    name: str
    values: Sequence[int | float]


# --- Weekly time series ---------------------------------------------------------------------


def week_label(week: datetime.date) -> str:
    return f"{week:%-d %b}"


def describe_series(series: Series, weeks: Sequence[datetime.date]) -> str:
    total = sum(series.values)
    if not total:
        return f"{series.name}: none."
    peak = max(range(len(series.values)), key=lambda i: series.values[i])
    return (
        f"{series.name}: {number(total)} in total, most in the week of "
        f"{weeks[peak]:%-d %B %Y} ({number(series.values[peak])})."
    )


def line_chart(
    *, slug: str, title: str, weeks: Sequence[datetime.date], series: Sequence[Series]
) -> SafeString:
    """Weekly counts as lines with markers, a shared y axis starting at zero, and a legend."""
    width, height = 640, 300
    left, right, top, bottom = 52, 36, 40, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = nice_ceiling(max((v for s in series for v in s.values), default=0))

    def x(i: int) -> float:
        return left + (plot_w / 2 if len(weeks) < 2 else i * plot_w / (len(weeks) - 1))

    def y(value: float) -> float:
        return top + plot_h - value / top_value * plot_h

    parts = []
    grid = []
    ticks = []
    value = 0.0
    while value <= top_value + 1e-9:
        grid.append(el("line", x1=left, x2=width - right, y1=y(value), y2=y(value)))
        ticks.append(text(number(value), x=left - 8, y=y(value) + 4, text_anchor="end"))
        value += step
    parts.append(el("g", "".join(grid), class_="chart-grid"))
    parts.append(el("g", "".join(ticks), class_="chart-ticks"))
    every = max(1, math.ceil(len(weeks) / 8))
    labels = [
        text(week_label(week), x=x(i), y=height - bottom + 18, text_anchor="middle")
        for i, week in enumerate(weeks)
        if i % every == 0
    ]
    parts.append(el("g", "".join(labels), class_="chart-ticks"))
    parts.append(
        text(
            "Week starting",
            x=left + plot_w / 2,
            y=height - 6,
            text_anchor="middle",
            class_="chart-axis-title",
        )
    )
    for n, one in enumerate(series, start=1):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(one.values))
        shapes = [el("polyline", points=points, fill="none")] if len(weeks) > 1 else []
        for i, v in enumerate(one.values):
            if n == 1:
                shapes.append(el("circle", cx=x(i), cy=y(v), r=3.5))
            else:
                shapes.append(el("rect", x=x(i) - 3.5, y=y(v) - 3.5, width=7, height=7))
        parts.append(el("g", "".join(shapes), class_=f"chart-series chart-series-{n}"))
    legend = []
    for n, one in enumerate(series, start=1):
        lx = left + (n - 1) * 220
        marker = (
            el("circle", cx=lx + 12, cy=16, r=4)
            if n == 1
            else el("rect", x=lx + 8, y=12, width=8, height=8)
        )
        legend.append(
            el(
                "g",
                el("line", x1=lx, x2=lx + 24, y1=16, y2=16) + marker,
                class_=f"chart-series chart-series-{n}",
            )
            + text(one.name, x=lx + 30, y=20)
        )
    parts.append(el("g", "".join(legend), class_="chart-legend"))
    description = (
        f"Weekly counts for the {len(weeks)} week{'s' if len(weeks) != 1 else ''} starting "
        f"{weeks[0]:%-d %B %Y}. "
        if weeks
        else "No weeks in this period. "
    ) + " ".join(describe_series(one, weeks) for one in series)
    return svg(slug, title, description, width, height, parts)


# --- Horizontal bars by category -------------------------------------------------------------


def shorten(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(
    *, slug: str, title: str, categories: Sequence[str], series: Sequence[Series]
) -> SafeString:
    """Grouped horizontal bars, one group per category, the value written at each bar's end."""
    width = 640
    left, right, top = 180, 64, 40
    bar, gap = 14, 4
    group = len(series) * (bar + gap) + 12
    height = top + max(1, len(categories)) * group + 8
    plot_w = width - left - right
    top_value, _ = nice_ceiling(max((v for s in series for v in s.values), default=0))
    parts = []
    if not categories:
        parts.append(text("Nothing in this period.", x=left, y=top + 16))
    for c, category in enumerate(categories):
        y0 = top + c * group
        parts.append(
            text(
                shorten(category),
                x=left - 10,
                y=y0 + len(series) * (bar + gap) / 2 + 2,
                text_anchor="end",
                class_="chart-category",
            )
        )
        for n, one in enumerate(series, start=1):
            value = one.values[c]
            w = value / top_value * plot_w
            by = y0 + (n - 1) * (bar + gap)
            parts.append(
                el(
                    "g",
                    el("rect", x=left, y=by, width=max(w, 1 if value else 0), height=bar)
                    + text(number(value), x=left + w + 6, y=by + bar - 3, class_="chart-value"),
                    class_=f"chart-series chart-series-{n}",
                )
            )
    parts.append(el("line", x1=left, x2=left, y1=top - 6, y2=height - 8, class_="chart-baseline"))
    legend = []
    for n, one in enumerate(series, start=1):
        lx = left + (n - 1) * 200
        legend.append(
            el(
                "g",
                el("rect", x=lx, y=10, width=12, height=12),
                class_=f"chart-series chart-series-{n}",
            )
            + text(one.name, x=lx + 18, y=20)
        )
    parts.append(el("g", "".join(legend), class_="chart-legend"))
    if categories:
        leaders = []
        for one in series:
            best = max(range(len(categories)), key=lambda i: one.values[i])
            leaders.append(
                f"{one.name}: {number(sum(one.values))} in total, most in {categories[best]} "
                f"({number(one.values[best])})."
            )
        industries = "1 industry" if len(categories) == 1 else f"{len(categories)} industries"
        description = f"{industries}, largest first. " + " ".join(leaders)
    else:
        description = "No listings or applications in this period."
    return svg(slug, title, description, width, height, parts)


# --- Funnel -----------------------------------------------------------------------------------


def funnel_chart(*, slug: str, title: str, stages: Sequence[tuple[str, int]]) -> SafeString:
    """Stages as centred bars, each as wide as its share of the first stage."""
    width = 640
    left, right, top, row = 120, 150, 12, 46
    bar = 30
    height = top + len(stages) * row + 4
    plot_w = width - left - right
    first = stages[0][1] if stages else 0
    parts = []
    for i, (name, value) in enumerate(stages):
        y0 = top + i * row
        w = plot_w * (value / first) if first else 0
        x0 = left + (plot_w - w) / 2
        share = f" ({value / first:.0%} of {stages[0][0].lower()})" if first and i else ""
        parts.append(
            text(name, x=left - 10, y=y0 + bar / 2 + 5, text_anchor="end", class_="chart-category")
            + el(
                "g",
                el("rect", x=x0, y=y0, width=max(w, 1 if value else 0), height=bar, rx=3),
                class_=f"chart-series chart-funnel-{i + 1}",
            )
            + text(
                f"{number(value)}{share}",
                x=width - right + 8,
                y=y0 + bar / 2 + 5,
                class_="chart-value",
            )
        )
    if first:
        steps = [f"{number(stages[0][1])} {stages[0][0].lower()}"] + [
            f"{number(value)} {name.lower()} ({value / first:.0%})" for name, value in stages[1:]
        ]
        description = "From " + ", to ".join(steps) + "."
    else:
        description = "No applications in this period."
    return svg(slug, title, description, width, height, parts)
