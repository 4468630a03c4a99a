import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.template import Context, Template

from accounts.models import Membership, Organization
from applications.models import Application
from lifecycle import Lifecycle, Transition, UnknownStatus
from listings.models import Listing
from notifications.models import Notification
from tests.factories import ApplicationFactory, ListingFactory, StaffFactory

pytestmark = pytest.mark.django_db

MODELS = [Organization, Membership, Listing, Application]
# Every lifecycle of every model, the status and any other (an application's payment).
LIFECYCLES = [(model, lifecycle) for model in MODELS for lifecycle in model.lifecycles()]


def lifecycle_id(value):
    return value.__name__ if isinstance(value, type) else value.field


# --- Declarations ------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "lifecycle"), LIFECYCLES, ids=lifecycle_id)
def test_every_declared_transition_is_a_method_of_the_same_name(model, lifecycle):
    for name in lifecycle:
        assert callable(getattr(model, name, None)), f"{model.__name__}.{name} is declared only"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_models_lifecycles_have_distinct_transitions_and_states(model):
    # Their events share one table and their methods one namespace.
    lifecycles = model.lifecycles()
    names = [name for lifecycle in lifecycles for name in lifecycle]
    states = [state for lifecycle in lifecycles for state in lifecycle.states.values]
    assert len(names) == len(set(names))
    assert len(states) == len(set(states))
    assert len({lifecycle.field for lifecycle in lifecycles}) == len(lifecycles)


@pytest.mark.parametrize(("model", "lifecycle"), LIFECYCLES, ids=lifecycle_id)
def test_every_state_but_the_final_ones_has_a_way_out_or_in(model, lifecycle):
    reached = {target for t in lifecycle.values() for target in t.targets}
    left = {state for t in lifecycle.values() for state in t.source}
    field = model._meta.get_field(lifecycle.field)
    # A state nothing leads to and nothing leaves is a state declared by mistake,
    # except the one new objects start in.
    assert set(lifecycle.states) - reached - left <= {field.default}


def test_a_declaration_naming_an_unknown_state_is_refused_at_import():
    with pytest.raises(ImproperlyConfigured, match="bogus"):
        Lifecycle(
            Listing.Status,
            publish=Transition(source={"bogus"}, target=Listing.Status.PUBLISHED),
        )


def test_a_lone_state_stamp_or_audience_is_read_as_one_of_a_collection():
    lone = Transition(Listing.Status.SUBMITTED, Listing.Status.PUBLISHED, "published", stamp="x_at")
    assert lone.source == frozenset({Listing.Status.SUBMITTED})
    assert lone.stamp == ("x_at",)
    assert lone.verb == "published"
    told = Transition({"a"}, "b", notify={"kind": "members"})
    assert told.notify == {"kind": ("members",)}


def test_tell_sends_the_email_named_after_the_state_reached_besides_the_others():
    transition = Transition(
        Application.Status.WORK_SUBMITTED,
        Application.Status.COMPLETED,
        tell="student",
        notify={"feedback_requested": "employer"},
    )
    assert transition.notify == {"completed": ("student",), "feedback_requested": ("employer",)}
    assert all(type(kind) is str for kind in transition.notify)


def test_tell_needs_one_target_to_name_its_email():
    with pytest.raises(ImproperlyConfigured, match="names its emails"):
        Transition("a", ("b", "c"), tell="members")


def test_a_transition_leads_only_where_it_is_declared_to(staff):
    listing = ListingFactory(status=Listing.Status.PUBLISHED)
    with pytest.raises(ValueError, match="leads to"):
        listing.apply_transition("suspend", by=staff, to=Listing.Status.REMOVED)
    assert not listing.events.exists()


# --- Constraints ---------------------------------------------------------------------------


def _choice_constraints():
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            if not constraint.name.endswith("_valid"):
                continue
            lookup, values = constraint.condition.children[0]
            yield model, constraint.name, lookup.removesuffix("__in"), values


@pytest.mark.parametrize(
    ("model", "name", "field", "values"),
    list(_choice_constraints()),
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_every_choice_constraint_allows_exactly_the_choices(model, name, field, values):
    choices = [value for value, _label in model._meta.get_field(field).choices]
    assert list(values) == choices


# --- Status predicates for templates ------------------------------------------------------


def test_templates_ask_the_status_through_predicates_never_raw_strings():
    raw = re.compile(r"\.status\s*(==|!=)|\.status\s+(not\s+)?in\s|\bverification\s*(==|!=)")
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*")
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if raw.search(line)
    ]
    assert offenders == []


def test_a_status_predicate_reads_the_stored_status():
    application = ApplicationFactory(status=Application.Status.OFFERED)
    page = Template(
        "{% if application.status_is.offered %}offer{% endif %}"
        "{% if application.status_is.accepted %}working{% endif %}"
    )

    assert page.render(Context({"application": application})) == "offer"


def test_a_status_the_model_lacks_fails_the_page_instead_of_reading_false():
    application = ApplicationFactory()
    page = Template("{% if application.status_is.oferred %}offer{% endif %}")

    with pytest.raises(UnknownStatus, match="oferred"):
        page.render(Context({"application": application}))


# --- Who did it ----------------------------------------------------------------------------


def test_who_did_it_for_staff_is_the_address_or_microintern(staff):
    listing = ListingFactory(status=Listing.Status.PUBLISHED)
    listing.suspend(by=None, reason="reports")
    listing.reinstate(by=staff)
    reinstated, suspended = listing.events.all()

    assert reinstated.actor_display == staff.email
    assert suspended.actor_display == "MicroIntern (automatic)"


def test_who_did_it_for_the_student_is_you_the_organization_or_microintern(employer):
    application = ApplicationFactory(
        status=Application.Status.SHORTLISTED,
        listing=ListingFactory(published=True, organization=employer.employer_organizations()[0]),
    )
    application.offer(by=employer)
    application.accept(by=application.student)
    application.apply_transition("mark_incomplete", by=StaffFactory(), note="Gone quiet.")
    offered, accepted, incomplete = application.events.all()

    organization = application.listing.organization.name
    assert offered.actor_for_student(application) == organization
    assert accepted.actor_for_student(application) == "You"
    # Staff never show by address to a student: the organization speaks for them.
    assert incomplete.actor_for_student(application) == organization


def test_who_did_it_for_an_organization_names_its_people_and_the_career_center(employer, staff):
    listing = ListingFactory(status=Listing.Status.PUBLISHED)
    listing.close(by=employer)
    listing.complete(by=staff)
    completed, closed = listing.events.all()

    assert closed.actor_label(staff_as="Career center") == employer.display_name
    assert completed.actor_label(staff_as="Career center") == "Career center"


# --- The one way a state changes ------------------------------------------------------------


def test_declared_emails_are_stored_with_the_event_and_leave_after_commit(
    employer, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(
        status=Application.Status.SHORTLISTED,
        listing=ListingFactory(published=True, organization=employer.employer_organizations()[0]),
    )

    with django_capture_on_commit_callbacks() as callbacks:
        application.offer(by=employer)
        queued = Notification.objects.get(kind="applications.offered")
        assert queued.status == Notification.Status.PENDING

    event = application.events.get()
    assert queued.recipient == application.student
    assert queued.dedupe_key == f"applications.offered:{event.pk}:{application.student.pk}"
    assert len(callbacks) == 1  # the hand-over to Celery waits for the commit


def test_a_refused_transition_writes_and_queues_nothing(employer):
    application = ApplicationFactory(status=Application.Status.WITHDRAWN)

    with pytest.raises(ValidationError, match="was withdrawn; it cannot be offered now"):
        application.offer(by=employer)

    assert not application.events.exists()
    assert not Notification.objects.exists()
