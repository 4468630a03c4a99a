from functools import cache

from django.http import HttpRequest

from notifications.models import Notification


def unread_count(request: HttpRequest) -> dict:
    """`unread_notifications_count` for the header: one COUNT, and only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # A callable is evaluated by the template when used (the admin sites never do), once.
    @cache
    def count() -> int:
        return Notification.objects.for_user(user).unread().count()

    return {"unread_notifications_count": count}
