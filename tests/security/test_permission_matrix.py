"""Every URL × every role: the outcome in `tests/security/matrix.py`'s table, and nothing else.

Foreign objects answer 404 (an admin site's "doesn't exist" redirect), never 403, and a
refusal never shows the object it refused.
"""

import pytest

from tests.security.matrix import (
    LOGIN,
    MISSING,
    OPTIONAL,
    ROLES,
    TABLE,
    UNNAMED_ADMIN_VIEWS,
    expand,
    fetch,
    routed_rows,
    routes,
)

pytestmark = pytest.mark.django_db

#: Outcomes after which nothing of the object may show (a 403 is for a role, not an object).
REFUSALS = {LOGIN, MISSING, 404, 405}
#: role -> [(row label, status, headers)] of every response, for test_static_checks.py.
SEEN: dict[str, list] = {}


def test_every_url_is_in_the_table():
    found = routes()
    named = {route.name for route in found if route.name}
    covered = {row.name for row in TABLE} | set(OPTIONAL)

    missing = sorted(named - covered)
    assert not missing, (
        "These URL names have no row in the permission matrix (tests/security/matrix.py "
        "TABLE); add one with the expected outcome for every role: " + ", ".join(missing)
    )
    stale = sorted({row.name for row in TABLE} - named)
    assert not stale, "Rows for URL names that no longer exist: " + ", ".join(stale)
    unnamed = [
        route.pattern for route in found if not route.name and route.view not in UNNAMED_ADMIN_VIEWS
    ]
    assert not unnamed, "Name these URL patterns and add them to the matrix: " + ", ".join(unnamed)


def test_every_row_gives_each_role_an_outcome():
    for row in TABLE:
        assert len(row.expected) == len(ROLES), row.label


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(request, client, world, role):
    if role != "visitor":
        client.force_login(request.getfixturevalue(role))
    column = ROLES.index(role)
    failures, seen = [], []
    for row in routed_rows():
        expected = expand(row.expected[column], world)
        result = fetch(client, row, world)
        seen += [
            (row.label, response.status_code, response.headers) for response in result.responses
        ]
        if result.outcome != expected:
            failures.append(
                f"{row.label} {row.url(world)}: expected {expected}, got {result.outcome}"
            )
            continue
        if row.secret and expected in REFUSALS:
            secret = str(getattr(world, row.secret))
            for response in result.responses:
                body = b"".join(response) if response.streaming else response.content
                if secret.encode() in body:
                    failures.append(f"{row.label}: the refusal shows {secret!r}")
    SEEN[role] = seen
    assert not failures, f"{len(failures)} outcome(s) differ for {role}:\n" + "\n".join(failures)
