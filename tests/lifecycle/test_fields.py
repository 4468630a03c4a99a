import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.migrations.state import ModelState

from applications.models import Application
from applications.models.payment import PaymentStatus
from lifecycle.fields import StateField, VocabularyField
from listings.models import Listing, ListingReport
from tests.factories import ApplicationFactory, ListingFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {
    "accounts",
    "listings",
    "searches",
    "applications",
    "messaging",
    "notifications",
    "reports",
}


def _columns_with_choices():
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS:
            for field in model._meta.concrete_fields:
                if field.choices and isinstance(field, models.CharField):
                    yield model, field


@pytest.mark.parametrize(
    ("model", "field"),
    list(_columns_with_choices()),
    ids=lambda value: getattr(value, "__name__", None) or getattr(value, "name", None),
)
def test_every_column_with_choices_is_constrained_in_the_database(model, field):
    lookup = f"{field.name}__in"
    constrained = [
        constraint
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
        and any(
            isinstance(child, tuple) and child[0] == lookup
            for child in constraint.condition.children
        )
    ]
    assert constrained, f"{model.__name__}.{field.name} takes any text the database is given"


@pytest.mark.parametrize(
    ("make", "column", "value"),
    [
        (ListingFactory, "currency", "XXX"),
        (ApplicationFactory, "payment_status", "lost"),
    ],
    ids=["listing currency", "application payment"],
)
def test_the_database_refuses_a_value_outside_the_vocabulary(make, column, value):
    row = make()
    with pytest.raises(IntegrityError, match="_valid"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**{column: value})


def test_a_report_reason_outside_the_vocabulary_is_refused():
    report_fields = {"listing": ListingFactory(), "reporter": ApplicationFactory().student}
    with pytest.raises(IntegrityError, match="listingreport_reason_valid"), transaction.atomic():
        ListingReport.objects.create(reason="spam", **report_fields)


def test_migrations_record_a_vocabulary_column_as_a_plain_charfield():
    state = ModelState.from_model(Listing)

    assert isinstance(Listing._meta.get_field("currency"), VocabularyField)
    assert isinstance(Listing._meta.get_field("status"), StateField)
    assert type(state.fields["currency"]) is models.CharField
    assert type(state.fields["status"]) is models.CharField
    assert state.fields["currency"].choices == Listing.Currency.choices
    names = {constraint.name for constraint in state.options["constraints"]}
    assert {"listing_currency_valid", "listing_status_valid"} <= names


def test_each_state_column_offers_predicates_under_its_own_name():
    application = ApplicationFactory(
        status=Application.Status.COMPLETED, payment_status=PaymentStatus.RECORDED
    )

    assert application.status_is.completed
    assert application.payment_status_is.payment_recorded
    assert not application.payment_status_is.paid
