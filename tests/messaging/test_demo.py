"""The demo data holds a conversation and an engagement whose check-in is open, once."""

from django.core.management import call_command

from applications.models import Application
from messaging.models import Message, check_in_open
from notifications.reminders import run_rule


def run_seed():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet)


def test_seed_demo_adds_a_conversation_and_a_check_in_once(db):
    run_seed()
    run_seed()
    (thread,) = {m.application_id for m in Message.objects.all()}
    assert Message.objects.count() == 3
    sides = list(Message.objects.order_by("pk").values_list("side", flat=True))
    assert sides == ["student", "organization", "student"]
    assert Message.objects.filter(application__student__email="student@example.com").count() == 3
    engagement = Application.objects.get(
        student__email="student2@example.com", status=Application.Status.ACCEPTED
    )
    assert check_in_open(engagement)
    assert run_rule("messaging.check_in") >= 2
    assert thread != engagement.pk
