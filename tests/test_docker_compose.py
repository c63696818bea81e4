"""docker-compose.yml, checked statically (no Docker engine here): its services, ports and environment, and
that its commands are the ones CI runs directly against the machine's own PostgreSQL and Redis."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_ports(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    # The data services stay on the internal network; only the web server is published.
    assert "ports" not in services["db"]
    assert "ports" not in services["redis"]
    assert "8000:8000" in services["web"]["ports"]
    for name in ("db", "redis", "web", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], name
    # The broker keeps its queue across restarts.
    assert "--appendonly" in services["redis"]["command"]
    assert services["redis"]["command"][services["redis"]["command"].index("--appendonly") + 1] == "yes"
    # Images are built (dependencies at build time), not pip-installed at every start; no literal secret.
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert "pip install" not in str(services[name]["command"])
    assert "${POSTGRES_PASSWORD" in services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert "${SECRET_KEY" in services["web"]["environment"]["SECRET_KEY"]


def test_app_services_share_the_environment_the_settings_read(compose: dict[str, Any]) -> None:
    settings_text = "".join(p.read_text() for p in (ROOT / "config" / "settings").glob("*.py"))
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert "SECRET_KEY" in env
        assert compose["services"][name]["depends_on"]["db"]["condition"] == "service_healthy"
        for variable in env:
            if variable != "DJANGO_SETTINGS_MODULE":
                assert f'"{variable}"' in settings_text, f"{variable} is not read by config/settings"
    # the database credentials match between the app and the db service
    db_env = compose["services"]["db"]["environment"]
    url = compose["services"]["web"]["environment"]["DATABASE_URL"]
    password = db_env["POSTGRES_PASSWORD"]
    assert url == f"postgres://{db_env['POSTGRES_USER']}:{password}@db:5432/{db_env['POSTGRES_DB']}"


def test_every_setting_variable_is_documented() -> None:
    """.env.example lists every variable the settings read (test-only ones aside)."""
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    read = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        if path.name == "test.py":
            continue
        read |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', path.read_text()))
    assert read, "no settings variables found"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_dockerfile_builds_dependencies_and_runs_as_a_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install" in text
    assert re.search(r"^USER \w+", text, re.M)
    assert "collectstatic" in text


def test_commands_are_the_ones_ci_runs(compose: dict[str, Any]) -> None:
    services = compose["services"]
    web = services["web"]["command"]
    assert "manage.py migrate --noinput" in web
    assert "gunicorn config.wsgi:application" in web
    assert re.search(r"celery -A config worker\b", services["worker"]["command"])
    assert re.search(r"celery -A config beat\b", services["beat"]["command"])
    # CI starts real workers the same way (tests/integration) and serves through the same WSGI module.
    integration = (ROOT / "tests" / "integration" / "conftest.py").read_text()
    assert '"celery", "-A", "config", "worker"' in integration
    assert (ROOT / "config" / "wsgi.py").is_file()
