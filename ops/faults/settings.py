"""The site's settings with a beat schedule in seconds, for the two-beats scenario only.

The real schedule sends reminders every quarter of an hour and sweeps the outbox every
minute; here the same tasks run every two seconds and every second, so that two beats
started together fire them over and over within a short run.
"""

from microintern.settings import *  # noqa: F403 - everything the site runs with, changed below
from microintern.settings import CELERY_BEAT_SCHEDULE

CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "deliver-pending-notifications": {
        "task": "notifications.tasks.deliver_pending",
        "schedule": 1.0,
    },
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": 2.0,
    },
}
