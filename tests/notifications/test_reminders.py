"""The reminder registry and `manage.py send_reminders`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from notifications import reminders
from notifications.models import Notification
from notifications.reminders import Reminder, register, run_all
from notifications.tasks import send_reminders


@pytest.fixture(autouse=True)
def _only_this_tests_rules():
    """The apps' own rules (deadline reminders, alerts...) are set aside during these tests."""
    saved = dict(reminders._rules)
    reminders._rules.clear()
    yield
    reminders._rules.clear()
    reminders._rules.update(saved)


@pytest.fixture
def rules():
    """Register rules for one test only: rules(name, function)."""
    names: list[str] = []

    def _register(name, rule):
        register(name)(rule)
        names.append(name)
        return rule

    yield _register
    for name in names:
        reminders.unregister(name)


def _due(*people: str):
    def rule():
        for person in people:
            yield Reminder(
                to=f"{person}@student.test",
                kind="test.nudge",
                dedupe_key=f"test.nudge:{person}",
                subject=f"A nudge for {person}",
                body_text="Your deadline is close.",
            )

    return rule


def test_send_reminders_prints_a_count_per_rule_and_delivers(db, rules):
    rules("test.nudges", _due("ada", "grace"))
    rules("test.quiet", _due())
    out = StringIO()

    call_command("send_reminders", stdout=out)

    lines = out.getvalue().splitlines()
    assert "test.nudges: 2 queued" in lines
    assert "test.quiet: 0 queued" in lines
    assert lines[-1] == "delivered: 2"
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@student.test", "grace@student.test"]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_send_reminders_sends_in_this_process_even_with_workers_about(db, rules, monkeypatch):
    # The command promises the emails are out when it exits: no hand-over to Celery.
    from notifications import delivery

    def no_hand_over(*args, **kwargs):
        raise AssertionError("send_reminders handed its emails to the workers")

    monkeypatch.setattr(delivery, "dispatch_due", no_hand_over)
    monkeypatch.setattr(delivery, "hand_over", no_hand_over)
    rules("test.nudges", _due("ada"))
    out = StringIO()

    call_command("send_reminders", stdout=out)

    assert out.getvalue().splitlines()[-1] == "delivered: 1"
    assert [m.to[0] for m in mail.outbox] == ["ada@student.test"]


def test_running_again_sends_nothing_twice(db, rules):
    rules("test.nudges", _due("ada", "grace"))
    call_command("send_reminders", stdout=StringIO())
    out = StringIO()

    call_command("send_reminders", stdout=out)

    assert "test.nudges: 0 queued" in out.getvalue().splitlines()
    assert "delivered: 0" in out.getvalue()
    assert len(mail.outbox) == 2


def test_the_run_also_delivers_rows_other_code_left_pending(db, rules, make_email):
    make_email("other:1")  # queued, its task never ran (the broker was down)
    rules("test.nudges", _due("ada"))
    out = StringIO()

    call_command("send_reminders", stdout=out)

    assert "delivered: 2" in out.getvalue()


def test_a_broken_rule_is_reported_and_the_others_still_run(db, rules):
    def broken():
        yield from _due("ada")()
        raise RuntimeError("the rule has a bug")

    rules("test.broken", broken)
    rules("test.nudges", _due("grace"))
    out, err = StringIO(), StringIO()

    call_command("send_reminders", stdout=out, stderr=err)

    assert "test.broken: failed" in err.getvalue()
    assert "test.nudges: 1 queued" in out.getvalue()
    # The broken rule's rows were rolled back; the next run starts it afresh.
    assert list(Notification.objects.values_list("to_email", flat=True)) == ["grace@student.test"]


def test_without_rules_the_command_says_so(db):
    out = StringIO()

    call_command("send_reminders", stdout=out)

    assert "No reminder rules are registered." in out.getvalue()
    assert "delivered: 0" in out.getvalue()


def test_run_all_counts_new_rows_and_leaves_delivery_to_the_caller(
    db, rules, django_capture_on_commit_callbacks
):
    rules("test.nudges", _due("ada", "grace"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert run_all() == {"test.nudges": 2}

    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.pending().count() == 2


def test_the_beat_task_runs_the_same_routine(db, rules):
    rules("test.nudges", _due("ada"))

    assert send_reminders.delay().get() == {"test.nudges": 1}
    assert len(mail.outbox) == 1


def test_rule_names_are_unique(rules):
    rules("test.nudges", _due("ada"))

    with pytest.raises(ValueError, match="already registered"):
        register("test.nudges")(_due("grace"))
