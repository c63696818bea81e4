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
