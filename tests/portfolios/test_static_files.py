"""Static files: hashed names and compressed copies outside the tests, a year of browser caching for them,
and `manage.py serve` collecting them only when they changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from portfolios.management.commands import serve
from portfolios.management.commands.serve import static_collect_if_stale

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
VENDOR = Path(settings.BASE_DIR, "static", "vendor")


def _storage_of(module: str, **env: str) -> tuple[str, bool, bool]:
    code = (
        f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='{module}'; django.setup(); "
        "from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS, s.WHITENOISE_AUTOREFRESH)"
        if module != "config.settings.production"
        else f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='{module}'; django.setup(); "
        "from django.conf import settings as s; print(s.STORAGES['staticfiles']['BACKEND'], False, False)"
    )
    clean = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", "ALLOWED_HOSTS": "example.org", **env}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, timeout=60)
    assert done.returncode == 0, done.stderr
    backend, finders, refresh = done.stdout.split()[-3:]
    return backend, finders == "True", refresh == "True"


def test_local_and_production_serve_hashed_compressed_files() -> None:
    assert _storage_of("config.settings.production")[0] == MANIFEST_STORAGE
    # Local with DEBUG off serves what collectstatic wrote; with DEBUG on, the source folders as they change.
    assert _storage_of("config.settings.local", DEBUG="false") == (MANIFEST_STORAGE, False, False)
    assert _storage_of("config.settings.local", DEBUG="true") == (MANIFEST_STORAGE, True, True)
    # Tests run without collectstatic.
    assert settings.STORAGES["staticfiles"]["BACKEND"].endswith(".StaticFilesStorage")


def test_only_the_partial_plotly_bundle_is_vendored_with_its_license() -> None:
    assert sorted(p.name for p in VENDOR.iterdir()) == ["plotly-basic.LICENSE.txt", "plotly-basic.min.js"]
    bundle = (VENDOR / "plotly-basic.min.js").read_bytes()
    assert bundle.startswith(b"/**\n* plotly.js (basic - minified) v4.")
    assert len(bundle) < 1_300_000  # the full bundle was 4.8 MB
    assert "MIT License" in (VENDOR / "plotly-basic.LICENSE.txt").read_text()


@pytest.fixture
def manifest_storage(tmp_path: Path):  # type: ignore[no-untyped-def]
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": MANIFEST_STORAGE},
    }
    with override_settings(
        DEBUG=False,
        STORAGES=storages,
        STATIC_ROOT=tmp_path / "static",
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        yield tmp_path / "static"


def test_serve_collects_static_files_when_missing_or_stale_and_whitenoise_caches_them(
    manifest_storage, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    root = manifest_storage
    assert static_collect_if_stale() is True
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vendor/plotly-basic.min.js"]
    assert hashed != "vendor/plotly-basic.min.js"
    assert hashed.startswith("vendor/plotly-basic.min.")
    assert (root / hashed).exists()
    assert (root / f"{hashed}.gz").exists()
    assert "js/charts.js" in manifest
    assert "favicon.svg" in manifest
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in manifest

    assert static_collect_if_stale() is False  # nothing changed since
    os.utime(root / "staticfiles.json", (0, 0))  # a source file is now newer than the manifest
    ran: list[str] = []
    monkeypatch.setattr(serve, "call_command", lambda name, **kw: ran.append(name))
    assert static_collect_if_stale() is True
    assert ran == ["collectstatic"]

    from whitenoise.middleware import WhiteNoiseMiddleware

    app = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    request = RequestFactory().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip, br")
    response = app(request)
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] in ("gzip", "br")
    plain = app(RequestFactory().get("/static/vendor/plotly-basic.min.js"))
    assert "immutable" not in plain["Cache-Control"]  # an unhashed name may change: short cache


def test_with_debug_on_nothing_is_collected(manifest_storage) -> None:  # type: ignore[no-untyped-def]
    with override_settings(DEBUG=True):
        assert static_collect_if_stale() is False
    assert not manifest_storage.exists()
