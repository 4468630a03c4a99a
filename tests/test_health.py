"""/health/: JSON health of the database and Redis, quick to answer either way."""

import socket
import time

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:6390/0"


@pytest.fixture
def silent_redis():
    """A TCP port that accepts connections and never answers, like a hung Redis."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


def test_healthy(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_unreachable_redis_answers_503_quickly_and_names_the_check(client):
    started = time.monotonic()
    with override_settings(REDIS_URL=CLOSED_PORT_REDIS):
        response = client.get("/health/")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert elapsed < 2
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"]
    assert body["checks"]["database"]["ok"] is True


def test_hung_redis_answers_503_within_the_timeout(client, silent_redis):
    started = time.monotonic()
    with override_settings(REDIS_URL=silent_redis):
        response = client.get("/health/")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert elapsed < 2
    assert response.json()["checks"]["redis"]["ok"] is False


def test_health_does_not_reveal_connection_details(client):
    with override_settings(REDIS_URL="redis://:s3cret-pass@127.0.0.1:6390/0"):
        response = client.get("/health/")

    assert "s3cret-pass" not in response.content.decode()
    assert "6390" not in response.content.decode()


def test_health_answers_get_only(client):
    assert client.post("/health/").status_code == 405
