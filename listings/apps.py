from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"
    # Staff read and moderate listings and reports, and keep the skill and industry lists.
    career_center_permissions = {
        "listing": ["view", "change"],
        "listingevent": ["view", "change"],
        "listingreport": ["view", "change"],
        "listingreportevent": ["view"],
        "savedlisting": ["view", "change"],
        "industry": ["view", "change", "add"],
        "skill": ["view", "change", "add"],
    }

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Organization
        from listings.models import Listing
        from listings.version import forget_listings_version

        # A change saved here shows on this process's very next visitor page.
        for model in (Listing, Organization):
            post_save.connect(
                forget_listings_version, sender=model, dispatch_uid=f"version-{model.__name__}"
            )
            post_delete.connect(
                forget_listings_version, sender=model, dispatch_uid=f"version-del-{model.__name__}"
            )
