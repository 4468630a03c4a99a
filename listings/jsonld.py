"""schema.org JobPosting data for open listings, so search engines can show them as jobs."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from listings.models import Listing

# Inside <script> the HTML parser ends the element at "</"; escaping <, > and & keeps every
# string (an employer's description included) inside the JSON.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def job_posting(listing: Listing, *, absolute: Callable[[str], str]) -> dict:
    """The JobPosting object for one listing; `absolute` turns a path into a full URL."""
    organization = listing.organization
    hiring = {
        "@type": "Organization",
        "name": organization.name,
        "url": absolute(reverse("listings:organization", kwargs={"slug": organization.slug})),
    }
    if organization.website:
        hiring["sameAs"] = organization.website

    data: dict = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": listing.title,
        "description": listing.description_html,
        "url": absolute(listing.get_absolute_url()),
        "identifier": {
            "@type": "PropertyValue",
            "name": organization.name,
            "value": listing.slug,
        },
        "datePosted": (listing.published_at or listing.created_at).date().isoformat(),
        "validThrough": listing.deadline_at.isoformat(),
        "hiringOrganization": hiring,
        "employmentType": ["INTERN", "CONTRACTOR"],
        "directApply": True,
        # A fixed fee for the whole project: Google's units are HOUR to YEAR, so the pay is
        # given as the effective hourly rate the page shows, the fee and hours beside it.
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": listing.currency,
            "value": {
                "@type": "QuantitativeValue",
                "value": float(listing.hourly_rate),
                "unitText": "HOUR",
            },
        },
        "workHours": (
            f"About {listing.estimated_hours} hours in total, "
            f"for a fixed fee of {listing.fee} {listing.currency}"
        ),
        "industry": listing.industry.name,
        "jobBenefits": listing.besides_fee,
    }
    skills = [skill.name for skill in listing.skills.all()]
    if skills:
        data["skills"] = ", ".join(skills)

    if listing.location_type != Listing.LocationType.REMOTE:
        address = {"@type": "PostalAddress"}
        for key, value in (
            ("addressLocality", listing.city),
            ("addressRegion", listing.region),
            ("addressCountry", listing.country),
        ):
            if value:
                address[key] = value
        data["jobLocation"] = {"@type": "Place", "address": address}
    if listing.location_type != Listing.LocationType.ONSITE:
        data["jobLocationType"] = "TELECOMMUTE"
        if listing.country:
            data["applicantLocationRequirements"] = {
                "@type": "Country",
                "name": listing.country,
            }
    return data


def as_script(data: dict) -> SafeString:
    """A <script type="application/ld+json"> element holding `data`."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    # Safe: every <, > and & in the payload is escaped above, so nothing can close the element.
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308
