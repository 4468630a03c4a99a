from django.contrib.postgres.search import SearchQuery

from listings.demo import generate_listings, seed_listings
from listings.models import Listing
from tests.factories import EmployerFactory, OrganizationFactory, StaffFactory


def test_seed_listings_is_idempotent_and_covers_the_contract(db):
    orgs = [EmployerFactory().memberships.get().organization for _ in range(2)]
    staff = StaffFactory()
    first = seed_listings(organizations=orgs, staff=staff)
    second = seed_listings(organizations=orgs, staff=staff)
    assert first == second
    assert first["published"] >= 24 and first["submitted"] >= 1
    published = Listing.objects.open()
    assert published.count() == first["published"]
    assert published.values("industry").distinct().count() >= 5
    assert {"remote", "onsite"} <= set(published.values_list("location_type", flat=True))
    assert Listing.objects.filter(status="submitted").count() == first["submitted"]


def test_generated_listings_are_published_searchable_and_deterministic(db):
    org = OrganizationFactory(verified=True, name="Umbrella Research")
    assert generate_listings(40, organizations=[org]) == 40
    generated = Listing.objects.filter(slug__contains="-gen")
    snapshot = list(generated.order_by("slug").values_list("slug", "fee", "estimated_hours"))
    assert len(snapshot) == 40
    assert all(listing.skills.exists() for listing in generated)
    assert generated.open().count() == 40
    assert all(row.hourly_rate == round(row.fee / row.estimated_hours, 2) for row in generated)
    # The organization's name and the template's words are both searchable.
    umbrella = SearchQuery("umbrella", config="english")
    assert Listing.objects.filter(search_vector=umbrella).count() == 40
    # Same seed and start, same rows: regenerate from scratch and compare.
    generated.delete()
    generate_listings(40, organizations=[org])
    again = list(
        Listing.objects.filter(slug__contains="-gen")
        .order_by("slug")
        .values_list("slug", "fee", "estimated_hours")
    )
    assert again == snapshot


def test_seed_demo_command_adds_listings_and_a_saved_listing_closing_soon(db):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from listings.models import SavedListing

    call_command("seed_demo", "--listings", "30", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Listing.objects.open().count() == 24 + 30
    saved = SavedListing.objects.get(user__email="student@example.com")
    today = timezone.localdate()
    assert today <= saved.listing.application_deadline <= today + timedelta(days=1)
    assert saved.listing.is_open
