"""The slow queries of the large pages have an index that serves them.

Each test seeds a small table, forbids what is cheapest on a few rows (sequential scans, and
plain index scans for a search or sorts for an order) so that the planner shows what it can
do, and checks the plan of the page's query: the intended index, and no sort where the index
yields the order.
"""

import pytest
from django.db import connection, transaction

from accounts.models import User
from applications.models import Application
from backoffice.search import condition
from listings.filters import ORDERINGS, SORT_FEE
from listings.models import Listing
from tests.factories import ApplicationFactory, ListingFactory, StudentFactory

pytestmark = pytest.mark.django_db

#: A search is served by bitmap scans of its indexes; an order by reading an index in order.
SEARCH = ("indexscan",)
ORDER = ("sort",)


def plan(queryset, *, forbid: tuple[str, ...]) -> str:
    """EXPLAIN of the queryset's query with sequential scans and `forbid` off."""
    with transaction.atomic(), connection.cursor() as cursor:
        for method in ("seqscan", *forbid):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute("ANALYZE")
        return queryset.explain()


@pytest.fixture
def listings(organization):
    for index in range(30):
        ListingFactory(
            organization=organization,
            published=True,
            title=f"Survey data {index}" if index % 3 else f"Poster {index}",
        )


def test_the_staff_listing_search_reads_the_title_trigram_index(listings):
    shown = plan(
        Listing.objects.filter(condition(Listing, ["title", "contact_email"], "data")).order_by(),
        forbid=SEARCH,
    )
    assert "listing_title_trgm" in shown
    assert "listing_contact_trgm" in shown


def test_a_search_for_people_reads_their_trigram_indexes(db):
    StudentFactory.create_batch(10, last_name="Smith")
    shown = plan(
        User.objects.filter(
            condition(User, ["email", "first_name", "last_name"], "smith")
        ).order_by(),
        forbid=SEARCH,
    )
    for index in ("user_email_trgm", "user_first_name_trgm", "user_last_name_trgm"):
        assert index in shown


def test_the_staff_application_search_filters_by_foreign_key_indexes(organization):
    for _ in range(10):
        ApplicationFactory(
            listing=ListingFactory(organization=organization, published=True),
            student=StudentFactory(last_name="Smith"),
        )
    fields = ["student__email", "student__last_name", "listing__title"]
    shown = plan(
        Application.objects.filter(condition(Application, fields, "smith")).order_by(),
        forbid=SEARCH,
    )
    # An index on the student (whichever starts with it) serves the ids found first.
    assert "Index Cond: (student_id = ANY" in shown


def test_the_staff_listing_list_reads_its_order_from_an_index(listings):
    shown = plan(Listing.objects.order_by("-updated_at", "-pk").values("pk")[10:20], forbid=ORDER)
    assert "listing_updated_id" in shown
    assert "Sort" not in shown


def test_highest_fee_first_reads_its_order_from_an_index(listings):
    shown = plan(Listing.objects.open().order_by(*ORDERINGS[SORT_FEE])[:20], forbid=ORDER)
    assert "listing_status_fee" in shown
    assert "Sort Key" not in shown
