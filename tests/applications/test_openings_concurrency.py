"""Offers and acceptances racing for one opening: the listing's row lock lets exactly one win.

These tests commit for real (threads need their own connections and see only committed
rows), so they create all their data themselves; the flush afterwards is followed by the
post_migrate sync that recreates the Career center group for the tests that come next.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from applications.models import Application
from listings.models import Listing
from tests.factories import ApplicationFactory, EmployerFactory, ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = Application.Status
RACERS = 6


def race(applications: list[Application], decide) -> dict[int, str]:
    """Run `decide(application)` for every application in its own thread, all at once."""
    barrier = threading.Barrier(len(applications))
    outcomes: dict[int, str] = {}

    def run(pk: int) -> None:
        try:
            application = Application.objects.select_related(
                "listing__organization", "student"
            ).get(pk=pk)
            barrier.wait(timeout=20)
            decide(application)
        except ValidationError:
            outcomes[pk] = "refused"
        except Exception as error:  # any other failure is reported by the test
            outcomes[pk] = f"error: {error!r}"
        else:
            outcomes[pk] = "done"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a.pk,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_racing_offers_fill_one_opening_once():
    employer = EmployerFactory()
    organization = employer.memberships.get().organization
    listing = ListingFactory(organization=organization, published=True, openings=1)
    applications = ApplicationFactory.create_batch(RACERS, listing=listing)

    outcomes = race(applications, lambda application: application.offer(by=employer))

    assert sorted(outcomes.values()) == ["done"] + ["refused"] * (RACERS - 1), outcomes
    assert listing.applications.holding_openings().count() == 1
    assert listing.applications.filter(status=Status.OFFERED).count() == 1


@pytest.mark.parametrize("listing_status", ["published", "closed"])
def test_racing_acceptances_fill_one_opening_once(listing_status):
    """Closed listings matter most: no closing of the listing serializes the acceptances."""
    employer = EmployerFactory()
    organization = employer.memberships.get().organization
    listing = ListingFactory(organization=organization, openings=1, **{listing_status: True})
    # Offers made while the listing had more openings, then lowered to one.
    applications = ApplicationFactory.create_batch(RACERS, listing=listing, status=Status.OFFERED)

    outcomes = race(applications, lambda application: application.accept(by=application.student))

    assert sorted(outcomes.values()) == ["done"] + ["refused"] * (RACERS - 1), outcomes
    assert listing.applications.engaged().count() == 1
    assert listing.applications.filter(status=Status.ACCEPTED).count() == 1
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED
