"""Celery's beat schedule written in the settings without loading Celery there.

`crontab(hour=0, minute=20)` records the fields; config/celery.py turns each into Celery's own crontab when
the app is configured (in beat, a worker, or a process sending a task). Importing celery.schedules in the
settings would load all of Celery into every process that sets Django up, commands included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Crontab:
    fields: tuple[tuple[str, Any], ...]


def crontab(**fields: Any) -> Crontab:
    return Crontab(tuple(sorted(fields.items())))


def celery_schedule(entries: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The beat schedule with each `Crontab` made Celery's crontab; other schedules as they are."""
    from celery.schedules import crontab as celery_crontab

    return {
        name: {**entry, "schedule": celery_crontab(**dict(entry["schedule"].fields))}
        if isinstance(entry.get("schedule"), Crontab)
        else entry
        for name, entry in entries.items()
    }
