"""Target weights and model indices: equal weight, top N by market cap, market-cap weight with a cap.

Every function returns weights that sum to exactly 1: fractions are computed exactly (wide context), floored
to `quantum`, and the leftover quanta go to the largest remainders (ties: the order given), never pushing
a weight above its cap.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import TypeVar

from .types import ZERO, RebalanceError

K = TypeVar("K", bound=Hashable)

ONE = Decimal(1)
WEIGHT_QUANTUM = Decimal("0.00000001")
_WIDE = Context(prec=80, rounding=ROUND_HALF_EVEN)


def _decimal(name: str, value: object) -> Decimal:
    if not isinstance(value, Decimal):
        raise RebalanceError(f"must be a Decimal, got {type(value).__name__}", field=name)
    if not value.is_finite():
        raise RebalanceError(f"must be finite, got {value}", field=name)
    return value


def validate_weights(weights: Mapping[K, Decimal], *, what: str = "target weights") -> None:
    """Refuse weights that are not Decimals in [0, 1] summing to exactly 1, saying by how much they miss."""
    if not weights:
        raise RebalanceError(f"{what} are empty: at least one weight is needed")
    for key, weight in weights.items():
        _decimal(f"{what}[{key}]", weight)
        if weight < 0 or weight > 1:
            raise RebalanceError(f"must be between 0 and 1, got {weight}", field=f"{what}[{key}]")
    with localcontext(_WIDE):
        total = sum(weights.values(), ZERO)
    if total != ONE:
        gap = ONE - total
        side = f"short by {gap}" if gap > 0 else f"over by {-gap}"
        raise RebalanceError(f"{what} sum to {total}, not exactly 1 ({side})")


def _check_quantum(quantum: Decimal) -> None:
    _decimal("quantum", quantum)
    if quantum <= 0 or quantum > 1 or (ONE / quantum) != (ONE / quantum).to_integral_value():
        raise RebalanceError(f"must be a positive fraction that divides 1, got {quantum}", field="quantum")


def _round_to_one(
    exact: Sequence[tuple[K, Decimal]], quantum: Decimal, cap: Decimal | None = None
) -> dict[K, Decimal]:
    """Floor each exact fraction to `quantum` and hand out the missing quanta by largest remainder."""
    with localcontext(_WIDE):
        floored = [(key, value.quantize(quantum, rounding=ROUND_FLOOR)) for key, value in exact]
        missing = int((ONE - sum((v for _, v in floored), ZERO)) / quantum)
        order = sorted(range(len(exact)), key=lambda i: -(exact[i][1] - floored[i][1]))
        out = dict(floored)
        for i in order:
            if missing <= 0:
                break
            key, value = floored[i]
            if cap is not None and value + quantum > cap:
                continue
            out[key] = value + quantum
            missing -= 1
        if missing > 0:  # every remainder went to an item already at the cap
            for key, _ in floored:
                while missing > 0 and (cap is None or out[key] + quantum <= cap):
                    out[key] += quantum
                    missing -= 1
        if missing > 0:
            raise RebalanceError(f"the cap of {cap} leaves weights that cannot sum to 1")
    return out


def equal_weight(assets: Sequence[K], *, quantum: Decimal = WEIGHT_QUANTUM) -> dict[K, Decimal]:
    """1/n each over `assets` (in the given order; the first ones take the leftover quanta)."""
    _check_quantum(quantum)
    if not assets:
        raise RebalanceError("equal weight needs at least one asset")
    if len(set(assets)) != len(assets):
        raise RebalanceError("equal weight over a set: an asset is listed twice")
    with localcontext(_WIDE):
        share = ONE / len(assets)
    return _round_to_one([(a, share) for a in assets], quantum)


def top_by_market_cap(market_caps: Mapping[K, Decimal], n: int) -> list[K]:
    """The `n` largest by market cap, largest first (ties keep the mapping's order)."""
    if n < 1:
        raise RebalanceError(f"top N needs N >= 1, got {n}")
    for key, cap in market_caps.items():
        _decimal(f"market_caps[{key}]", cap)
        if cap <= 0:
            raise RebalanceError(f"must be positive, got {cap}", field=f"market_caps[{key}]")
    if len(market_caps) < n:
        raise RebalanceError(f"top {n} by market cap needs {n} market caps, got {len(market_caps)}")
    ranked = sorted(enumerate(market_caps.items()), key=lambda item: (-item[1][1], item[0]))
    return [key for _, (key, _) in ranked[:n]]


def capped_fractions(market_caps: Mapping[K, Decimal], cap: Decimal | None) -> dict[K, Decimal]:
    """Exact cap-weighted fractions with every share at most `cap`.

    Iterative capping: shares above the cap are set to the cap and the excess is spread over the others pro
    rata to their market caps, which may push more of them over, so it repeats until none is over.
    """
    if cap is not None:
        _decimal("cap", cap)
        if cap <= 0 or cap > 1:
            raise RebalanceError(f"must be in (0, 1], got {cap}", field="cap")
        if cap * len(market_caps) < 1:
            raise RebalanceError(
                f"a cap of {cap} over {len(market_caps)} assets cannot reach 100% "
                f"(at least {(ONE / cap).to_integral_value(rounding=ROUND_CEILING)} assets are needed)"
            )
    with localcontext(_WIDE):
        total = sum(market_caps.values(), ZERO)
        shares = {key: value / total for key, value in market_caps.items()}
        if cap is None:
            return shares
        capped: set[K] = set()
        while True:
            over = [key for key, share in shares.items() if key not in capped and share > cap]
            if not over:
                return shares
            capped.update(over)
            free = [key for key in shares if key not in capped]
            room = ONE - cap * len(capped)
            free_caps = sum((market_caps[key] for key in free), ZERO)
            for key in capped:
                shares[key] = cap
            for key in free:
                shares[key] = room * market_caps[key] / free_caps if free_caps else ZERO


def market_cap_weight(
    market_caps: Mapping[K, Decimal],
    *,
    cap: Decimal | None = None,
    top: int | None = None,
    quantum: Decimal = WEIGHT_QUANTUM,
) -> dict[K, Decimal]:
    """Weights proportional to market cap, over the `top` largest when given, each at most `cap`."""
    _check_quantum(quantum)
    if top is not None:
        chosen = top_by_market_cap(market_caps, top)
        market_caps = {key: market_caps[key] for key in chosen}
    else:
        top_by_market_cap(market_caps, max(1, len(market_caps)))  # validates the numbers
    if cap is not None and cap.quantize(quantum, rounding=ROUND_FLOOR) != cap:
        raise RebalanceError(f"must be a multiple of the weight quantum {quantum}, got {cap}", field="cap")
    shares = capped_fractions(market_caps, cap)
    return _round_to_one(list(shares.items()), quantum, cap)


def validate_exposures(
    exposures: Mapping[int, Mapping[str, Decimal]], classes: Mapping[str, Decimal], assets: Sequence[int]
) -> None:
    """Every asset in `assets` has an exposure to known classes summing to exactly 1."""
    for asset in assets:
        exposure = exposures.get(asset)
        if exposure is None:
            raise RebalanceError(
                "a class target needs every held or targeted asset's class exposure",
                field=f"target.exposures[{asset}]",
            )
        unknown = sorted(set(exposure) - set(classes))
        if unknown:
            raise RebalanceError(
                f"names classes the target does not have: {', '.join(unknown)}",
                field=f"target.exposures[{asset}]",
            )
        validate_weights(exposure, what=f"target.exposures[{asset}]")
