"""Read-only sharing: an owner lets another user (their accountant) see one portfolio, and can take it back."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portfolios.models.ledger import Portfolio


class PortfolioGrant(models.Model):
    """`grantee` may read `portfolio`: its pages, lots, gains and tax summaries. Never write."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="grants")
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_grants"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["portfolio__name", "grantee__username", "id"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "grantee"], name="portfoliogrant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio} → {self.grantee}"
