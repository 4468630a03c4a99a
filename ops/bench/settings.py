"""Settings of the reminder fan-out benchmark's worker: production settings plus three changes.

Only `make bench` uses this module (DJANGO_SETTINGS_MODULE=ops.bench.settings): emails go to a
counting backend instead of a mail server, task results are kept so the benchmark can wait
for a run to finish, and the bench app replaces the reminder rules with the benchmark's one.
"""

from microintern.settings import *  # noqa: F403 - everything the site runs with, changed below
from microintern.settings import CELERY_BROKER_URL, INSTALLED_APPS

EMAIL_BACKEND = "ops.bench.mail.CountingBackend"
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
INSTALLED_APPS = [*INSTALLED_APPS, "ops.bench.apps.BenchConfig"]
