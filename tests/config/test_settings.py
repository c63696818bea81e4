"""Settings come from the environment: strict booleans, a required production secret."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("Yes", True),
        ("1", True),
        ("on", True),
        ("false", False),
        ("NO", False),
        ("0", False),
        ("off", False),
    ],
)
def test_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("LOTWISE_FLAG", raw)
    assert Env().bool("LOTWISE_FLAG", default=not expected) is expected


@pytest.mark.parametrize("raw", ["ture", "2", "enabled", "y e s"])
def test_a_typo_is_an_error_not_false(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("LOTWISE_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="LOTWISE_FLAG"):
        Env().bool("LOTWISE_FLAG", default=False)


def test_unset_takes_the_default_or_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOTWISE_FLAG", raising=False)
    assert Env().bool("LOTWISE_FLAG", default=True) is True
    with pytest.raises(ImproperlyConfigured):
        Env().bool("LOTWISE_FLAG")


def _load(settings_module: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='{settings_module}'; django.setup(); "
        "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY[:4])"
    )
    clean = {"PATH": "/usr/bin:/bin", **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, timeout=60)


def test_production_requires_a_secret_key() -> None:
    missing = _load("config.settings.production", ALLOWED_HOSTS="example.org")
    assert missing.returncode != 0
    assert "SECRET_KEY" in missing.stderr
    ok = _load("config.settings.production", ALLOWED_HOSTS="example.org", SECRET_KEY="s3cr3t-from-env")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == ["False", "s3cr"]


def test_debug_typo_stops_start_up() -> None:
    result = _load("config.settings.local", DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Docker-style secrets: SECRET_KEY_FILE names a file whose content is the key."""
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file-secret")
    ok = _load("config.settings.production", ALLOWED_HOSTS="example.org", SECRET_KEY_FILE=str(secret))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == ["False", "from"]


def test_production_passes_the_deploy_checks() -> None:
    """`check --deploy` at warning level: HTTPS redirect, HSTS, secure cookies, and a clean API schema."""
    env = {
        "SECRET_KEY": "a-long-random-secret-for-the-deploy-check-" + "x" * 30,
        "ALLOWED_HOSTS": "lotwise.example.com",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    import os

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        # The browser tests' session allows async-unsafe calls in this process; a deployment never does.
        env={
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")},
            **env,
        },
        cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
