"""The Celery app. Configuration comes from Django settings (CELERY_* names); tasks from each app's tasks.py.

With REDIS_URL, Redis is broker and result store. Without it, the filesystem broker under var/celery gives
the embedded default (`manage.py serve`) a real worker and beat with no server to install.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("lotwise")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_queue_folders() -> None:
    """The filesystem transport needs its folders before the first message is sent or read."""
    if not str(app.conf.broker_url or "").startswith("filesystem://"):
        return
    options = app.conf.broker_transport_options or {}
    for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = options.get(name)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect  # type: ignore[untyped-decorator]
def _on_configure(sender: Celery, **kwargs: object) -> None:
    _ensure_queue_folders()
