from __future__ import annotations

from django.db import models

from portfolios.fields import ExactDecimalField

from .ledger import Portfolio


class PortfolioSnapshot(models.Model):
    """What the workers computed for a portfolio at `as_of`: pages read this instead of the ledger.

    `data` holds exact decimal strings: per asset and account values, weights vs targets and drift,
    unrealized gain per open lot, income to date, and which prices were missing or stale.
    """

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="snapshots")
    as_of = models.DateTimeField()
    computed_at = models.DateTimeField(auto_now_add=True)
    total_value = ExactDecimalField()
    cost_basis = ExactDecimalField()
    unrealized_gain = ExactDecimalField()
    oldest_price_at = models.DateTimeField(null=True, blank=True)
    has_missing_prices = models.BooleanField(default=False)
    has_stale_prices = models.BooleanField(default=False)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-as_of", "-id"]
        get_latest_by = "as_of"
        indexes = [models.Index(fields=["portfolio", "-as_of"], name="snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.portfolio_id} @ {self.as_of:%Y-%m-%d %H:%M}"


class ValuePoint(models.Model):
    """Daily portfolio value for the value-over-time chart, with cumulative net cash contributions."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="value_points")
    date = models.DateField()
    value = ExactDecimalField()
    cost_basis = ExactDecimalField()
    net_deposits = ExactDecimalField()

    class Meta:
        ordering = ["portfolio", "date"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "date"], name="valuepoint_portfolio_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.date}"


class HistoryState(models.Model):
    """Where a portfolio's ValuePoint history stands against its ledger (portfolios/snapshots/changes.py).

    `ledger_at` is the LedgerStatus.computed_at the history was computed from. A ledger change writes itself
    here in the transaction of its recompute: `changed_to` is the LedgerStatus.computed_at after the last
    change written since, and `changed_from` the first day (in the owner's time zone) those changes can
    reach, null when that is not known. The next snapshot brings the history up to date and clears both.
    """

    portfolio = models.OneToOneField(
        Portfolio, on_delete=models.CASCADE, primary_key=True, related_name="history_state"
    )
    ledger_at = models.DateTimeField(null=True, blank=True)
    changed_to = models.DateTimeField(null=True, blank=True)
    changed_from = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.portfolio_id} history of {self.ledger_at}"


class HoldingsCheckpoint(models.Model):
    """What a portfolio held at the end of a day (the last of each month), summed per day received and
    asset: `held` is [[received ISO date, asset id, quantity, basis], ...] with exact decimal strings,
    sorted. A snapshot after a ledger change compares it with the new lots to find the first day whose
    value history changed."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="holdings_checkpoints")
    date = models.DateField()
    held = models.JSONField(default=list)

    class Meta:
        ordering = ["portfolio", "date"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "date"], name="holdingscheckpoint_portfolio_date")
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} holdings at the end of {self.date}"
