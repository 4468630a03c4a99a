"""Fixtures for every role, on the real Postgres and Redis."""

import os

import pytest
import redis
from django.conf import settings

from listings.version import forget_now
from tests.factories import (
    PASSWORD,
    EmployerFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)

# Tests use their own Redis database so they never touch development data.
TEST_REDIS_URL = settings.REDIS_URL.rsplit("/", 1)[0] + "/" + os.environ.get("TEST_REDIS_DB", "15")


def pytest_configure(config):
    settings.REDIS_URL = TEST_REDIS_URL
    settings.CACHES["default"]["LOCATION"] = TEST_REDIS_URL
    settings.CELERY_BROKER_URL = TEST_REDIS_URL
    # Hashing with argon2 on every factory user would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from microintern.celery import app

    app.conf.broker_url = TEST_REDIS_URL
    # Unit tests run tasks inline; the Celery integration tests start a real worker.
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty test Redis database (cache, rate limits, queue)."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    client.close()
    # The listings' version a process remembers belongs to the data of the test before.
    forget_now()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploads land in a throwaway folder, never in the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def student(db):
    return StudentFactory(email="student@test.example")


@pytest.fixture
def other_student(db):
    return StudentFactory(email="student2@test.example")


@pytest.fixture
def organization(db):
    return OrganizationFactory(verified=True, name="Northwind Test", email_domain="northwind.test")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(verified=True, name="Globex Test", email_domain="globex.test")


@pytest.fixture
def employer(organization):
    return EmployerFactory(email="boss@northwind.test", membership__organization=organization)


@pytest.fixture
def other_employer(other_organization):
    return EmployerFactory(email="boss@globex.test", membership__organization=other_organization)


@pytest.fixture
def suspended_employer(db):
    org = OrganizationFactory(suspended=True, name="Shady Test", email_domain="shady.test")
    return EmployerFactory(email="boss@shady.test", membership__organization=org)


@pytest.fixture
def staff(db):
    return StaffFactory(email="staff@test.example")


@pytest.fixture
def login(client):
    """login(user) signs the test client in as that user and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


__all__ = ["MembershipFactory"]
