"""Listings students bookmarked."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from listings.models.listing import Listing


class SavedListing(models.Model):
    """A listing a student bookmarked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_listings"
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "listing"], name="one_save_per_listing"),
        ]

    def __str__(self) -> str:
        return f"{self.user} saved {self.listing}"

    @classmethod
    def save_for(cls, *, user, listing: Listing) -> SavedListing:
        """Bookmark an open listing for a student (saving twice changes nothing)."""
        if not listing.is_open:
            raise ValidationError(
                f"“{listing.title}” no longer accepts applications, so it cannot be saved."
            )
        saved, _created = cls.objects.get_or_create(user=user, listing=listing)
        return saved

    @classmethod
    def unsave(cls, *, user, listing: Listing) -> None:
        """Remove a bookmark (nothing happens if there was none)."""
        cls.objects.filter(user=user, listing=listing).delete()
