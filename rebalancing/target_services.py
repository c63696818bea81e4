"""Writes of targets and policies. A target's weights sum to exactly 100%; every change is a new version,
so a proposal can say which weights it used."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portfolios.decimals import exact_text
from portfolios.models import Asset, Portfolio
from portfolios.services import ledger_changed
from rebalancing import engine
from rebalancing.models import BandMode, Policy, Target, TargetModel, TargetVersion, TargetWeight

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def _percent(value: Decimal) -> str:
    return exact_text(value * HUNDRED) + "%"


def weights_errors(weights: Mapping[int, Decimal]) -> list[str]:
    """What is wrong with `weights` (fractions by asset id), in words the owner can act on."""
    errors = []
    if not any(w > 0 for w in weights.values()):
        return ["Give at least one asset a weight above 0%."]
    for asset_id, weight in weights.items():
        if not weight.is_finite() or weight < 0 or weight > 1:
            errors.append(f"Each weight is between 0% and 100% (asset {asset_id}: {_percent(weight)}).")
    total = sum(weights.values(), ZERO)
    if total != ONE:
        gap = ONE - total
        side = f"{_percent(gap)} short" if gap > 0 else f"{_percent(-gap)} over"
        errors.append(f"The weights add up to {_percent(total)}, not exactly 100% ({side}).")
    return errors


def visible_assets(portfolio: Portfolio) -> Any:
    """The catalogue's assets and the owner's own: nobody else's."""
    return Asset.objects.filter(Q(owner__isnull=True) | Q(owner_id=portfolio.owner_id)).exclude(
        asset_class="cash"
    )


@transaction.atomic
def target_set(
    *,
    portfolio: Portfolio,
    weights: Mapping[int, Decimal],
    model: str = TargetModel.CUSTOM,
    params: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> Target:
    """Replace the target's weights (fractions by asset id) as a new version; zero weights are dropped."""
    errors = weights_errors(weights)
    if errors:
        raise ValidationError(errors)
    kept = {aid: w for aid, w in weights.items() if w > 0}
    found = set(visible_assets(portfolio).filter(pk__in=kept).values_list("pk", flat=True))
    if found != set(kept):
        raise ValidationError(f"Unknown asset: {min(set(kept) - found)}.")
    target, _ = Target.objects.select_for_update().get_or_create(portfolio=portfolio)
    same = dict(target.weights.values_list("asset_id", "weight")) == kept
    if same and target.model == model and target.version:
        return target
    target.version += 1
    target.model = model
    target.model_params = dict(params or {})
    target.set_at = timezone.now()
    if name:
        target.name = name
    target.save()
    TargetWeight.objects.filter(target=target).delete()
    TargetWeight.objects.bulk_create(
        TargetWeight(target=target, asset_id=a, weight=w) for a, w in kept.items()
    )
    TargetVersion.objects.create(
        target=target,
        number=target.version,
        weights={str(a): exact_text(w) for a, w in kept.items()},
        model=model,
        model_params=dict(params or {}),
    )
    # The snapshot holds the drift against the target: the workers refresh it after this commits.
    ledger_changed(portfolio=portfolio)
    return target


def model_weights(
    *,
    model: str,
    asset_ids: list[int],
    market_caps: Mapping[int, Decimal] | None = None,
    top: int | None = None,
    cap: Decimal | None = None,
) -> dict[int, Decimal]:
    """A model index's weights: equal weight over the chosen assets (or the top N by market cap), or
    market-cap weight with a per-asset cap. ValidationError with the engine's words when it cannot be."""
    try:
        if model == TargetModel.EQUAL:
            chosen = asset_ids
            if top:
                caps = {a: (market_caps or {})[a] for a in asset_ids if a in (market_caps or {})}
                chosen = engine.top_by_market_cap(caps, top)
            return engine.equal_weight(chosen)
        if model == TargetModel.MARKET_CAP:
            caps = {a: (market_caps or {})[a] for a in asset_ids if a in (market_caps or {})}
            missing = [a for a in asset_ids if a not in caps]
            if missing:
                raise ValidationError(f"No market cap is known for asset {missing[0]}.")
            return engine.market_cap_weight(caps, cap=cap, top=top)
    except engine.RebalanceError as exc:
        raise ValidationError(str(exc)) from exc
    raise ValidationError(f"Unknown model {model!r}.")


POLICY_FIELDS = (
    "band_mode",
    "band_floor",
    "threshold_check",
    "calendar",
    "trade_to",
    "min_trade",
    "cash_reserve",
    "fee_bps",
    "fee_fixed",
    "slippage_bps",
    "account_costs",
    "buy_only",
    "short_rate",
    "long_rate",
)


@transaction.atomic
def policy_update(*, portfolio: Portfolio, **changes: Any) -> Policy:
    """Change the policy; `band_absolute` and `band_relative` are stored on the target, where the snapshot
    reads them (a target without weights is created to hold them)."""
    policy, _ = Policy.objects.select_for_update().get_or_create(portfolio=portfolio)
    for name in POLICY_FIELDS:
        if name in changes:
            setattr(policy, name, changes[name])
    if policy.band_mode == BandMode.HYBRID and policy.band_floor is None:
        raise ValidationError({"band_floor": "A hybrid band needs a floor (e.g. 2 points)."})
    policy.full_clean(exclude=["portfolio"])
    policy.save()
    band_changes = {k: changes[k] for k in ("band_absolute", "band_relative") if k in changes}
    # The snapshot applies whichever widths are set, so the mode clears the one it does not use.
    if policy.band_mode == BandMode.ABSOLUTE:
        band_changes["band_relative"] = None
    elif policy.band_mode in (BandMode.RELATIVE, BandMode.HYBRID):
        band_changes["band_absolute"] = None
    if band_changes:
        target, _ = Target.objects.get_or_create(portfolio=portfolio)
        for name, value in band_changes.items():
            setattr(target, name, value)
        target.save(update_fields=list(band_changes))
        ledger_changed(portfolio=portfolio)
    return policy
