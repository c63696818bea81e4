from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.pricing.client import PriceSourceError
from portfolios.pricing.services import UpsertResult, prices_refresh_history, prices_refresh_latest


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Fetch the latest price of every asset in use (coins from CoinGecko, ETFs and stocks from Yahoo "
        "Finance); with --history also the daily history "
        "from each asset's first transaction. Falls back to the bundled synthetic offline history when the "
        "API is unreachable or with --offline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--history", action="store_true", help="Also refresh daily history.")
        parser.add_argument(
            "--offline", action="store_true", help="Use the bundled offline history, not the price API."
        )
        parser.add_argument("--since", type=_day, help="History from this date (YYYY-MM-DD) instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        offline = True if options["offline"] else None
        try:
            self._report("Latest prices", prices_refresh_latest(offline=offline))
            if options["history"]:
                self._report("History", prices_refresh_history(offline=offline, since=options["since"]))
        except PriceSourceError as exc:
            raise CommandError(str(exc)) from exc

    def _report(self, label: str, result: UpsertResult) -> None:
        source = " from the bundled offline history" if result.used_offline else ""
        self.stdout.write(f"{label}{source}: {result.summary()}.")
        if result.notice:
            self.stdout.write(self.style.WARNING(result.notice))
        for line in result.refused:
            self.stderr.write(f"refused: {line}")
        for line in result.errors:
            self.stderr.write(f"warning: {line}")
