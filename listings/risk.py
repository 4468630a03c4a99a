"""Risk signals computed when a listing is submitted; their score orders the moderation queue."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings

if TYPE_CHECKING:
    from listings.models import Listing


@dataclass(frozen=True)
class Signal:
    code: str
    message: str
    weight: int

    def as_dict(self) -> dict:
        return asdict(self)


# Wording that asks students for money or banking details: the classic job-scam patterns.
MONEY_PATTERNS = [
    r"\bupfront\b",
    r"\bup-front\b",
    r"\b(?:registration|training|starter|application|processing)\s+(?:fee|kit|cost)s?\b",
    r"\bdeposit\s+(?:a|the|this)?\s*(?:check|cheque)\b",
    r"\bgift\s*cards?\b",
    r"\b(?:crypto|bitcoin|btc|usdt|ethereum)\b",
    r"\bbank\s+(?:account|details|login)\b",
    r"\b(?:routing|account)\s+number\b",
    r"\b(?:ssn|social\s+security(?:\s+number)?)\b",
    r"\bwire\s+(?:transfer|money|the)\b",
    r"\bpay\s+(?:us|a\s+fee|for\s+(?:your|the)\s+(?:training|equipment|kit))\b",
    r"\bbuy\s+(?:your\s+own\s+)?equipment\b",
]
MESSAGING_PATTERNS = [
    r"\bwhats\s*app\b",
    r"\btelegram\b",
    r"\bsignal\s+app\b",
    r"\bwechat\b",
    r"\bgoogle\s+hangouts?\b",
    r"\bkik\b",
    r"\bviber\b",
]
#: Signals found after submission (in the conversations with applicants): they stay on the
#: listing when it is assessed again.
LASTING = frozenset({"scam_in_messages"})

_money = re.compile("|".join(MONEY_PATTERNS), re.IGNORECASE)
_messaging = re.compile("|".join(MESSAGING_PATTERNS), re.IGNORECASE)


def _domain_of_url(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _same_site(email_domain: str, web_domain: str) -> bool:
    return bool(web_domain) and (
        email_domain == web_domain or email_domain.endswith("." + web_domain)
    )


def assess(listing: Listing) -> list[Signal]:
    """Every risk signal that applies to this listing, most serious first."""
    organization = listing.organization
    signals: list[Signal] = []
    text = " ".join(
        [
            listing.title,
            listing.summary,
            listing.description,
            listing.deliverables,
            listing.eligibility,
        ]
    )

    for code, pattern, says, weight in (
        ("asks_for_money", _money, "Wording asks students for money or banking details", 50),
        ("off_platform_messaging", _messaging, "Moves the conversation to a messaging app", 20),
    ):
        found = sorted({m.group(0).lower() for m in pattern.finditer(text)})
        if found:
            signals.append(Signal(code, f"{says}: " + ", ".join(found) + ".", weight))

    free = set(settings.FREE_EMAIL_DOMAINS)
    web_domain = _domain_of_url(organization.website)
    for label, email in [
        ("Contact email", listing.contact_email),
        (
            "Organization email domain",
            f"x@{organization.email_domain}" if organization.email_domain else "",
        ),
    ]:
        if not email:
            continue
        domain = email.rsplit("@", 1)[-1].lower()
        if domain in free:
            signals.append(
                Signal("free_webmail", f"{label} is on a free webmail domain ({domain}).", 15)
            )
        elif web_domain and not _same_site(domain, web_domain):
            signals.append(
                Signal(
                    "domain_mismatch",
                    f"{label} domain ({domain}) differs from the website ({web_domain}).",
                    10,
                )
            )

    rate = listing.hourly_rate or Decimal(0)
    if rate > Decimal(settings.IMPLAUSIBLE_HOURLY_RATE):
        signals.append(
            Signal(
                "implausible_pay",
                f"Pays {rate} {listing.currency} an hour, far above the usual for student projects.",
                25,
            )
        )
    if rate < Decimal(settings.MIN_HOURLY_RATE):
        signals.append(
            Signal(
                "below_pay_floor",
                f"Pays {rate} {listing.currency} an hour, below the floor of "
                f"{settings.MIN_HOURLY_RATE}; the employer's justification: "
                f"{listing.pay_justification or '(none)'}",
                10,
            )
        )
    if not organization.is_verified:
        signals.append(
            Signal("unverified_organization", "The organization is not verified yet.", 15)
        )
    signals += [Signal(**s) for s in listing.risk_signals or [] if s.get("code") in LASTING]
    return sorted(signals, key=lambda s: -s.weight)


def record(listing: Listing, signal: Signal) -> None:
    """Add a signal found after submission to the listing (replacing one of the same code)."""
    from django.db import transaction

    with transaction.atomic():
        locked = type(listing).objects.select_for_update().only("risk_signals").get(pk=listing.pk)
        kept = [s for s in locked.risk_signals or [] if s.get("code") != signal.code]
        signals = sorted([Signal(**s) for s in kept] + [signal], key=lambda s: -s.weight)
        listing.risk_signals = [s.as_dict() for s in signals]
        listing.risk_score = score(signals)
        type(listing).objects.filter(pk=listing.pk).update(
            risk_signals=listing.risk_signals, risk_score=listing.risk_score
        )


def score(signals: list[Signal]) -> int:
    """0 (nothing seen) to 100 (many serious signals)."""
    return min(100, sum(s.weight for s in signals))
