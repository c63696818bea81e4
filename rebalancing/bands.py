"""Tolerance bands around a target weight (pure: Decimal in, Decimal out, no Django).

The "5/25" rule: the allowed half-width is the smaller of an absolute band (e.g. 5 percentage points) and a
relative band (e.g. 25% of the target weight); when only one is set, that one. A large target (40%) gets
±5 pp, a small one (8%) gets ±2 pp, so small positions are not left to double before anything happens.

A hybrid band (Wealthfolio's) is the relative band never narrower than a floor: max(relative x target,
floor), so a small target is not held to a band too thin to trade. `policy_widths` says which widths a
policy's band mode uses; the snapshot and the engine both go through it and `band_for`, so the dashboard
shows the band the proposals use.
"""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal(0)


class BandError(ValueError):
    """A band or target weight that cannot describe an allocation (negative, above 1, not finite)."""


def _check(name: str, value: Decimal | None) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal):
        raise BandError(f"{name} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise BandError(f"{name} must be a finite, non-negative fraction, got {value}")


def policy_widths(
    mode: str, *, absolute: Decimal | None, relative: Decimal | None, floor: Decimal | None
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """The (absolute, relative, floor) widths a band mode uses: "absolute", "relative", "hybrid" (relative
    with the floor) or "both" (the narrower of absolute and relative; also any unknown mode)."""
    if mode == "absolute":
        return absolute, None, None
    if mode == "relative":
        return None, relative, None
    if mode == "hybrid":
        return None, relative, floor
    return absolute, relative, None


def band_width(
    target_weight: Decimal,
    *,
    absolute: Decimal | None,
    relative: Decimal | None,
    floor: Decimal | None = None,
) -> Decimal | None:
    """Half-width of the band around `target_weight`, or None when no band is set. With a floor: the wider
    of the relative band (none counts as zero) and the floor."""
    _check("target_weight", target_weight)
    _check("absolute", absolute)
    _check("relative", relative)
    _check("floor", floor)
    if target_weight > 1:
        raise BandError(f"target_weight is a fraction of the portfolio (at most 1), got {target_weight}")
    if floor is not None:
        if absolute is not None:
            raise BandError("a hybrid band (relative with a floor) cannot also have an absolute band")
        return max(ZERO if relative is None else relative * target_weight, floor)
    widths = [w for w in (absolute, None if relative is None else relative * target_weight) if w is not None]
    if not widths:
        return None
    return min(widths)


def band_for(
    target_weight: Decimal,
    *,
    absolute: Decimal | None,
    relative: Decimal | None,
    floor: Decimal | None = None,
) -> tuple[Decimal, Decimal] | None:
    """Allowed weight range [max(0, t - w), t + w] for target weight t, or None when no band is set."""
    width = band_width(target_weight, absolute=absolute, relative=relative, floor=floor)
    if width is None:
        return None
    return (max(ZERO, target_weight - width), target_weight + width)


def outside_band(weight: Decimal, band: tuple[Decimal, Decimal] | None) -> bool:
    """True when `weight` lies outside the band (the edges are inside). No band: never outside."""
    if band is None:
        return False
    low, high = band
    return weight < low or weight > high
