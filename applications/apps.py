from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    # Staff follow applications and read all feedback; decisions stay with employers.
    career_center_permissions = {
        "application": ["view"],
        "applicationevent": ["view"],
        "feedback": ["view"],
    }
