"""How django-allauth fits MicroIntern: mail through the outbox, links from SITE_URL."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from notifications.outbox import queue_email

SITE_NAME = "MicroIntern"


def site_url(path: str) -> str:
    """An absolute link built from SITE_URL, never from the request's Host header."""
    return f"{settings.SITE_URL}{path}"


def on_site(url: str) -> str:
    """The same link with SITE_URL's scheme and host, whatever host the request came in on."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    return site_url(parts.path + (f"?{parts.query}" if parts.query else ""))


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the account email and put it in the outbox; delivery happens after commit."""
        # allauth builds some links (signup, password reset page) from the request; emails
        # only ever link to SITE_URL.
        context = {
            key: on_site(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        context = {
            "email": email,
            "site_url": settings.SITE_URL,
            "current_site": SimpleNamespace(
                name=SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc
            ),
            **context,
        }
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

    def confirm_email(self, request: HttpRequest, email_address) -> bool:
        """Confirm the address; then, and only then, pass the person's join requests on."""
        from accounts.models import Membership, Organization

        confirmed = super().confirm_email(request, email_address)
        if not confirmed:
            return confirmed
        user = email_address.user
        for membership in Membership.confirm_requests(user=user):
            messages.info(
                request,
                f"We asked the owners of {membership.organization} to let you in. "
                "You will get an email when they do.",
            )
        for membership in user.memberships.filter(
            role=Membership.Role.OWNER,
            status=Membership.Status.ACTIVE,
            organization__verification=Organization.Verification.PENDING,
        ).select_related("organization"):
            messages.info(
                request,
                f"{membership.organization} is registered. The career center verifies new "
                "organizations before their listings are published.",
            )
        return confirmed

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Send each role to where its work is."""
        user = request.user
        if getattr(user, "is_career_staff", False):
            return reverse("admin:index")
        if getattr(user, "is_employer", False):
            return reverse("employer:index")
        return reverse("home")


def send_password_reset_link(request: HttpRequest, user) -> bool:
    """Email `user` the site's own "choose a new password" link (through the outbox).

    This is how staff help someone locked out: nobody but the person sets their password.
    """
    from allauth.account.forms import ResetPasswordForm

    form = ResetPasswordForm(data={"email": user.email})
    if not user.is_active or not form.is_valid() or not form.users:
        return False
    form.save(request)
    return True
