from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from portfolios.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_setup
from portfolios.models import Asset
from portfolios.pricing.offline import DEMO_ASSETS, OFFLINE_NOTICE
from portfolios.pricing.selectors import price_on
from portfolios.pricing.services import offline_prices_load


class Command(BaseCommand):
    help = "Load the bundled demo prices and create the demo user with an index portfolio (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.now().date()
        loaded = offline_prices_load(until=today)
        demo = {(symbol, asset_class) for symbol, _, asset_class, _ in DEMO_ASSETS}
        ids = {
            symbol: pk
            for symbol, asset_class, pk in Asset.objects.filter(owner__isnull=True).values_list(
                "symbol", "asset_class", "id"
            )
            if (symbol, asset_class) in demo
        }

        def lookup(symbol: str, day):  # type: ignore[no-untyped-def]
            point = price_on(asset_id=ids[symbol], day=day)
            if point is None:
                raise LookupError(f"no demo price for {symbol} on {day}")
            return point.price

        _user, portfolio, created = demo_setup(until=today, price_on=lookup)
        if not options["quiet"]:
            self.stdout.write(f"Demo prices: {loaded.created} new quote(s). {OFFLINE_NOTICE}")
            state = "created" if created else "already there"
            self.stdout.write(
                f"Demo portfolio {portfolio.name!r} {state}; login {DEMO_USERNAME} / {DEMO_PASSWORD}"
            )
