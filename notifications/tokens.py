"""Signed unsubscribe links: they work without signing in, and only for what they name.

The token carries the person's id and the category, signed with SECRET_KEY under a salt of
its own (a token made for anything else does not validate here). It does not expire: an
unsubscribe link in an old email must still work. It carries no time either, so the link
for one person and category is the same in every email (and in the List-Unsubscribe header
and footer of one message, however long rendering it takes).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from notifications.models import UNSUBSCRIBABLE, Category

SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    """What a valid token asks for: this person, no more emails of this category."""

    user_id: int
    category: Category


def unsubscribe_token(user_id: int, category: str) -> str:
    """The signed token for one person and one category: always the same for both."""
    return signing.Signer(salt=SALT).sign_object({"u": user_id, "c": str(category)}, compress=True)


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """What a token asks for; raises signing.BadSignature when it was not made by us."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        # Links in emails sent while tokens still carried the time they were made.
        data = signing.loads(token, salt=SALT)
    try:
        user_id, category = int(data["u"]), Category(data["c"])
    except (TypeError, KeyError, ValueError) as error:
        raise signing.BadSignature("Malformed unsubscribe token.") from error
    if category not in UNSUBSCRIBABLE:
        raise signing.BadSignature("This category cannot be unsubscribed from.")
    return Unsubscribe(user_id=user_id, category=category)


def unsubscribe_url(user_id: int, category: str) -> str:
    """The absolute one-click unsubscribe link (from SITE_URL, never a request's host)."""
    path = reverse(
        "notifications:unsubscribe", kwargs={"token": unsubscribe_token(user_id, category)}
    )
    return settings.SITE_URL + path
