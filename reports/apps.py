from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports and exports"
    # Staff read the export log and start exports; nobody edits or deletes the log.
    career_center_permissions = {"export": ["view", "add"]}
