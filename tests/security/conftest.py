"""The objects the permission matrix and the header checks request pages about, and the
figures the security tests report at the end of the run."""

from collections import Counter

import pytest

from tests.security.matrix import build_world


@pytest.fixture
def world(student, other_student, employer, other_employer, suspended_employer, staff):
    return build_world(
        student=student,
        other_student=other_student,
        employer=employer,
        other_employer=other_employer,
        suspended_employer=suspended_employer,
        staff=staff,
    )


#: Hostile submissions sent by test_hostile_input.py ("requests") and the field values in them.
TRIED: Counter = Counter()


def pytest_terminal_summary(terminalreporter):
    from tests.security.matrix import ROLES, routed_rows, routes

    reported = terminalreporter.stats
    ran = {
        report.nodeid for outcome in ("passed", "failed") for report in reported.get(outcome, [])
    }
    lines = []
    if any("test_permission_matrix.py::test_permission_matrix" in nodeid for nodeid in ran):
        urls = len({route.name for route in routes() if route.name})
        rows = len(routed_rows())
        lines.append(
            f"permission matrix: {urls} URLs x {len(ROLES)} roles = {urls * len(ROLES)} "
            f"(with objects and methods: {rows} rows x {len(ROLES)} roles = {rows * len(ROLES)} checks)"
        )
    if TRIED["requests"]:
        lines.append(
            f"hostile inputs tried: {TRIED['requests']} submissions "
            f"carrying {TRIED['values']} field values"
        )
    from tests.security.test_hostile_input import PROBED

    for group, label in [("admin", "/staff/"), ("employer", "/employer/")]:
        if PROBED[group]:
            lines.append(
                f"hostile parameters, {label}: {PROBED[group]} requests to "
                f"{PROBED[f'{group} changelists']} changelists, "
                f"{PROBED[f'{group} errors']} server errors"
            )
    if PROBED["public"]:
        lines.append(
            f"hostile parameters, public and student pages: {PROBED['public']} requests to "
            f"{PROBED['public pages']} pages, {PROBED['public errors']} server errors"
        )
    if lines:
        terminalreporter.section("security figures")
        for line in lines:
            terminalreporter.write_line(line)
