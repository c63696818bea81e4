from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolios"

    def ready(self) -> None:
        # After every committed ledger change, a debounced snapshot task (see portfolios.tasks).
        from portfolios import services, tasks

        if tasks.on_ledger_change not in services._LEDGER_CHANGED_HOOKS:
            services.on_ledger_changed(tasks.on_ledger_change)
