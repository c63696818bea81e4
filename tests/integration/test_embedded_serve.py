"""The README's run command: `manage.py serve` on the embedded default (SQLite, filesystem broker, no Redis)
migrates, loads the demo, starts a worker with beat, and serves pages whose numbers that worker computed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie of an exited child still answers kill(0); its state says it is gone
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def _wait(what: str, check, timeout: float = 90):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def test_serve_runs_the_demo_with_an_embedded_worker(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "LOTWISE_VAR_DIR": str(tmp_path / "var"),
        "PRICES_OFFLINE": "true",  # the bundled history; a test never reaches the network
        "SNAPSHOT_DEBOUNCE_SECONDS": "1",
    }
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    worker_pid = None
    try:
        with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as client:

            def login_page() -> str | None:
                try:
                    response = client.get("/accounts/login/")
                except httpx.TransportError:
                    assert serve.poll() is None, (tmp_path / "serve.log").read_text()
                    return None
                return response.text if response.status_code == 200 else None

            page = _wait("the login page", login_page)
            assert "lotwise-demo" in page  # the demo credentials are shown to a newcomer
            output = (tmp_path / "serve.log").read_text()
            assert f"Lotwise is at http://127.0.0.1:{port}/" in output
            worker_pid = int(re.search(r"Celery worker \+ beat started \(pid (\d+)", output).group(1))  # type: ignore[union-attr]

            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            response = client.post(
                "/accounts/login/",
                data={"csrfmiddlewaretoken": token, "username": "demo", "password": "lotwise-demo"},
                headers={"Referer": f"{base}/accounts/login/"},
            )
            assert response.status_code == 200
            assert "/portfolios/" in str(response.url)

            def dashboard_with_numbers() -> str | None:
                html = client.get(str(response.url)).text
                return html if "Total value" in html else None

            html = _wait("the worker's first snapshot", dashboard_with_numbers)
            assert "synthetic" in html  # offline prices are announced on the page
            assert re.search(r"Computed at [A-Z][a-z]{2} \d", html)
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)
        log.close()
    # stopping the command stops its worker and beat too
    if worker_pid is not None:
        _wait("the worker to stop", lambda: not _alive(worker_pid), timeout=30)
