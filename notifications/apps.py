from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class NotificationsConfig(AppConfig):
    name = "notifications"
    # Career-center staff read the outbox and put failed rows back in the queue.
    career_center_permissions = {"notification": ["view", "retry"]}

    def ready(self) -> None:
        # Each app's reminders.py registers its rules on import, like admin.py.
        autodiscover_modules("reminders")
