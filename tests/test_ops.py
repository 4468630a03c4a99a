"""The operations contract: process files, container set-up, production settings, docs of env vars."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def read(name: str) -> str:
    return (ROOT / name).read_text()


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with the given environment overrides."""
    environ = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides: str) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org",
        **overrides,
    }


def test_procfile_runs_web_worker_and_beat():
    processes = dict(line.split(":", 1) for line in read("Procfile").splitlines() if line.strip())
    assert set(processes) == {"web", "worker", "beat"}
    assert "runserver" in processes["web"] and "${PORT:-8000}" in processes["web"]
    assert "celery -A microintern worker" in processes["worker"]
    assert "celery -A microintern beat" in processes["beat"]


def test_docker_compose_has_the_five_services():
    services = yaml.safe_load(read("docker-compose.yml"))["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:")
    assert "healthcheck" in services["db"]
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn microintern.wsgi" in command_text(services["web"])
    assert "migrate" in command_text(services["web"])
    assert "collectstatic" in command_text(services["web"])
    assert "celery -A microintern worker" in command_text(services["worker"])
    assert "celery -A microintern beat" in command_text(services["beat"])
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert "@db:" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:")


def test_dockerfile_builds_the_app_on_python_311():
    dockerfile = read("Dockerfile")
    assert "FROM python:3.11-slim" in dockerfile
    assert "uv sync --locked --no-install-project" in dockerfile
    assert ".venv" in read(".dockerignore")


def test_env_example_documents_every_setting_read_from_the_environment():
    settings_source = read("microintern/settings.py")
    names = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_source))
    contract = {
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "SITE_URL",
        "MEDIA_ROOT",
        "PORT",
    }
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", read(".env.example"), re.MULTILINE))
    assert contract <= documented
    assert names <= documented, f"undocumented in .env.example: {sorted(names - documented)}"


def test_makefile_has_the_everyday_targets():
    targets = set(re.findall(r"^([a-z0-9-]+):.*## ", read("Makefile"), re.MULTILINE))
    assert {"help", "install", "db", "migrate", "seed", "run", "test", "e2e"} <= targets
    assert {"lint", "format", "shell", "worker", "beat", "clean"} <= targets


def test_deploy_check_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output


def test_production_refuses_to_start_without_a_secret_key():
    # An empty value also shadows any SECRET_KEY from a developer's .env file.
    result = manage("check", env=production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_development_server_of_make_run_starts_and_answers():
    """`make run`'s web process (runserver with its reloader, as in the Procfile) comes up.

    Its reloader thread and server thread import at the same time; a library that cannot be
    imported from two threads at once (redis-py) once killed the server thread at start.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        status, deadline = None, time.monotonic() + 60
        while status is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as r:  # noqa: S310
                    status = r.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "Exception in thread" not in output, output
    assert status in {200, 503}, output
