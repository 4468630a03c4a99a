"""The registry of reminder rules: each domain app registers its own, one run sends them.

A rule is a function that yields a `Reminder` for each person due one now. The
reminder's `dedupe_key` names the occasion (e.g. ``listings.deadline:<listing>:<user>``),
so running the rules every quarter of an hour, twice by two beats, or by hand sends each
reminder once. Rules live in the app that owns the data (``listings/reminders.py``) and
register themselves on import; the modules are imported when Django starts.

    from notifications.reminders import register, remind

    @register("listings.deadline")
    def deadline_reminders():
        for saved in SavedListing.objects.due_for_reminder():
            key = f"listings.deadline:{saved.listing_id}:{saved.student_id}"
            context = {"listing": saved.listing}
            yield remind(saved.student, "listings.deadline", key, "listings/email/deadline", context)

`remind` addresses a reminder to one person (their address, `person` in the context);
`remind_each` does so for each of several people, keying each reminder by the person too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from notifications.models import Category
from notifications.outbox import queue_emails

logger = logging.getLogger(__name__)

Rule = Callable[[], Iterable["Reminder"]]

_rules: dict[str, Rule] = {}


@dataclass(frozen=True)
class Reminder:
    """One email a rule says is due: the arguments of `queue_email` (see `email()`)."""

    to: str
    kind: str
    dedupe_key: str
    recipient: Any = None
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    template: str | None = None
    context: dict = field(default_factory=dict)
    link: str = ""
    #: Reminders are in the "reminders" category unless the rule says otherwise ("alerts").
    category: str | None = None

    def email(self) -> dict[str, Any]:
        """The arguments of `queue_email` / `queue_emails` for this reminder."""
        arguments = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**arguments, "category": self.category or Category.REMINDERS}


def remind(
    person: Any,
    kind: str,
    dedupe_key: str,
    template: str,
    context: dict,
    link: str = "",
    **options: Any,
) -> Reminder:
    """A reminder to one person: to their address, with `person` in the template's context."""
    return Reminder(
        to=person.email,
        recipient=person,
        kind=kind,
        dedupe_key=dedupe_key,
        template=template,
        context={**context, "person": person},
        link=link,
        **options,
    )


def remind_each(
    people: Iterable[Any],
    kind: str,
    occasion: str,
    template: str,
    context: dict,
    link: str = "",
    **options: Any,
) -> Iterator[Reminder]:
    """One reminder (`remind`) per person, each keyed ``<occasion>:<the person's pk>``."""
    for person in people:
        yield remind(person, kind, f"{occasion}:{person.pk}", template, context, link, **options)


def register(name: str) -> Callable[[Rule], Rule]:
    """Decorator: add a rule to the registry under a unique name."""

    def decorator(rule: Rule) -> Rule:
        if name in _rules and _rules[name] is not rule:
            raise ValueError(f"A reminder rule named {name!r} is already registered.")
        _rules[name] = rule
        return rule

    return decorator


def unregister(name: str) -> None:
    """Remove a rule (tests register their own and clean up)."""
    _rules.pop(name, None)


def registered() -> list[str]:
    """The names of every registered rule, in registration order."""
    return list(_rules)


def run_rule(name: str, *, stored: Callable[[list[int]], None] | None = None) -> int:
    """Run one rule and queue what it finds due, in batches; the number of new outbox rows.

    Reminders whose dedupe key the outbox already holds are not rendered again, so a
    rule's stable dedupe keys make every run pick up exactly the work left. Without
    `stored`, one transaction per rule: a rule that breaks halfway leaves nothing behind.
    With it, each batch is committed as it is stored and `stored(ids)` can send it on its
    way while the rule goes on (see `queue_emails`).
    """
    emails = (reminder.email() for reminder in _rules[name]())
    return queue_emails(emails, stored=stored)


def run_all(*, stored: Callable[[list[int]], None] | None = None) -> dict[str, int]:
    """Run every registered rule once; new outbox rows per rule name.

    A rule that raises is logged and left out of the result; the others still run.
    `stored` is passed on to each rule's run (`run_rule`).
    """
    counts: dict[str, int] = {}
    for name in registered():
        try:
            counts[name] = run_rule(name, stored=stored)
        except Exception:
            logger.exception("Reminder rule %s failed; the next run tries again.", name)
    return counts


def run_and_deliver(*, here: bool = False) -> tuple[dict[str, int], int]:
    """Run every rule once, then send everything due; (new rows per rule, emails).

    The one routine behind both the beat task and `manage.py send_reminders`. The beat
    task hands each batch of new rows to the workers as soon as it is stored, so the
    workers send while the rules go on rendering, then hands over whatever else is due
    (`dispatch_due`; delivered in this process when tasks run inline or the broker is
    unreachable); it counts the rows handed over or sent. `here=True` sends every batch
    in this process before returning and counts the emails sent: the management command
    promises that.
    """
    from notifications.delivery import deliver_due, dispatch, dispatch_due

    if here:
        return run_all(), deliver_due(limit=None)
    handed: set[int] = set()
    sent = 0

    def send_on(ids: list[int]) -> None:
        nonlocal sent
        handed.update(ids)
        sent += dispatch(ids)

    counts = run_all(stored=send_on)
    return counts, sent + dispatch_due(skip=handed)
