from __future__ import annotations

from django.conf import settings
from django.db import models

from portfolios.fields import ExactDecimalField

from .ledger import Asset


class PriceSource(models.TextChoices):
    COINGECKO = "coingecko", "CoinGecko"
    COINBASE = "coinbase", "Coinbase Exchange"
    YAHOO = "yahoo", "Yahoo Finance"
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


class OwnerPrice(models.Model):
    """A price the owner entered for an asset no feed covers (a private fund, a delisted share). It values
    that owner's holdings only, and only where no real quote is as recent: prices are shared by every
    portfolio, an owner's own valuation is not."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entered_prices"
    )
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="entered_prices")
    date = models.DateField()
    price = ExactDecimalField(help_text="USD per unit on that day.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "asset", "date"], name="ownerprice_owner_asset_date_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.price} on {self.date:%Y-%m-%d} (entered by {self.owner_id})"
