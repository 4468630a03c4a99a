from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"
    # Staff read and moderate listings and reports, and keep the skill and industry lists.
    career_center_permissions = {
        "listing": ["view", "change"],
        "listingevent": ["view", "change"],
        "listingreport": ["view", "change"],
        "savedlisting": ["view", "change"],
        "industry": ["view", "change", "add"],
        "skill": ["view", "change", "add"],
    }
