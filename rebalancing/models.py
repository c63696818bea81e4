"""Target allocations and their band policy."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from portfolios.fields import ExactDecimalField
from portfolios.models import Asset, Portfolio


class Target(models.Model):
    """A portfolio's target weights with its tolerance bands (absolute points and/or relative share)."""

    portfolio = models.OneToOneField(Portfolio, on_delete=models.CASCADE, related_name="target")
    name = models.CharField(max_length=100, default="Target allocation")
    band_absolute = ExactDecimalField(
        null=True,
        blank=True,
        default=Decimal("0.05"),
        help_text="±percentage points as a fraction (0.05 = ±5 pp).",
    )
    band_relative = ExactDecimalField(
        null=True,
        blank=True,
        default=Decimal("0.25"),
        help_text="± share of the target weight (0.25 = ±25%).",
    )

    def __str__(self) -> str:
        return self.name


class TargetWeight(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="weights")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    weight = ExactDecimalField(help_text="Fraction of the portfolio (0.25 = 25%).")

    class Meta:
        ordering = ["-weight", "asset__symbol"]
        constraints = [models.UniqueConstraint(fields=["target", "asset"], name="targetweight_unique")]

    def __str__(self) -> str:
        return f"{self.asset_id}: {self.weight:f}"
