"""Which portfolios a price change concerns: the fan-out after a price refresh snapshots these."""

from __future__ import annotations

from collections.abc import Iterable

from rebalancing.models import TargetWeight
from taxes.models import TaxLot


def portfolios_holding(*, asset_ids: Iterable[int]) -> list[int]:
    """Ids of portfolios that hold (open lots) or target any of these assets."""
    ids = list(set(asset_ids))
    if not ids:
        return []
    held = set(
        TaxLot.objects.filter(asset_id__in=ids).order_by().values_list("portfolio_id", flat=True).distinct()
    )
    targeted = set(
        TargetWeight.objects.filter(asset_id__in=ids)
        .order_by()
        .values_list("target__portfolio_id", flat=True)
    )
    return sorted(held | targeted)
