"""How django-allauth fits MicroIntern: mail through the outbox, links from SITE_URL."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from notifications.outbox import queue_email


def site_url(path: str) -> str:
    """An absolute link built from SITE_URL, never from the request's Host header."""
    return f"{settings.SITE_URL}{path}"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the account email and put it in the outbox; delivery happens after commit."""
        context = {"email": email, "site_url": settings.SITE_URL, **context}
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                body
                for body, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        kind = "account." + template_prefix.rsplit("/", 1)[-1]
        queue_email(
            to=email,
            kind=kind,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            # Account emails are one-offs (each confirmation has its own key).
            dedupe_key=f"{kind}:{uuid.uuid4()}",
        )

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation) -> str:
        return site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_url(path.replace("UID-KEY", quote(key)))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Send each role to where its work is."""
        user = request.user
        if getattr(user, "is_career_staff", False):
            return reverse("admin:index")
        if getattr(user, "is_employer", False):
            return reverse("employer:index")
        return reverse("home")
