"""The SVG charts on their own: accessible, escaped, no inline styles, honest scales."""

import datetime
import re

from reports import charts

WEEKS = [datetime.date(2026, 3, 2), datetime.date(2026, 3, 9), datetime.date(2026, 3, 16)]


def line():
    return charts.line_chart(
        slug="weekly",
        title="Per week",
        weeks=WEEKS,
        series=[charts.Series("Listings", [1, 4, 2]), charts.Series("Applications", [3, 9, 0])],
    )


def test_every_chart_is_an_image_with_a_title_and_a_description():
    for svg in (
        line(),
        charts.bar_chart(
            slug="industries",
            title="By industry",
            categories=["Software"],
            series=[charts.Series("Listings", [2])],
        ),
        charts.funnel_chart(
            slug="funnel", title="Funnel", stages=[("Applications", 4), ("Offers", 1)]
        ),
    ):
        assert svg.startswith("<svg ")
        assert 'role="img"' in svg
        slug = re.search(r'class="chart chart-(\w+)"', svg).group(1)
        assert f'aria-labelledby="{slug}-title {slug}-desc"' in svg
        assert f'<title id="{slug}-title">' in svg
        assert f'<desc id="{slug}-desc">' in svg


def test_charts_have_no_inline_styles_or_scripts():
    svg = line()
    assert "style" not in svg
    assert "<script" not in svg
    assert "on" + "load" not in svg


def test_the_description_states_totals_and_peaks():
    assert (
        "Listings: 7 in total, most in the week of 9 March 2026 (4). "
        "Applications: 12 in total, most in the week of 9 March 2026 (9)."
    ) in line()


def test_the_y_axis_starts_at_zero_and_ends_on_a_round_number():
    assert charts.nice_ceiling(0) == (1, 1)
    assert charts.nice_ceiling(3) == (3, 1)
    assert charts.nice_ceiling(7) == (8, 2)
    assert charts.nice_ceiling(37) == (40, 10)
    assert charts.nice_ceiling(1234) == (1250, 250)


def test_names_are_escaped():
    svg = charts.bar_chart(
        slug="industries",
        title="By <industry>",
        categories=["Arts & <crafts>"],
        series=[charts.Series("Listings", [1])],
    )
    assert "<industry>" not in svg and "<crafts>" not in svg
    assert "Arts &amp; &lt;crafts&gt;" in svg


def test_bars_are_as_long_as_their_share_of_the_largest_value():
    svg = charts.bar_chart(
        slug="industries",
        title="By industry",
        categories=["A", "B"],
        series=[charts.Series("Applications", [10, 5])],
    )
    widths = [float(w) for w in re.findall(r'<rect x="180" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths[:2] == [396, 198]  # then the legend key


def test_the_funnel_shows_each_stage_as_a_share_of_the_first():
    svg = charts.funnel_chart(
        slug="funnel",
        title="Funnel",
        stages=[("Applications", 10), ("Offers", 4), ("Acceptances", 2), ("Completions", 1)],
    )
    assert "4 (40% of applications)" in svg
    assert (
        "From 10 applications, to 4 offers (40%), to 2 acceptances (20%), to 1 completions (10%)."
        in svg
    )


def test_empty_charts_say_so():
    assert "No applications in this period." in charts.funnel_chart(
        slug="funnel", title="Funnel", stages=[("Applications", 0), ("Offers", 0)]
    )
    assert "Nothing in this period." in charts.bar_chart(
        slug="industries", title="By industry", categories=[], series=[charts.Series("A", [])]
    )
