"""The scam guard: wording in an organization's message that moves a student off the platform
or asks them to pay, the way task scams start.

Built on the listing checks (`listings.risk`), with what only a conversation shows: a handle
on a messaging app, a request for a deposit, and a phone number in the first message.
"""

from __future__ import annotations

import re

from listings.risk import MESSAGING_PATTERNS, MONEY_PATTERNS

OFF_PLATFORM_PATTERNS = [
    *MESSAGING_PATTERNS,
    r"\b(?:on|via|over|through)\s+signal\b",
    r"\bsignal\s*[:@]\s*\S+",
    r"\b(?:t\.me|wa\.me|telegram\.me|signal\.me)/\S+",
]
PAYMENT_PATTERNS = [
    *MONEY_PATTERNS,
    r"\bdeposits?\b",
    r"\bpay\s+(?:to\s+start|(?:a\s+)?(?:small\s+)?(?:fee|deposit))\b",
    r"\bstart(?:ing|er)?\s+fee\b",
    r"\b(?:usdc|tether|binance|coinbase)\b",
    r"\bcryptocurrenc(?:y|ies)\b",
]
# A phone number: 8 to 15 digits, with the usual separators, optionally international.
PHONE_PATTERN = r"(?<![\w/])\+?\d(?:[\s().-]*\d){7,14}\b"

_off_platform = re.compile("|".join(OFF_PLATFORM_PATTERNS), re.IGNORECASE)
_payment = re.compile("|".join(PAYMENT_PATTERNS), re.IGNORECASE)
_phone = re.compile(PHONE_PATTERN)


def warnings_in(text: str, *, first_from_organization: bool) -> list[str]:
    """What in `text` looks like a scam, as short phrases ("telegram", "deposit")."""
    found = [m.group(0).strip().lower() for m in _off_platform.finditer(text)]
    found += [m.group(0).strip().lower() for m in _payment.finditer(text)]
    if first_from_organization:
        found += [f"phone number {m.group(0).strip()}" for m in _phone.finditer(text)]
    return sorted(set(found))
