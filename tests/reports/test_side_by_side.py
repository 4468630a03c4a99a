"""The dashboard's figures read side by side on connections of their own give the same answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import queries
from reports.queries import Period, build_dashboard
from tests.reports.conftest import NOW


def last_30_days() -> Period:
    return Period.last_days(30, today=NOW.date())


@pytest.mark.django_db(transaction=True)
def test_side_by_side_figures_equal_the_ones_read_in_turn(program, settings):
    # Committed rows (a transactional test): the worker threads' connections can see them.
    settings.REPORTS_QUERY_THREADS = 1
    with CaptureQueriesContext(connection) as in_turn:
        expected = build_dashboard(last_30_days())
    settings.REPORTS_QUERY_THREADS = 2
    with CaptureQueriesContext(connection) as side_by_side:
        dashboard = build_dashboard(last_30_days())

    assert dashboard == expected
    assert dashboard.applications["applications"] == 7  # the hand-built program's figure
    assert len(in_turn.captured_queries) > 10
    assert side_by_side.captured_queries == []  # every query ran on the workers' connections


@pytest.mark.django_db(transaction=True)
def test_a_failing_figure_fails_the_dashboard(program, settings, monkeypatch):
    settings.REPORTS_QUERY_THREADS = 2

    def broken(period):
        raise RuntimeError("the pay figures broke")

    monkeypatch.setattr(queries, "pay_by_currency", broken)

    with pytest.raises(RuntimeError, match="the pay figures broke"):
        build_dashboard(last_30_days())
    # The workers closed their connections: the next dashboard opens fresh ones and works.
    monkeypatch.undo()
    settings.REPORTS_QUERY_THREADS = 2
    assert build_dashboard(last_30_days()).applications["applications"] == 7


def test_inside_a_transaction_the_figures_are_read_on_the_callers_connection(program, settings):
    # A plain test runs in a transaction: worker connections would not see its rows.
    settings.REPORTS_QUERY_THREADS = 2
    with CaptureQueriesContext(connection) as captured:
        dashboard = build_dashboard(last_30_days())
    assert dashboard.applications["applications"] == 7
    assert len(captured.captured_queries) > 10
