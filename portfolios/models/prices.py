from __future__ import annotations

from django.db import models

from portfolios.fields import ExactDecimalField

from .ledger import Asset


class PriceSource(models.TextChoices):
    COINGECKO = "coingecko", "CoinGecko"
    COINBASE = "coinbase", "Coinbase Exchange"
    OFFLINE = "offline", "Bundled offline history (synthetic)"
    CSV = "csv", "CSV upload"
    LEDGER = "ledger", "Ledger transaction price"


class PriceQuote(models.Model):
    """A USD price of one asset at one moment from one source. Daily history is stored at 00:00 UTC."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="quotes")
    at = models.DateTimeField()
    price = ExactDecimalField()
    source = models.CharField(max_length=16, choices=PriceSource.choices)
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["asset", "-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "at", "source"], name="pricequote_asset_at_source_unique"
            )
        ]
        indexes = [models.Index(fields=["asset", "-at"], name="pricequote_latest")]

    def __str__(self) -> str:
        return f"{self.asset} {self.price} @ {self.at:%Y-%m-%d %H:%M} ({self.source})"
