"""Recompute lots and the snapshot of one or every portfolio, here and now (no worker needed)."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolios.models import Portfolio
from portfolios.snapshots import portfolio_snapshot_compute
from taxes.models import LedgerStatus
from taxes.services import portfolio_recompute_or_flag


def money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


class Command(BaseCommand):
    help = (
        "Replay each portfolio's ledger into tax lots, then compute its snapshot and value history, "
        "synchronously. Prints what it did."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--portfolio", type=int, metavar="ID", help="Only this portfolio (default: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        portfolios = Portfolio.objects.select_related("owner").order_by("id")
        if options["portfolio"] is not None:
            portfolios = portfolios.filter(pk=options["portfolio"])
            if not portfolios.exists():
                raise CommandError(f"No portfolio with id {options['portfolio']}.")
        failed = 0
        count = 0
        for portfolio in portfolios:
            count += 1
            label = f"Portfolio #{portfolio.pk} “{portfolio.name}” ({portfolio.owner.username})"
            started = time.monotonic()
            result = portfolio_recompute_or_flag(portfolio=portfolio, changed_from=None)
            if result is None:
                failed += 1
                error = (
                    LedgerStatus.objects.filter(portfolio=portfolio).values_list("error", flat=True).first()
                )
                self.stdout.write(self.style.ERROR(f"{label}: the ledger does not add up: {error}"))
                self.stdout.write("  Kept the previous lots; the snapshot below says so.")
            else:
                self.stdout.write(
                    f"{label}: replayed {result.events_replayed} transactions into {result.lots} open lots."
                )
            snapshot = portfolio_snapshot_compute(portfolio_id=portfolio.pk, rebuild_history=True)
            prices = snapshot.data["prices"]
            notes = []
            if prices["missing"]:
                notes.append(f"no price for {', '.join(prices['missing'])}")
            if prices["stale"]:
                notes.append(f"stale price for {', '.join(prices['stale'])}")
            if prices["offline"]:
                notes.append("offline demo prices")
            suffix = f" ({'; '.join(notes)})" if notes else ""
            self.stdout.write(
                f"  Snapshot #{snapshot.pk} as of {snapshot.as_of:%Y-%m-%d %H:%M} UTC: value {money(snapshot.total_value)}"
                f" USD, cost basis {money(snapshot.cost_basis)}, unrealized {money(snapshot.unrealized_gain)}"
                f"{suffix}; {time.monotonic() - started:.2f}s."
            )
        if not count:
            self.stdout.write("No portfolios.")
        if failed:
            raise CommandError(f"{failed} portfolio(s) have a ledger that does not add up (see above).")
