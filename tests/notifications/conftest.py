"""Outbox fixtures: real SMTP servers on localhost, and a Celery broker that is down."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from microintern.celery import app as celery_app
from notifications.outbox import queue_email


def free_port() -> int:
    """A localhost TCP port nothing listens on (bound once by the OS, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """An SMTP server's handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Refuser:
    """An SMTP server's handler that answers every message with a temporary failure."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "451 Requested action aborted: local error in processing"


class Rejecter:
    """An SMTP server's handler that refuses every recipient for good (no such mailbox)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        return "550 5.1.1 No such user here"


def _serve(handler, settings):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    return controller


@pytest.fixture
def smtp_sink(settings):
    """Email goes over SMTP to a real server on localhost that accepts everything."""
    sink = Sink()
    controller = _serve(sink, settings)
    yield sink
    controller.stop()


@pytest.fixture
def smtp_refusing(settings):
    """Email goes over SMTP to a real server on localhost that refuses every message."""
    controller = _serve(Refuser(), settings)
    yield controller
    controller.stop()


@pytest.fixture
def smtp_rejecting(settings):
    """Email goes over SMTP to a real server on localhost that knows no recipient (550)."""
    controller = _serve(Rejecter(), settings)
    yield controller
    controller.stop()


@pytest.fixture
def smtp_down(settings):
    """Email goes over SMTP to a localhost port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2


def _reset_broker_connections() -> None:
    # The app caches its connection and producer pools; forget them so the next
    # publish looks up (kombu keeps one per broker URL) the pool for broker_url now.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_async():
    """Tasks go through the broker (the test Redis) instead of running inline."""
    celery_app.conf.task_always_eager = False
    _reset_broker_connections()
    yield celery_app
    celery_app.conf.task_always_eager = True
    _reset_broker_connections()


@pytest.fixture
def broker_down(celery_async):
    """The Celery broker is a Redis URL where nothing listens."""
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    _reset_broker_connections()
    yield
    celery_app.conf.broker_url = original
    _reset_broker_connections()


@pytest.fixture
def broker_hangs(celery_async):
    """The Celery broker accepts connections and then never answers (an overloaded host)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # the kernel completes the handshakes; nobody ever reads
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    _reset_broker_connections()
    yield
    celery_app.conf.broker_url = original
    _reset_broker_connections()
    server.close()


@pytest.fixture
def make_email():
    """make_email(key, **overrides) queues one plain outbox email."""

    def _make(dedupe_key: str = "test:1", **overrides):
        fields = {
            "to": "ada@student.test",
            "kind": "test.hello",
            "subject": "Hello Ada",
            "body_text": "A plain hello.",
            "dedupe_key": dedupe_key,
        }
        return queue_email(**{**fields, **overrides})

    return _make
