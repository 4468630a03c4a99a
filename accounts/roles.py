"""The Career center group and its permissions, kept in step with every app's declaration.

Each app's AppConfig may declare `career_center_permissions = {"model": ["view", ...]}`.
After every migrate (and every test-database flush) the group is created if missing and
given exactly the declared permissions, so a new model's permissions never drift.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.conf import settings


def sync_career_center_group(*, apps=global_apps, verbosity: int = 0, **kwargs) -> None:
    """Create the Career center group and grant it what the installed apps declare."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    wanted: list[tuple[str, str]] = []
    for app_config in global_apps.get_app_configs():
        declared = getattr(app_config, "career_center_permissions", None)
        if not declared:
            continue
        create_permissions(app_config, verbosity=verbosity)
        for model, actions in declared.items():
            wanted += [(app_config.label, f"{action}_{model}") for action in actions]
    group, _ = Group.objects.get_or_create(name=settings.CAREER_CENTER_GROUP)
    permissions = [
        permission
        for permission in Permission.objects.filter(
            codename__in={codename for _, codename in wanted}
        ).select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    group.permissions.set(permissions)
