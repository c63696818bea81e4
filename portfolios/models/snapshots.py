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
