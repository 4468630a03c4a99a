"""Benchmark data on top of the demo data: `python -m ops.bench.seed --listings N`.

Deterministic for a given N: the demo accounts (seed_demo), 200 organizations, N published
listings in all (the demo ones, three with a rare word, the rest from generate_listings),
2 000 students, three applications and one saved listing per listing, and one student with
50 applications in every state of the dashboard. Large tables are filled in SQL.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta

# Students and organizations created for load; their emails never reach a real mailbox.
BENCH_DOMAIN = "bench.example"
BENCH_STUDENT_EMAIL = f"dashboard@{BENCH_DOMAIN}"
ORGANIZATIONS = 200
SUSPENDED_ORGANIZATIONS = 2
STUDENTS = 2000
APPLICATIONS_PER_LISTING = 3
DASHBOARD_APPLICATIONS = 50
#: The word only three listings contain (the rare search); the common one is in most.
RARE_TERM = "lighthouse"
COMMON_TERM = "data"

_ORG_WORDS = [
    "Amber", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Indigo",
    "Juniper", "Kestrel", "Lumen", "Meadow", "Nimbus", "Orchard", "Prairie", "Quarry", "Ridge",
    "Summit", "Tundra",
]  # fmt: skip
_ORG_KINDS = ["Labs", "Collective", "Foundation", "Studio", "Works", "Partners", "Co-op",
              "Institute", "Agency", "Trust"]  # fmt: skip

RARE_LISTINGS = [
    ("Catalogue the lighthouse archive", "Photograph and describe 300 letters from the keepers."),
    ("Map lighthouse visitor numbers", "Turn ten years of visitor counts into clear charts."),
    ("Write the lighthouse audio tour", "Eight short scripts for a self-guided audio tour."),
]

# The dashboard student's applications cycle through these states.
DASHBOARD_STATES = [
    "submitted",
    "viewed",
    "shortlisted",
    "offered",
    "accepted",
    "work_submitted",
    "revision_requested",
    "completed",
    "not_selected",
    "withdrawn",
]
# The event trail that leads to each state.
TRAILS = {
    "submitted": ["submitted"],
    "viewed": ["submitted", "viewed"],
    "shortlisted": ["submitted", "viewed", "shortlisted"],
    "offered": ["submitted", "shortlisted", "offered"],
    "accepted": ["submitted", "shortlisted", "offered", "accepted"],
    "work_submitted": ["submitted", "offered", "accepted", "work_submitted"],
    "revision_requested": [
        "submitted",
        "offered",
        "accepted",
        "work_submitted",
        "revision_requested",
    ],
    "completed": ["submitted", "offered", "accepted", "work_submitted", "completed"],
    "not_selected": ["submitted", "viewed", "not_selected"],
    "withdrawn": ["submitted", "withdrawn"],
}


def log(message: str) -> None:
    print(f"  seed: {message}", flush=True)  # noqa: T201 - progress of a command-line tool


def seed(listings: int) -> dict:
    from django.core.management import call_command

    from accounts.models import Organization
    from listings.demo import generate_listings
    from listings.models import Listing

    started = time.monotonic()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit
    log(f"demo data in {time.monotonic() - started:.1f}s")

    organizations = bench_organizations()
    rare_listings()
    published = Listing.objects.filter(status=Listing.Status.PUBLISHED).count()
    missing = max(listings - published, 0)
    if missing:
        step = time.monotonic()
        demo_verified = list(Organization.objects.verified().exclude(slug__startswith="bench-"))
        generate_listings(missing, organizations=demo_verified + organizations)
        log(f"{missing} listings generated in {time.monotonic() - step:.1f}s")
    students = bench_students()
    step = time.monotonic()
    crowd_activity(students)
    log(f"applications and saved listings in {time.monotonic() - step:.1f}s")
    dashboard_student()
    return {
        "published_listings": Listing.objects.filter(status=Listing.Status.PUBLISHED).count(),
        "open_listings": Listing.objects.open().count(),
        "seconds": round(time.monotonic() - started, 1),
    }


def bench_organizations() -> list:
    """Verified organizations (two of them suspended) that own the generated listings."""
    from django.utils import timezone

    from accounts.models import Organization

    now = timezone.now()
    wanted = []
    for index in range(ORGANIZATIONS):
        word = _ORG_WORDS[index % len(_ORG_WORDS)]
        kind = _ORG_KINDS[(index // len(_ORG_WORDS)) % len(_ORG_KINDS)]
        suspended = index >= ORGANIZATIONS - SUSPENDED_ORGANIZATIONS
        wanted.append(
            Organization(
                name=f"{word} {kind}",
                slug=f"bench-{index:03d}",
                email_domain=f"org{index:03d}.{BENCH_DOMAIN}",
                website=f"https://org{index:03d}.{BENCH_DOMAIN}",
                description="A benchmark organization.",
                verification=(
                    Organization.Verification.SUSPENDED
                    if suspended
                    else Organization.Verification.VERIFIED
                ),
                verified_at=now,
            )
        )
    existing = set(
        Organization.objects.filter(slug__startswith="bench-").values_list("slug", flat=True)
    )
    Organization.objects.bulk_create([o for o in wanted if o.slug not in existing])
    return list(Organization.objects.filter(slug__startswith="bench-").order_by("slug"))


def rare_listings() -> None:
    """Three listings with a word no other listing has, published through the model."""
    from accounts.models import Organization, User
    from listings.demo import ensure_taxonomy
    from listings.models import Industry, Listing

    if Listing.objects.filter(title__in=[title for title, _ in RARE_LISTINGS]).exists():
        return
    from django.utils import timezone

    _industries, skills = ensure_taxonomy()
    organization = Organization.objects.verified().exclude(slug__startswith="bench-").first()
    owner = organization.active_members().first()
    staff = User.objects.get(email="staff@example.com")
    today = timezone.localdate()
    for index, (title, summary) in enumerate(RARE_LISTINGS):
        listing = Listing(
            organization=organization,
            industry=Industry.objects.get(slug="nonprofit"),
            title=title,
            summary=summary,
            description=f"## About the project\n\n{summary}\n\nOur volunteers will help you.",
            deliverables="The finished material\nA short summary of your approach",
            estimated_hours=20,
            fee=800,
            location_type="remote",
            country="US",
            application_deadline=today + timedelta(days=20 + index),
            due_date=today + timedelta(days=40 + index),
        )
        listing.save()
        listing.skills.set([skills["Photography"], skills["Technical writing"]])
        listing.refresh_search_vector()
        listing.submit(by=owner)
        listing.approve(by=staff)


def bench_students() -> list[int]:
    """2 000 students with verified emails (no usable password); their user ids."""
    from allauth.account.models import EmailAddress

    from accounts.models import StudentProfile, User

    emails = [f"student{index:04d}@{BENCH_DOMAIN}" for index in range(STUDENTS)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    users = []
    for index, email in enumerate(emails):
        if email in existing:
            continue
        user = User(email=email, first_name=f"Student{index:04d}", last_name="Bench")
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=1000)
    created = User.objects.filter(email__in=[u.email for u in users])
    StudentProfile.objects.bulk_create(
        [StudentProfile(user=u, school="State University", program="Any") for u in created],
        batch_size=1000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in created],
        batch_size=1000,
    )
    return list(User.objects.filter(email__in=emails).order_by("pk").values_list("pk", flat=True))


def crowd_activity(student_ids: list[int]) -> None:
    """Three applications (each with its first event) and one saved listing per listing."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM applications_application)")
        if cursor.fetchone()[0] and _crowd_done(cursor):
            return
        cursor.execute(
            _APPLICATIONS_SQL, {"students": student_ids, "per": APPLICATIONS_PER_LISTING}
        )
        cursor.execute(_SAVED_SQL, {"students": student_ids})


def _crowd_done(cursor) -> bool:
    cursor.execute(
        "SELECT count(*) FROM applications_application a JOIN accounts_user u "
        "ON u.id = a.student_id WHERE u.email LIKE %s",
        [f"student%@{BENCH_DOMAIN}"],
    )
    return cursor.fetchone()[0] > 0


# Each listing gets `per` applications from students picked by a hash of its id; stride 7
# keeps the picks for one listing distinct.
_APPLICATIONS_SQL = """
WITH picks AS (
    SELECT l.id AS listing_id,
           (%(students)s::bigint[])[
               1 + (abs(hashtext('bench:' || l.id)) + k * 7) %% cardinality(%(students)s::bigint[])
           ] AS student_id,
           l.published_at + make_interval(hours => k) AS created_at
    FROM listings_listing AS l
    CROSS JOIN generate_series(1, %(per)s) AS k
    WHERE l.status = 'published'
),
inserted AS (
    INSERT INTO applications_application (
        listing_id, student_id, pitch, availability_confirmed, resume, status,
        created_at, updated_at, work_links, work_note, employer_message,
        payment_status, payment_reference
    )
    SELECT listing_id, student_id,
           'I have done similar projects and would start with a short call to agree the scope.',
           true, '', 'submitted', created_at, created_at, '[]'::jsonb, '', '',
           'unpaid', ''
    FROM picks
    ON CONFLICT DO NOTHING
    RETURNING id, student_id, created_at
)
INSERT INTO applications_applicationevent (
    application_id, actor_id, from_status, to_status, note, created_at
)
SELECT id, student_id, '', 'submitted', '', created_at FROM inserted
"""

_SAVED_SQL = """
INSERT INTO listings_savedlisting (listing_id, user_id, created_at)
SELECT l.id,
       (%(students)s::bigint[])[
           1 + abs(hashtext('saved:' || l.id)) %% cardinality(%(students)s::bigint[])
       ],
       l.published_at + interval '1 day'
FROM listings_listing AS l
WHERE l.status = 'published'
ON CONFLICT DO NOTHING
"""


def dashboard_student() -> None:
    """The student whose dashboard is measured: 50 applications in every state, 20 saves."""
    from allauth.account.models import EmailAddress
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import StudentProfile, User
    from applications.models import Application, ApplicationEvent, Feedback
    from listings.demo import GENERATED_SLUG
    from listings.models import Listing, SavedListing

    if User.objects.filter(email=BENCH_STUDENT_EMAIL).exists():
        return
    now = timezone.now()
    with transaction.atomic():
        student = User(email=BENCH_STUDENT_EMAIL, first_name="Dana", last_name="Bench")
        student.set_unusable_password()
        student.save()
        StudentProfile.objects.create(user=student, school="State University", program="Data")
        EmailAddress.objects.create(user=student, email=student.email, primary=True, verified=True)
        # Every 40th generated listing: spread over organizations, industries and deadlines.
        generated = Listing.objects.filter(
            slug__regex=GENERATED_SLUG, status=Listing.Status.PUBLISHED
        ).order_by("pk")
        candidates = list(generated.values_list("pk", flat=True)[: DASHBOARD_APPLICATIONS * 40])[
            ::40
        ]
        applications = []
        for index, listing_id in enumerate(candidates):
            state = DASHBOARD_STATES[index % len(DASHBOARD_STATES)]
            created = now - timedelta(days=30 - index % 30, hours=index)
            application = Application(
                listing_id=listing_id,
                student=student,
                pitch="I would love to help with this project.",
                availability_confirmed=True,
                status=state,
                created_at=created,
            )
            if state == "offered":
                application.offered_at = now - timedelta(days=1)
                application.offer_expires_at = now + timedelta(days=2)
            if state in {"accepted", "work_submitted", "revision_requested", "completed"}:
                application.offered_at = created + timedelta(days=2)
                application.accepted_at = created + timedelta(days=3)
            if state in {"work_submitted", "revision_requested", "completed"}:
                application.work_submitted_at = created + timedelta(days=10)
                application.work_links = ["https://example.com/work"]
            if state == "completed":
                application.completed_at = now - timedelta(days=1 + index % 3)
            applications.append(application)
        Application.objects.bulk_create(applications)
        events = []
        for application in applications:
            previous = ""
            for step, status in enumerate(TRAILS[application.status]):
                events.append(
                    ApplicationEvent(
                        application=application,
                        actor=student if status in {"submitted", "accepted", "withdrawn"} else None,
                        from_status=previous,
                        to_status=status,
                        created_at=application.created_at + timedelta(hours=step),
                    )
                )
                previous = status
        ApplicationEvent.objects.bulk_create(events)
        Feedback.objects.bulk_create(
            [
                Feedback(
                    application=a,
                    author_role=Feedback.Author.EMPLOYER,
                    rating=5,
                    comment="Clear, careful work, delivered early.",
                )
                for a in applications
                if a.status == "completed" and a.pk % 2 == 0
            ]
        )
        applied = [a.listing_id for a in applications]
        to_save = (
            Listing.objects.open()
            .exclude(pk__in=applied)
            .order_by("pk")
            .values_list("pk", flat=True)[:20]
        )
        SavedListing.objects.bulk_create(
            [SavedListing(user=student, listing_id=pk) for pk in to_save], ignore_conflicts=True
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, required=True, help="published listings in all")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microintern.settings")
    import django

    django.setup()
    import json

    result = seed(args.listings)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
