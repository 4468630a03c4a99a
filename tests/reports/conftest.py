"""A hand-built program with known answers, on a frozen clock.

Today is Friday 20 March 2026, noon UTC; "the last 30 days" run from Thursday 19 February
to today. Weeks start on Mondays: 16 Feb, 23 Feb, 2 Mar, 9 Mar, 16 Mar.

Organizations
  Acme (software): registered 9 Dec 2025, verified 10 Dec 2025 (both before the period).
  Hope (non-profit): registered 10 Mar, verified 11 Mar.
  Shady: registered 15 Mar, suspended 16 Mar.

Listings (L1, L2, L5 software by Acme; the others non-profit by Hope)
  L1: submitted 10 Mar 10:00, published 10 Mar 14:00 (4 h).            fee 600 USD, 20 h
  L2: submitted 12 Mar 09:00, changes requested 13 Mar 09:00 (24 h),
      submitted again 14 Mar 09:00, published 15 Mar 09:00 (24 h).
  L3: submitted 16 Mar 00:00, rejected 18 Mar 00:00 (48 h).
  L4: submitted 17 Mar 12:00, waiting (3 days now).
  L6: submitted 19 Mar 12:00, waiting.
  L5: submitted 19 Jan, published 20 Jan (before the period).            fee 900 USD, 20 h
  L7, L9: published 28 Feb (no moderation events).                      L7: 400 EUR, 10 h
  L8: published 8 Feb, closed; due date 15 Mar (its project is over).

Applications                                     decision after  status
  A1 L1 S1 created 11 Mar, offered 12 Mar (24 h), accepted 13, completed 18 Mar
  A2 L1 S2 created 11 Mar, not selected 13 Mar (48 h)
  A3 L2 S1 created 16 Mar, submitted (waiting)
  A9 L2 S4 created 17 Mar, offered 18 Mar 18:00 (42 h), accepted 19 Mar (working)
  A4 L7 S3 created 5 Mar, offered 6 Mar 12:00 (36 h), accepted 7, completed 19 Mar
  A5 L9 S4 created 5 Mar, offered 8 Mar (72 h), declined
  A6 L8 S2 created 23 Feb, viewed: undecided although L8's project is over
  A8 L5 S3 created 9 Feb (before the period), completed 17 Mar
  A7 L5 S5 created 29 Jan, completed 3 Feb (all before the period)

Feedback: A1 employer 5, student 4; A4 employer 3; A8 employer 4, student 2; A7 both 5.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine

from accounts.models import Organization
from applications.models import Application, Feedback
from listings.models import Listing
from tests.factories import (
    ApplicationFactory,
    IndustryFactory,
    ListingFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)

UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def at(year: int, month: int, day: int, hour: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def frozen():
    """The clock stands still at NOW for the whole test."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Program:
    software: object
    nonprofit: object
    acme: Organization
    hope: Organization
    shady: Organization
    listings: dict[str, Listing]
    applications: dict[str, Application]
    students: dict[str, object]
    moderator: object


def _listing(moment: datetime.datetime, **kwargs) -> Listing:
    with time_machine.travel(moment, tick=False):
        return ListingFactory(**kwargs)


def _submit(listing: Listing, moment, *, by) -> None:
    with time_machine.travel(moment, tick=False):
        listing.submit(by=by)


def _decide(listing: Listing, moment, step: str, *, by) -> None:
    with time_machine.travel(moment, tick=False):
        if step == "approve":
            listing.approve(by=by)
        else:
            getattr(listing, step)(by=by, reason="other", note="Because.")


def _organization(name: str, registered, *, verify_at=None, suspend_at=None, by) -> Organization:
    organization = OrganizationFactory(name=name)
    Organization.objects.filter(pk=organization.pk).update(created_at=registered)
    for moment, step in ((verify_at, "verify"), (suspend_at, "suspend")):
        if moment:
            with time_machine.travel(moment, tick=False):
                getattr(organization, step)(by=by)
    organization.refresh_from_db()
    return organization


def _application(listing, student, **fields) -> Application:
    return ApplicationFactory(listing=listing, student=student, **fields)


def _feedback(application, role: str, rating: int, moment) -> None:
    Feedback.objects.create(
        application=application, author_role=role, rating=rating, created_at=moment
    )


@pytest.fixture
def program(db, frozen) -> Program:
    moderator = StaffFactory(email="moderator@test.example")
    software = IndustryFactory(name="Software", slug="software")
    nonprofit = IndustryFactory(name="Non-profit", slug="non-profit")
    acme = _organization("Acme", at(2025, 12, 9), verify_at=at(2025, 12, 10), by=moderator)
    hope = _organization("Hope", at(2026, 3, 10), verify_at=at(2026, 3, 11), by=moderator)
    shady = _organization("Shady", at(2026, 3, 15), suspend_at=at(2026, 3, 16), by=moderator)

    def software_listing(moment, **kwargs):
        return _listing(moment, organization=acme, industry=software, **kwargs)

    def nonprofit_listing(moment, **kwargs):
        return _listing(moment, organization=hope, industry=nonprofit, **kwargs)

    L = {}
    L["L1"] = software_listing(at(2026, 3, 10, 9), title="Clean our donor data")
    _submit(L["L1"], at(2026, 3, 10, 10), by=moderator)
    _decide(L["L1"], at(2026, 3, 10, 14), "approve", by=moderator)

    L["L2"] = software_listing(at(2026, 3, 12, 8), title="=HYPERLINK(evil)")
    _submit(L["L2"], at(2026, 3, 12, 9), by=moderator)
    _decide(L["L2"], at(2026, 3, 13, 9), "request_changes", by=moderator)
    _submit(L["L2"], at(2026, 3, 14, 9), by=moderator)
    _decide(L["L2"], at(2026, 3, 15, 9), "approve", by=moderator)

    L["L3"] = nonprofit_listing(at(2026, 3, 15, 23))
    _submit(L["L3"], at(2026, 3, 16), by=moderator)
    _decide(L["L3"], at(2026, 3, 18), "reject", by=moderator)

    L["L4"] = nonprofit_listing(at(2026, 3, 17, 11))
    _submit(L["L4"], at(2026, 3, 17, 12), by=moderator)
    L["L6"] = nonprofit_listing(at(2026, 3, 19, 11))
    _submit(L["L6"], at(2026, 3, 19, 12), by=moderator)

    L["L5"] = software_listing(at(2026, 1, 18), fee=Decimal("900.00"))
    _submit(L["L5"], at(2026, 1, 19), by=moderator)
    _decide(L["L5"], at(2026, 1, 20), "approve", by=moderator)

    L["L7"] = nonprofit_listing(
        at(2026, 2, 27),
        status="published",
        published_at=at(2026, 2, 28),
        fee=Decimal("400.00"),
        currency="EUR",
        estimated_hours=10,
    )
    L["L9"] = nonprofit_listing(at(2026, 2, 27), status="published", published_at=at(2026, 2, 28))
    L["L8"] = nonprofit_listing(
        at(2026, 2, 1),
        status="closed",
        published_at=at(2026, 2, 8),
        closed_at=at(2026, 3, 1),
        application_deadline=datetime.date(2026, 3, 1),
        due_date=datetime.date(2026, 3, 15),
    )

    S = {
        name: StudentFactory(email=f"{name.lower()}@students.test")
        for name in ("S1", "S2", "S3", "S4", "S5")
    }
    A = {}
    A["A1"] = _application(
        L["L1"],
        S["S1"],
        status="completed",
        created_at=at(2026, 3, 11),
        offered_at=at(2026, 3, 12),
        decided_at=at(2026, 3, 12),
        accepted_at=at(2026, 3, 13),
        completed_at=at(2026, 3, 18),
    )
    A["A2"] = _application(
        L["L1"],
        S["S2"],
        status="not_selected",
        created_at=at(2026, 3, 11),
        decided_at=at(2026, 3, 13),
    )
    A["A3"] = _application(L["L2"], S["S1"], status="submitted", created_at=at(2026, 3, 16))
    A["A9"] = _application(
        L["L2"],
        S["S4"],
        status="accepted",
        created_at=at(2026, 3, 17),
        offered_at=at(2026, 3, 18, 18),
        decided_at=at(2026, 3, 18, 18),
        accepted_at=at(2026, 3, 19),
    )
    A["A4"] = _application(
        L["L7"],
        S["S3"],
        status="completed",
        created_at=at(2026, 3, 5),
        offered_at=at(2026, 3, 6, 12),
        decided_at=at(2026, 3, 6, 12),
        accepted_at=at(2026, 3, 7),
        completed_at=at(2026, 3, 19),
    )
    A["A5"] = _application(
        L["L9"],
        S["S4"],
        status="declined",
        created_at=at(2026, 3, 5),
        offered_at=at(2026, 3, 8),
        decided_at=at(2026, 3, 8),
    )
    A["A6"] = _application(L["L8"], S["S2"], status="viewed", created_at=at(2026, 2, 23))
    A["A8"] = _application(
        L["L5"],
        S["S3"],
        status="completed",
        created_at=at(2026, 2, 9),
        offered_at=at(2026, 2, 10),
        decided_at=at(2026, 2, 10),
        accepted_at=at(2026, 2, 11),
        completed_at=at(2026, 3, 17),
    )
    A["A7"] = _application(
        L["L5"],
        S["S5"],
        status="completed",
        created_at=at(2026, 1, 29),
        offered_at=at(2026, 1, 30),
        decided_at=at(2026, 1, 30),
        accepted_at=at(2026, 1, 31),
        completed_at=at(2026, 2, 3),
    )
    _feedback(A["A1"], "employer", 5, at(2026, 3, 19))
    _feedback(A["A1"], "student", 4, at(2026, 3, 19))
    _feedback(A["A4"], "employer", 3, at(2026, 3, 20, 8))
    _feedback(A["A8"], "employer", 4, at(2026, 3, 18))
    _feedback(A["A8"], "student", 2, at(2026, 3, 18))
    _feedback(A["A7"], "employer", 5, at(2026, 2, 4))
    _feedback(A["A7"], "student", 5, at(2026, 2, 4))
    for listing in L.values():
        listing.refresh_from_db()
    return Program(
        software=software,
        nonprofit=nonprofit,
        acme=acme,
        hope=hope,
        shady=shady,
        listings=L,
        applications=A,
        students=S,
        moderator=moderator,
    )
