"""Prices the owner enters for an asset no feed covers: they value that owner's portfolios only, and every
portfolio of the owner holding the asset gets a fresh snapshot when one changes."""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portfolios.models import Asset, OwnerPrice, Portfolio, User
from portfolios.models.ledger import (
    SYMBOL_PATTERN,
    AssetClass,
)
from portfolios.pricing.validation import InvalidPrice, clean_price

logger = logging.getLogger("lotwise.prices")

_SYMBOL = re.compile(SYMBOL_PATTERN)
# "T (stock)": how pages show an ambiguous symbol, and how a client may name one.
# Cash is the ledger's own unit, never an asset a file or form creates.
CHOOSABLE_CLASSES: tuple[str, ...] = tuple(c for c in AssetClass.values if c != AssetClass.CASH)


def owner_prices_list(*, owner: User) -> list[OwnerPrice]:
    return list(
        OwnerPrice.objects.filter(owner=owner).select_related("asset").order_by("asset__symbol", "-date")
    )


@transaction.atomic
def owner_price_set(*, owner: User, asset: Asset, day: date, price: Decimal) -> OwnerPrice:
    """Record (or replace) the owner's price of `asset` on `day`. ValidationError names the field."""
    if asset.owner_id not in (None, owner.pk):
        raise ValidationError({"asset": "Choose one of your assets."})
    if day > timezone.now().date():
        raise ValidationError({"date": "The date is in the future."})
    try:
        checked = clean_price(price)
    except InvalidPrice as exc:
        raise ValidationError({"price": f"Not a usable price: {exc.reason}."}) from exc
    entered, _ = OwnerPrice.objects.update_or_create(
        owner=owner, asset=asset, date=day, defaults={"price": checked}
    )
    _owner_prices_changed(owner)
    return entered


@transaction.atomic
def owner_price_delete(*, entered: OwnerPrice) -> None:
    owner = entered.owner
    entered.delete()
    _owner_prices_changed(owner)


def _owner_prices_changed(owner: User) -> None:
    """Past days of the owner's value history may change with the price: rebuild it once committed."""
    ids = list(Portfolio.objects.filter(owner=owner).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: _rebuild_snapshots(ids))


def _rebuild_snapshots(portfolio_ids: list[int]) -> None:
    from portfolios.tasks import snapshot_portfolios

    try:
        snapshot_portfolios.apply_async(args=[portfolio_ids], kwargs={"rebuild_history": True})
    except Exception:
        # The price is saved either way; the next price refresh or ledger change snapshots again.
        logger.exception("could not enqueue snapshots after an entered price")
