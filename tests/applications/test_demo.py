from django.core.management import call_command

from accounts.models import StudentProfile
from applications.models import Application, Feedback, PaymentStatus


def run_seed():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet)


def test_seed_demo_adds_applications_in_many_states_once(db):
    run_seed()
    first = dict(Application.objects.values_list("pk", "status"))
    run_seed()
    assert dict(Application.objects.values_list("pk", "status")) == first
    statuses = set(first.values())
    assert {"completed", "offered", "accepted", "not_selected", "withdrawn", "viewed"} <= statuses
    completed = Application.objects.get(status="completed", student__email="student@example.com")
    assert set(completed.feedback.values_list("author_role", flat=True)) == {"employer", "student"}
    assert Feedback.objects.public_testimonials().filter(application=completed).exists()
    # A completed engagement whose payment waits for the student's confirmation.
    assert completed.payment_status == PaymentStatus.RECORDED
    assert completed.payment_amount == completed.listing.fee
    assert completed.events.filter(to_status=PaymentStatus.RECORDED).count() == 1
    profile = StudentProfile.objects.get(user__email="student@example.com")
    assert profile.portfolio_public and profile.handle
    # The saved listing closing soon stays un-applied (a reminder rule needs it).
    saved = profile.user.saved_listings.get()
    assert not Application.objects.filter(listing=saved.listing, student=profile.user).exists()
