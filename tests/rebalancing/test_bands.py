"""The 5/25 band rule: half-width = min(absolute, relative x target) when both are set, else the one set."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rebalancing.bands import BandError, band_for, band_width, outside_band, policy_widths

D = Decimal


@pytest.mark.parametrize(
    ("target", "absolute", "relative", "expected"),
    [
        # Large target: the absolute band is the smaller one (0.05 < 0.25 x 0.40 = 0.10).
        ("0.40", "0.05", "0.25", ("0.35", "0.45")),
        # Small target: the relative band is the smaller one (0.25 x 0.08 = 0.02 < 0.05).
        ("0.08", "0.05", "0.25", ("0.06", "0.10")),
        # The cross-over: both give 0.05 at a 20% target.
        ("0.20", "0.05", "0.25", ("0.15", "0.25")),
        # Only one set: that one.
        ("0.40", "0.05", None, ("0.35", "0.45")),
        ("0.40", None, "0.25", ("0.30", "0.50")),
        # The floor is zero, never a negative weight.
        ("0.03", "0.05", None, ("0", "0.08")),
        # A zero target with a relative band has no room at all.
        ("0", "0.05", "0.25", ("0", "0")),
        ("1", "0.05", "0.25", ("0.95", "1.05")),
    ],
)
def test_band_for(target: str, absolute: str | None, relative: str | None, expected: tuple[str, str]) -> None:
    low, high = band_for(
        D(target),
        absolute=D(absolute) if absolute is not None else None,
        relative=D(relative) if relative is not None else None,
    ) or (None, None)
    assert (low, high) == (D(expected[0]), D(expected[1]))
    assert isinstance(low, Decimal)
    assert isinstance(high, Decimal)


def test_no_band_policy_means_no_band() -> None:
    assert band_for(D("0.4"), absolute=None, relative=None) is None
    assert band_width(D("0.4"), absolute=None, relative=None) is None
    assert outside_band(D("0.9"), None) is False


def test_edges_are_inside() -> None:
    band = band_for(D("0.40"), absolute=D("0.05"), relative=D("0.25"))
    assert not outside_band(D("0.35"), band)
    assert not outside_band(D("0.45"), band)
    assert outside_band(D("0.3499"), band)
    assert outside_band(D("0.4501"), band)


@pytest.mark.parametrize(
    ("target", "absolute", "relative"),
    [
        ("-0.1", "0.05", None),
        ("1.5", "0.05", None),
        ("0.4", "-0.05", None),
        ("0.4", None, "NaN"),
        ("0.4", "Infinity", None),
    ],
)
def test_nonsense_is_refused(target: str, absolute: str | None, relative: str | None) -> None:
    with pytest.raises(BandError):
        band_for(
            D(target), absolute=D(absolute) if absolute else None, relative=D(relative) if relative else None
        )


def test_floats_are_refused() -> None:
    with pytest.raises(BandError):
        band_for(0.4, absolute=D("0.05"), relative=None)  # type: ignore[arg-type]


fractions = st.decimals(min_value=0, max_value=1, places=6)


@given(target=fractions, absolute=st.none() | fractions, relative=st.none() | fractions)
def test_band_invariants(target: Decimal, absolute: Decimal | None, relative: Decimal | None) -> None:
    band = band_for(target, absolute=absolute, relative=relative)
    if absolute is None and relative is None:
        assert band is None
        return
    assert band is not None
    low, high = band
    assert D(0) <= low <= target <= high
    # Symmetric unless clipped at zero; never wider than either band that is set.
    width = high - target
    assert low == max(D(0), target - width)
    if absolute is not None:
        assert width <= absolute
    if relative is not None:
        assert width <= relative * target
    assert width in {w for w in (absolute, None if relative is None else relative * target) if w is not None}


@pytest.mark.parametrize(
    ("target", "relative", "floor", "expected"),
    [
        # Large target: the relative band (0.25 x 0.40 = 0.10) is wider than the floor.
        ("0.40", "0.25", "0.02", ("0.30", "0.50")),
        # Small target: 0.25 x 0.04 = 0.01 would be too thin, the 2-point floor holds.
        ("0.04", "0.25", "0.02", ("0.02", "0.06")),
        # No relative band: the floor alone; never below zero.
        ("0.01", None, "0.02", ("0", "0.03")),
    ],
)
def test_hybrid_band_is_the_wider_of_relative_and_floor(
    target: str, relative: str | None, floor: str, expected: tuple[str, str]
) -> None:
    band = band_for(D(target), absolute=None, relative=D(relative) if relative else None, floor=D(floor))
    assert band == (D(expected[0]), D(expected[1]))


def test_a_floor_with_an_absolute_band_is_refused() -> None:
    with pytest.raises(BandError, match="cannot also have an absolute band"):
        band_width(D("0.4"), absolute=D("0.05"), relative=D("0.25"), floor=D("0.02"))
    with pytest.raises(BandError):
        band_width(D("0.4"), absolute=None, relative=D("0.25"), floor=D("-0.02"))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("absolute", ("0.05", None, None)),
        ("relative", (None, "0.25", None)),
        ("hybrid", (None, "0.25", "0.02")),
        ("both", ("0.05", "0.25", None)),
    ],
)
def test_policy_widths_by_mode(mode: str, expected: tuple[str | None, ...]) -> None:
    widths = policy_widths(mode, absolute=D("0.05"), relative=D("0.25"), floor=D("0.02"))
    assert widths == tuple(D(w) if w else None for w in expected)
