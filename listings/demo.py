"""Demo listings for `seed_demo`: realistic projects, and fast bulk generation for load tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from listings.models import Industry, Listing, Skill
from listings.text import render_markdown

# Generated listings' slugs end in -gen<sequence number>.
GENERATED_SLUG = r"-gen[0-9]+$"

INDUSTRIES = {
    "software": "Software and IT",
    "nonprofit": "Non-profit and social impact",
    "marketing": "Marketing and communications",
    "finance": "Finance and accounting",
    "design": "Design and media",
    "research": "Research and data",
    "education": "Education",
    "healthcare": "Healthcare",
}

SKILLS = [
    "Python",
    "SQL",
    "Excel",
    "Data analysis",
    "Data visualization",
    "JavaScript",
    "React",
    "Django",
    "Figma",
    "UX research",
    "Copywriting",
    "Social media",
    "SEO",
    "Video editing",
    "Illustration",
    "Financial modeling",
    "Bookkeeping",
    "Market research",
    "Survey design",
    "Grant writing",
    "Public speaking",
    "Spanish",
    "Technical writing",
    "Photography",
]

# (industry, title, summary, skills, hours, fee, location type, city)
PROJECTS = [
    (
        "software",
        "Automate our weekly sales report",
        "Turn a manual spreadsheet ritual into a Python script that runs on its own.",
        ["Python", "Excel"],
        20,
        700,
        "remote",
        "",
    ),
    (
        "software",
        "Build a volunteer sign-up page",
        "A small Django page where volunteers pick shifts for our food drive.",
        ["Django", "Python"],
        30,
        1050,
        "remote",
        "",
    ),
    (
        "software",
        "Clean up our customer database",
        "Deduplicate and standardise 12 000 customer records with SQL.",
        ["SQL", "Data analysis"],
        15,
        480,
        "remote",
        "",
    ),
    (
        "software",
        "Prototype a React booking widget",
        "An embeddable widget that shows free appointment slots.",
        ["JavaScript", "React"],
        35,
        1400,
        "hybrid",
        "Austin",
    ),
    (
        "nonprofit",
        "Write a grant application for a literacy program",
        "Draft a 5-page proposal to a regional foundation, with budget narrative.",
        ["Grant writing", "Technical writing"],
        18,
        600,
        "remote",
        "",
    ),
    (
        "nonprofit",
        "Survey our volunteers and report what keeps them",
        "Design a short survey, run it, and summarise what you learn.",
        ["Survey design", "Data analysis"],
        22,
        660,
        "remote",
        "",
    ),
    (
        "nonprofit",
        "Translate our family resources into Spanish",
        "Translate and adapt six one-page guides for Spanish-speaking families.",
        ["Spanish", "Copywriting"],
        12,
        420,
        "remote",
        "",
    ),
    (
        "nonprofit",
        "Photograph our community garden season",
        "Two on-site shoots and an edited set of 40 photos for our annual report.",
        ["Photography"],
        10,
        400,
        "onsite",
        "Portland",
    ),
    (
        "marketing",
        "Plan a month of social media posts",
        "A content calendar with 20 posts, captions and image briefs.",
        ["Social media", "Copywriting"],
        16,
        520,
        "remote",
        "",
    ),
    (
        "marketing",
        "Audit our website's SEO",
        "Find what keeps us off the first page and list fixes in priority order.",
        ["SEO", "Market research"],
        14,
        490,
        "remote",
        "",
    ),
    (
        "marketing",
        "Edit three short customer-story videos",
        "Cut raw interviews into three 60-second videos with captions.",
        ["Video editing"],
        24,
        840,
        "hybrid",
        "Chicago",
    ),
    (
        "marketing",
        "Research competitors for a new product line",
        "Compare eight competitors on price, features and positioning.",
        ["Market research", "Excel"],
        20,
        640,
        "remote",
        "",
    ),
    (
        "finance",
        "Build a three-year financial model",
        "A clear spreadsheet model for a small bakery's expansion plan.",
        ["Financial modeling", "Excel"],
        25,
        950,
        "remote",
        "",
    ),
    (
        "finance",
        "Reconcile a year of bookkeeping",
        "Match bank statements to our ledger and flag what does not add up.",
        ["Bookkeeping", "Excel"],
        20,
        600,
        "onsite",
        "Boston",
    ),
    (
        "finance",
        "Analyse our pricing with SQL",
        "Find which discounts pay off, from two years of order data.",
        ["SQL", "Data analysis"],
        18,
        720,
        "remote",
        "",
    ),
    (
        "design",
        "Redesign our donor newsletter",
        "A fresh, accessible email template and two sample issues.",
        ["Figma", "Copywriting"],
        16,
        560,
        "remote",
        "",
    ),
    (
        "design",
        "Illustrate a children's activity booklet",
        "Eight black-and-white illustrations for a printable booklet.",
        ["Illustration"],
        20,
        700,
        "remote",
        "",
    ),
    (
        "design",
        "Usability test our mobile app",
        "Run five moderated sessions and report the top ten problems.",
        ["UX research", "Figma"],
        22,
        880,
        "hybrid",
        "Seattle",
    ),
    (
        "research",
        "Visualise ten years of air-quality data",
        "Interactive-looking static charts and a short written summary.",
        ["Data visualization", "Python"],
        20,
        760,
        "remote",
        "",
    ),
    (
        "research",
        "Literature review on remote learning outcomes",
        "Summarise 25 recent studies into a 6-page brief.",
        ["Technical writing"],
        24,
        720,
        "remote",
        "",
    ),
    (
        "research",
        "Dashboard of our clinic wait times",
        "A simple dashboard from exported appointment data.",
        ["Data visualization", "SQL"],
        25,
        900,
        "onsite",
        "Denver",
    ),
    (
        "education",
        "Record a tutorial series on spreadsheets",
        "Five short screen-recorded lessons for adult learners.",
        ["Excel", "Video editing", "Public speaking"],
        18,
        630,
        "remote",
        "",
    ),
    (
        "education",
        "Write quiz questions for an intro statistics course",
        "120 reviewed multiple-choice questions with explanations.",
        ["Data analysis", "Technical writing"],
        15,
        450,
        "remote",
        "",
    ),
    (
        "healthcare",
        "Map community health resources",
        "A verified directory of 60 local services with opening hours.",
        ["Market research", "Spanish"],
        20,
        600,
        "hybrid",
        "Phoenix",
    ),
    (
        "healthcare",
        "Analyse patient feedback comments",
        "Group 2 000 free-text comments into themes with examples.",
        ["Data analysis", "Python"],
        16,
        640,
        "remote",
        "",
    ),
    (
        "software",
        "Document our internal API",
        "Write clear reference docs and a getting-started guide.",
        ["Technical writing", "Python"],
        14,
        560,
        "remote",
        "",
    ),
]

DESCRIPTION = """## About the project

{summary}

You will work with a member of our team who answers questions within a working day.
We meet for a short call at the start and once a week; the rest of the time you work
at your own pace.

## What you will do

- Get to know the context from the material we send you
- Do the work described in the deliverables
- Present the result in a 20-minute call

## What you will learn

Real-world practice in {skills}, a reference from us, and a verified project for your portfolio.
"""

DELIVERABLES = {
    "software": "Working code in a shared repository\nA README explaining how to run it",
    "nonprofit": "The finished document, ready to send\nA one-page summary of your approach",
    "marketing": "The finished material in an editable format\nA short rationale for your choices",
    "finance": "The spreadsheet with documented assumptions\nA one-page memo of findings",
    "design": "Source files (Figma or equivalent)\nExported files ready to use",
    "research": "A written report (PDF)\nThe data and charts behind it",
    "education": "The finished course material\nA short guide for instructors",
    "healthcare": "The finished deliverable\nA summary of sources and methods",
}


def ensure_taxonomy() -> tuple[dict[str, Industry], dict[str, Skill]]:
    """Create the demo industries and skills (idempotent)."""
    industries = {
        slug: Industry.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in INDUSTRIES.items()
    }
    skills = {
        name: Skill.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
        for name in SKILLS
    }
    return industries, skills


def _fields(project: tuple, today) -> dict:
    industry, title, summary, skill_names, hours, fee, location_type, city = project
    return {
        "title": title,
        "summary": summary,
        "description": DESCRIPTION.format(summary=summary, skills=", ".join(skill_names)),
        "deliverables": DELIVERABLES[industry],
        "estimated_hours": hours,
        "fee": Decimal(fee),
        "currency": "USD",
        "location_type": location_type,
        "city": city,
        "country": "US",
        "openings": 1 + (hours % 3 == 0),
    }


def seed_listings(*, organizations: list, staff) -> dict[str, int]:
    """The demo listings: published ones across industries, two waiting for review.

    Idempotent: a listing is identified by its organization and title.
    """
    industries, skills = ensure_taxonomy()
    today = timezone.localdate()
    counts = {"published": 0, "submitted": 0}
    for index, project in enumerate(PROJECTS):
        organization = organizations[index % len(organizations)]
        deadline = today + timedelta(days=3 + (index * 5) % 30)
        fields = _fields(project, today)
        listing = (
            Listing.objects.filter(organization=organization, title=fields["title"])
            .exclude(slug__regex=GENERATED_SLUG)
            .first()
        )
        if listing is None:
            listing = Listing(
                organization=organization,
                industry=industries[project[0]],
                application_deadline=deadline,
                due_date=deadline + timedelta(days=14 + project[4] // 2),
                contact_email=f"projects@{organization.email_domain or 'example.com'}",
                **fields,
            )
            listing.save()
            listing.skills.set([skills[name] for name in project[3]])
            listing.refresh_search_vector()
        waiting = index >= len(PROJECTS) - 2
        if listing.status == Listing.Status.DRAFT:
            listing.submit(by=organization.active_members().first())
            if not waiting:
                listing.approve(by=staff)
        counts["submitted" if listing.status == Listing.Status.SUBMITTED else "published"] += 1
    return counts


def generate_listings(
    count: int, *, organizations: list, seed: int = 2026, batch: int = 20000, progress=None
) -> int:
    """Insert `count` published listings for load tests, in SQL (100 000 take seconds).

    Deterministic for a given seed and starting point: each generated listing's choices are
    hashes of its sequence number. Run again, it adds `count` more after the last one.
    """
    industries, skills = ensure_taxonomy()
    today = timezone.localdate()
    start = Listing.objects.filter(slug__regex=GENERATED_SLUG).count() + 1
    templates = []
    for index, project in enumerate(PROJECTS):
        fields = _fields(project, today)
        templates.append(
            (
                index,
                industries[project[0]].pk,
                fields["title"],
                slugify(fields["title"])[:100],
                fields["summary"],
                fields["description"],
                render_markdown(fields["description"]),
                fields["deliverables"],
                fields["city"],
                " ".join(project[3]),
            )
        )
    template_skills = [
        (index, skills[name].pk) for index, project in enumerate(PROJECTS) for name in project[3]
    ]
    org_ids = [organization.pk for organization in organizations]
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demo_template (idx int, industry_id bigint, title text, "
            "slug text, summary text, description text, description_html text, "
            "deliverables text, city text, skills text, vector tsvector)"
        )
        cursor.executemany(
            "INSERT INTO demo_template VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", templates
        )
        # The same weights as Listing.refresh_search_vector: title > skills > summary > body.
        cursor.execute(
            "UPDATE demo_template SET vector = "
            "setweight(to_tsvector('english', title), 'A') || "
            "setweight(to_tsvector('english', skills), 'B') || "
            "setweight(to_tsvector('english', summary), 'C') || "
            "setweight(to_tsvector('english', description || ' ' || deliverables), 'D')"
        )
        cursor.execute("CREATE TEMP TABLE demo_template_skill (idx int, skill_id bigint)")
        cursor.executemany("INSERT INTO demo_template_skill VALUES (%s, %s)", template_skills)
        while created < count:
            first = start + created
            last = first + min(batch, count - created) - 1
            cursor.execute(
                _GENERATE_SQL,
                {
                    "seed": str(seed),
                    "first": first,
                    "last": last,
                    "templates": len(templates),
                    "orgs": org_ids,
                    "today": today,
                    "now": timezone.now(),
                },
            )
            created += last - first + 1
            if progress:
                progress(created, count)
        cursor.execute("DROP TABLE demo_template, demo_template_skill")
    return created


# One row per sequence number g; h(name) is a stable pseudo-random integer for that choice.
_GENERATE_SQL = """
WITH gen AS (
    SELECT g,
           abs(hashtext(%(seed)s || ':template:' || g)) %% %(templates)s AS idx,
           abs(hashtext(%(seed)s || ':org:' || g)) AS h_org,
           5 + abs(hashtext(%(seed)s || ':hours:' || g)) %% 36 AS hours,
           (10 + abs(hashtext(%(seed)s || ':fee:' || g)) %% 190) * 10 AS fee,
           1 + abs(hashtext(%(seed)s || ':deadline:' || g)) %% 60 AS days,
           7 + abs(hashtext(%(seed)s || ':due:' || g)) %% 24 AS due_days,
           abs(hashtext(%(seed)s || ':location:' || g)) %% 3 AS location,
           abs(hashtext(%(seed)s || ':published:' || g)) %% 43200 AS minutes_ago
    FROM generate_series(%(first)s::int, %(last)s::int) AS g
),
inserted AS (
    INSERT INTO listings_listing (
        organization_id, industry_id, title, slug, summary, description, description_html,
        deliverables, estimated_hours, fee, currency, hourly_rate, pay_justification,
        also_provided, location_type, city, region, country, openings, application_deadline, due_date,
        eligibility, contact_email, status, moderation_reason, moderation_note, risk_score,
        risk_signals, approved_snapshot, created_at, updated_at, submitted_at, published_at,
        search_vector
    )
    SELECT o.id,
           t.industry_id, t.title, t.slug || '-gen' || gen.g, t.summary, t.description,
           t.description_html, t.deliverables, gen.hours, gen.fee, 'USD',
           round(gen.fee::numeric / gen.hours, 2), '', '',
           (ARRAY['remote', 'hybrid', 'onsite'])[1 + gen.location],
           CASE WHEN gen.location = 0 THEN '' ELSE COALESCE(NULLIF(t.city, ''), 'Chicago') END, '', 'US', 1,
           %(today)s::date + gen.days, %(today)s::date + gen.days + gen.due_days,
           '', '', 'published', '', '', 0, '[]'::jsonb, '{}'::jsonb,
           %(now)s, %(now)s, %(now)s, %(now)s - make_interval(mins => gen.minutes_ago),
           t.vector || setweight(to_tsvector('english', o.name), 'D')
    FROM gen
    JOIN demo_template AS t ON t.idx = gen.idx
    JOIN accounts_organization AS o
      ON o.id = (%(orgs)s::bigint[])[1 + gen.h_org %% cardinality(%(orgs)s::bigint[])]
    RETURNING id, slug
)
INSERT INTO listings_listing_skills (listing_id, skill_id)
SELECT inserted.id, ts.skill_id
FROM inserted
JOIN gen ON inserted.slug = (SELECT slug FROM demo_template WHERE idx = gen.idx) || '-gen' || gen.g
JOIN demo_template_skill AS ts ON ts.idx = gen.idx
"""


def seed_demo(demo) -> str:
    """The listings part of `manage.py seed_demo` (see accounts' seed_demo command)."""
    from listings.models import SavedListing

    verified = [org for org in demo.organizations if org.is_verified]
    counts = seed_listings(organizations=verified, staff=demo.staff)

    # The contract: a listing closing within 48 hours that the first student saved, not applied to.
    today = timezone.localdate()
    closing = Listing.objects.exclude(slug__regex=GENERATED_SLUG).get(
        organization=verified[0], title=PROJECTS[0][1]
    )
    if closing.status == Listing.Status.PUBLISHED and not (
        today <= closing.application_deadline <= today + timedelta(days=1)
    ):
        Listing.objects.filter(pk=closing.pk).update(
            application_deadline=today + timedelta(days=1),
            due_date=max(closing.due_date, today + timedelta(days=15)),
        )
    SavedListing.objects.get_or_create(user=demo.students[0], listing=closing)

    line = f"{counts['published']} published listings, {counts['submitted']} waiting for review"
    if demo.extra_listings:
        generated = generate_listings(demo.extra_listings, organizations=verified)
        demo.extra_listings_done = True
        line += f", {generated} generated for load tests"
    return line
