"""The shared admin pieces: a step declared once, its action, and the read-only admins."""

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from accounts.sites import employer_site
from applications.admin import EMPLOYER_STEPS as APPLICANT_STEPS
from applications.admin import ApplicationAdmin, EmployerApplicationAdmin
from applications.models import Application
from backoffice.steps import Step, step_action, step_table
from listings.admin import EMPLOYER_STEPS, STAFF_STEPS, ListingAdmin
from listings.models import Listing
from notifications.admin import NotificationAdmin
from reports.admin import ExportAdmin

pytestmark = pytest.mark.django_db


def test_a_step_calls_the_method_named_like_it_and_reads_its_title_on_the_button():
    step = Step(name="reinstate", title="Reinstate", done="{count}.", allowed_from={"suspended"})
    assert step.method == "reinstate"
    assert step.button == "Reinstate"
    assert step.allowed_from == frozenset({"suspended"})


def test_a_step_keeps_a_method_and_button_of_its_own():
    step = Step(
        name="close",
        title="Close early",
        done="{count}.",
        allowed_from=["published"],
        method="close",
        button="Close to new applications",
    )
    assert step.button == "Close to new applications"
    assert isinstance(step.allowed_from, frozenset)


@pytest.mark.parametrize(
    ("steps", "name", "button"),
    [
        (STAFF_STEPS, "approve", "Approve and publish"),
        (STAFF_STEPS, "remove", "Remove for good"),
        (EMPLOYER_STEPS, "cancel", "Cancel the project"),
        (APPLICANT_STEPS, "shortlist", "Shortlist"),
    ],
)
def test_declared_steps_read_as_before(steps, name, button):
    step = steps[name]
    assert (step.method, step.button) == (name, button)


@pytest.mark.parametrize(
    ("steps", "model"),
    [(STAFF_STEPS, Listing), (EMPLOYER_STEPS, Listing), (APPLICANT_STEPS, Application)],
)
def test_every_step_is_offered_from_the_states_its_transition_declares(steps, model):
    for step in steps.values():
        lifecycle = model.lifecycle_of(step.method)
        assert step.allowed_from == lifecycle[step.method].source, step.name
        assert step.state_field == lifecycle.field, step.name


def test_a_step_of_a_second_lifecycle_is_offered_from_its_own_state_field():
    step = APPLICANT_STEPS["record_payment"]
    assert step.state_field == "payment_status"
    assert step.allowed_from == Application.PAYMENT["record_payment"].source


def test_a_step_table_reads_the_states_from_the_lifecycle():
    table = step_table(
        Step(name="reinstate", title="Reinstate", done="{count}."), lifecycle=Listing.TRANSITIONS
    )
    assert table["reinstate"].allowed_from == frozenset({Listing.Status.SUSPENDED})


def test_a_step_with_neither_states_nor_a_declared_transition_is_refused():
    with pytest.raises(ImproperlyConfigured):
        step_table(Step(name="tidy", title="Tidy", done="{count}."), lifecycle=Listing.TRANSITIONS)


def test_reason_steps_of_listings_require_the_reason():
    reasons = {name for name, step in STAFF_STEPS.items() if step.reason}
    assert reasons == {"request_changes", "reject", "suspend", "remove"}
    assert all(STAFF_STEPS[name].reason_required for name in reasons)


def test_step_action_opens_its_step_with_the_permissions_asked_for():
    action = step_action("approve", "Approve selected…", permissions=["change"])
    assert action.short_description == "Approve selected…"
    assert action.allowed_permissions == ["change"]
    assert not hasattr(step_action("close", "Close…"), "allowed_permissions")


def registered(site, admin_class):
    """The instance of an admin class a site registered."""
    return next(a for a in site._registry.values() if isinstance(a, admin_class))


@pytest.mark.parametrize("admin_class", [ApplicationAdmin, NotificationAdmin, ExportAdmin])
def test_records_are_read_only_for_everyone(rf, admin_class, staff):
    request = rf.get("/")
    request.user = staff
    records = registered(admin.site, admin_class)
    assert not records.has_add_permission(request)
    assert not records.has_change_permission(request)
    assert not records.has_delete_permission(request)


def test_moderation_lists_keep_the_change_permission_their_actions_need(rf, staff):
    request = rf.get("/")
    request.user = staff
    listings = registered(admin.site, ListingAdmin)
    assert listings.has_change_permission(request)
    assert not listings.has_change_permission(request, obj=Listing())
    assert not listings.has_add_permission(request)
    assert not listings.has_delete_permission(request)


def test_employers_read_applications_and_decide_through_steps(rf, employer):
    request = rf.get("/")
    request.user = employer
    applicants = registered(employer_site, EmployerApplicationAdmin)
    assert not applicants.has_change_permission(request)
    assert not applicants.has_delete_permission(request)
    assert applicants.has_step_permission(request)
