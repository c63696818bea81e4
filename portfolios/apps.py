from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


def schedule_snapshot(portfolio_id: int) -> None:
    """The ledger-changed hook: a debounced snapshot task (portfolios.tasks.on_ledger_change). The tasks
    module, with Celery's task machinery and the price client, loads when a ledger first changes, not in
    every process at start-up."""
    from portfolios.tasks import on_ledger_change

    on_ledger_change(portfolio_id)


def two_factor_on_login(sender: object, request: object, user: object, **kwargs: object) -> None:
    from portfolios.two_factor import on_login

    on_login(sender, request, user)


class PortfoliosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolios"

    def ready(self) -> None:
        # After every committed ledger change, a debounced snapshot task (see portfolios.tasks).
        from portfolios.ledger_hooks import on_ledger_changed

        on_ledger_changed(schedule_snapshot)

        # A sign-in refreshes the cached "has two-factor sign-in" that every page reads (portfolios.two_factor).
        user_logged_in.connect(two_factor_on_login, dispatch_uid="lotwise-two-factor-login")
