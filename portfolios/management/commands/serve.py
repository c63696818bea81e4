from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.demo import DEMO_PASSWORD, DEMO_USERNAME


def static_collect_if_stale() -> bool:
    """Run collectstatic when pages link hashed file names (manifest storage, DEBUG off) and the manifest is
    missing or older than a source file. True when it ran."""
    if settings.DEBUG or not isinstance(staticfiles_storage, ManifestFilesMixin):
        return False
    manifest = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
    if manifest.exists():
        built = manifest.stat().st_mtime
        ignore = apps.get_app_config("staticfiles").ignore_patterns
        sources = (
            Path(storage.path(path))
            for finder in finders.get_finders()
            for path, storage in finder.list(ignore)
        )
        if all(source.stat().st_mtime <= built for source in sources):
            return False
    call_command("collectstatic", interactive=False, verbosity=0)
    return True


class Command(BaseCommand):
    help = (
        "Run Lotwise on one machine: migrate, load the demo, start a Celery worker with its beat scheduler "
        "(filesystem broker unless REDIS_URL is set), then serve the site."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-demo", action="store_true")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        host, _, port = options["addrport"].rpartition(":")
        # runserver leaves with os._exit when the port is taken, which would orphan the worker: check first.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host or "127.0.0.1", int(port)))
            except OSError as exc:
                raise CommandError(f"Cannot listen on {options['addrport']}: {exc.strerror}.") from exc
        call_command("migrate", interactive=False, verbosity=0)
        if static_collect_if_stale():
            self.stdout.write("Static files collected (hashed names, compressed copies).")
        if not options["no_demo"]:
            call_command("setup_demo")
        if not options["no_worker"]:
            self._start_worker()
        self.stdout.write(
            self.style.SUCCESS(
                f"\nLotwise is at http://{host or '127.0.0.1'}:{port}/  —  demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}\n"
            )
        )
        call_command("runserver", options["addrport"], use_reloader=False)

    def _start_worker(self) -> None:
        if not getattr(settings, "REDIS_URL", ""):
            for sub in ("queue", "processed"):
                (settings.CELERY_QUEUE_DIR / sub).mkdir(parents=True, exist_ok=True)
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        }
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--loglevel=WARNING",
            "--concurrency=2",
            "--schedule",
            str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
        ]
        log = (settings.VAR_DIR / "worker.log").open("ab")
        worker = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.stdout.write(f"Celery worker + beat started (pid {worker.pid}, log var/worker.log).")

        def stop() -> None:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)

        atexit.register(stop)
        # A plain `kill` (SIGTERM) would skip atexit and orphan the worker: turn it into a normal exit.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
