"""What every scenario reports, and the checks that decide whether anything was lost."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Result:
    """One scenario's outcome: what it did, what was lost or doubled, and what failed."""

    name: str
    title: str
    facts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    started: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return not self.problems

    def note(self, text: str) -> None:
        print(f"    {text}", flush=True)
        self.facts.append(text)

    def check(self, condition: bool, text: str) -> bool:
        """Record an expectation; a false one fails the scenario."""
        print(f"    {'ok  ' if condition else 'FAIL'} {text}", flush=True)
        if not condition:
            self.problems.append(text)
        return condition


def delivered_once(result: Result, sink, rows) -> None:
    """Every sent row reached the sink exactly once; nothing the sink got is unaccounted for.

    Rows are matched to messages by (recipient, subject): scenarios give each row its own.
    """
    from notifications.models import Notification

    rows = list(rows.values_list("to_email", "subject", "status"))
    expected = Counter((to, subject) for to, subject, _ in rows)
    got = sink.counts()
    unsent = [row for row in rows if row[2] != Notification.Status.SENT]
    missing = sum(max(count - got[key], 0) for key, count in expected.items())
    doubled = sum(max(got[key] - count, 0) for key, count in expected.items())
    strangers = sum(count for key, count in got.items() if key not in expected)
    result.lost += missing
    result.duplicates += doubled
    result.note(
        f"outbox rows {len(rows)}, sent {len(rows) - len(unsent)}; sink received "
        f"{sum(got.values())} messages: missing {missing}, duplicates {doubled}, unknown {strangers}"
    )
    result.check(not unsent, f"every row is marked sent ({len(unsent)} are not)")
    result.check(missing == 0, "no message lost")
    result.check(strangers == 0, "no message the outbox does not know of")


def partial_writes(since: int = 0) -> dict[str, int]:
    """Counts of half-written applications with ids above `since` (each must be 0), in SQL."""
    from django.db import connection

    queries = {
        "applications without their 'submitted' event": """
            SELECT count(*) FROM applications_application a
            WHERE a.id > %(since)s AND NOT EXISTS (
                SELECT 1 FROM applications_applicationevent e
                WHERE e.application_id = a.id AND e.to_status = 'submitted')""",
        "applications without the student's confirmation": """
            SELECT count(*) FROM applications_application a
            JOIN applications_applicationevent e
              ON e.application_id = a.id AND e.to_status = 'submitted'
            WHERE a.id > %(since)s AND NOT EXISTS (SELECT 1 FROM notifications_notification n
                              WHERE n.dedupe_key = 'applications.submitted:' || e.id || ':' || a.student_id)""",
        "applications without the employer's notice": """
            SELECT count(*) FROM applications_application a
            JOIN applications_applicationevent e
              ON e.application_id = a.id AND e.to_status = 'submitted'
            WHERE a.id > %(since)s AND NOT EXISTS (SELECT 1 FROM notifications_notification n
                              WHERE n.dedupe_key LIKE 'applications.received:' || e.id || ':%%')""",
        "applications with two 'submitted' events": """
            SELECT count(*) FROM applications_applicationevent e
            WHERE e.application_id > %(since)s AND e.to_status = 'submitted'
            GROUP BY e.application_id HAVING count(*) > 1""",
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, {"since": since})
            rows = cursor.fetchall()
            counts[name] = sum(row[0] for row in rows) if rows else 0
    return counts
