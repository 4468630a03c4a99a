from django.apps import AppConfig


class SearchesConfig(AppConfig):
    """Saved searches and their email alerts, built on the public listings."""

    name = "searches"
    verbose_name = "Saved searches"
