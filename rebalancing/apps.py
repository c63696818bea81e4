from typing import Any

from django.apps import AppConfig

SNAPSHOT_TASKS = ("portfolios.tasks.snapshot_portfolio", "portfolios.tasks.snapshot_portfolios")


def _snapshot_done(sender: Any = None, args: Any = None, state: str | None = None, **kwargs: Any) -> None:
    # Connected here rather than called from portfolios, which never imports this app's tasks.
    if getattr(sender, "name", None) not in SNAPSHOT_TASKS or state != "SUCCESS" or not args:
        return
    from rebalancing.tasks import after_snapshot

    first = args[0]
    after_snapshot([int(p) for p in first] if isinstance(first, list) else [int(first)])


class RebalancingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rebalancing"

    def ready(self) -> None:
        # Connected when the Celery app exists, so a process that never touches a task does not load Celery.
        from config.task_signals import on_task_postrun

        on_task_postrun(_snapshot_done, dispatch_uid="rebalancing-after-snapshot")
