"""A fresh database for a benchmark run, and Django set up on it (shared by the benchmarks that need one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database (or delete the SQLite file) `url` names, point Django at it,
    set Django up and migrate."""
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        drop_create = ["-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}"]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", *drop_create], check=True)
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
