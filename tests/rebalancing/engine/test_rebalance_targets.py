"""Model indices, weight validation, and the year's tax netting."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rebalancing.engine import (
    RealizedGains,
    RebalanceError,
    TaxRates,
    capped_fractions,
    equal_weight,
    market_cap_weight,
    proposal_tax,
    top_by_market_cap,
    validate_weights,
    year_tax,
)

D = Decimal


def test_equal_weight_sums_to_exactly_one() -> None:
    """1/3 floors to 0.33333333; the one quantum missing goes to the first asset."""
    weights = equal_weight(["BTC", "ETH", "SOL"])
    assert weights == {"BTC": D("0.33333334"), "ETH": D("0.33333333"), "SOL": D("0.33333333")}
    assert sum(weights.values()) == 1
    assert equal_weight([1, 2, 3, 4]) == dict.fromkeys((1, 2, 3, 4), D("0.25"))
    assert equal_weight([7], quantum=D("0.01")) == {7: D(1)}


def test_equal_weight_refuses_nonsense() -> None:
    with pytest.raises(RebalanceError, match="at least one"):
        equal_weight([])
    with pytest.raises(RebalanceError, match="twice"):
        equal_weight([1, 1])
    with pytest.raises(RebalanceError, match="divides 1"):
        equal_weight([1, 2], quantum=D("0.3"))


def test_top_by_market_cap() -> None:
    caps = {"ADA": D(20), "BTC": D(1000), "SOL": D(60), "ETH": D(400), "DOT": D(20)}
    assert top_by_market_cap(caps, 3) == ["BTC", "ETH", "SOL"]
    assert top_by_market_cap(caps, 5)[-2:] == ["ADA", "DOT"]  # a tie keeps the given order
    with pytest.raises(RebalanceError, match="needs 6"):
        top_by_market_cap(caps, 6)
    with pytest.raises(RebalanceError, match="positive"):
        top_by_market_cap({"X": D(0)}, 1)


def test_market_cap_weight_without_a_cap() -> None:
    """400 / 1,000 = 0.4 and so on; top 2 of the same: 500 / 800 and 300 / 800."""
    caps = {"BTC": D(500), "ETH": D(300), "SOL": D(200)}
    assert market_cap_weight(caps) == {"BTC": D("0.5"), "ETH": D("0.3"), "SOL": D("0.2")}
    assert market_cap_weight(caps, top=2) == {"BTC": D("0.625"), "ETH": D("0.375")}


def test_market_cap_weight_with_iterative_capping() -> None:
    """Caps 50 / 25 / 15 / 10 with a 30% cap.

    Round 1: BTC 50% > 30%, so BTC = 30% and the other 70% goes pro rata to 25 / 15 / 10 (of 50):
    ETH 35%, SOL 21%, ADA 14%. Round 2: ETH 35% > 30%, so ETH = 30% and 40% goes to 15 / 10 (of 25):
    SOL 24%, ADA 16%. Nobody is above 30%: 30 + 30 + 24 + 16 = 100.
    """
    caps = {"BTC": D(50), "ETH": D(25), "SOL": D(15), "ADA": D(10)}
    assert market_cap_weight(caps, cap=D("0.3")) == {
        "BTC": D("0.3"),
        "ETH": D("0.3"),
        "SOL": D("0.24"),
        "ADA": D("0.16"),
    }


def test_capped_weights_round_to_exactly_one_and_respect_the_cap() -> None:
    """Caps 7 / 2 / 1 / 1 / 1 with a 25% cap: 25% for the first, 75% over 2 / 1 / 1 / 1 (of 5) gives 30%,
    so that is capped too; 50% over the three 1s is 1/6 each, which does not divide evenly."""
    caps = {"A": D(7), "B": D(2), "C": D(1), "D": D(1), "E": D(1)}
    weights = market_cap_weight(caps, cap=D("0.25"))
    assert sum(weights.values()) == 1
    assert weights["A"] == weights["B"] == D("0.25")
    assert max(weights.values()) <= D("0.25")
    assert {weights[k] for k in "CDE"} <= {D("0.16666666"), D("0.16666667")}
    exact = capped_fractions(caps, D("0.25"))
    assert exact["C"] * 6 == 1


def test_a_cap_that_cannot_reach_one_hundred_percent() -> None:
    with pytest.raises(RebalanceError, match="at least 4 assets"):
        market_cap_weight({"A": D(1), "B": D(1), "C": D(1)}, cap=D("0.3"))


def test_validate_weights_says_by_how_much_they_miss() -> None:
    with pytest.raises(RebalanceError, match=r"sum to 0\.99, not exactly 1 \(short by 0\.01\)"):
        validate_weights({1: D("0.5"), 2: D("0.49")})
    with pytest.raises(RebalanceError, match=r"over by 0\.01"):
        validate_weights({1: D("0.5"), 2: D("0.51")})
    with pytest.raises(RebalanceError, match="Decimal"):
        validate_weights({1: 0.5, 2: D("0.5")})  # type: ignore[dict-item]
    with pytest.raises(RebalanceError, match="between 0 and 1"):
        validate_weights({1: D("1.5"), 2: D("-0.5")})
    validate_weights({1: D("0.333"), 2: D("0.333"), 3: D("0.334")})


@settings(max_examples=60, deadline=None)
@given(
    caps=st.lists(st.integers(1, 10**9), min_size=1, max_size=12),
    cap_pct=st.integers(1, 100),
)
def test_cap_weights_always_sum_to_one_under_the_cap(caps: list[int], cap_pct: int) -> None:
    market = {i: D(c) for i, c in enumerate(caps)}
    cap = D(cap_pct) / 100
    if cap * len(caps) < 1:
        with pytest.raises(RebalanceError):
            market_cap_weight(market, cap=cap)
        return
    weights = market_cap_weight(market, cap=cap)
    assert sum(weights.values()) == 1
    assert all(0 <= w <= cap for w in weights.values())
    # A larger market cap never gets a smaller weight (up to one rounding quantum).
    ranked = sorted(market, key=lambda i: market[i])
    for small, large in itertools.pairwise(ranked):
        assert weights[large] >= weights[small] - D("0.00000001")


RATES = TaxRates()


@pytest.mark.parametrize(
    ("short", "long", "tax"),
    [
        ("1000", "1000", "390"),  # 240 + 150
        ("1000", "-400", "144"),  # the long-term loss offsets short-term gain: 600 x 24%
        ("-400", "1000", "90"),  # the short-term loss offsets long-term gain: 600 x 15%
        ("-400", "-400", "-192"),  # a net loss of 800 offsets ordinary income at 24%
        ("-5000", "1000", "-720"),  # net loss 4,000, of which 3,000 offsets income
        ("0", "0", "0"),
    ],
)
def test_year_tax_nets_gains_and_losses(short: str, long: str, tax: str) -> None:
    assert year_tax(D(short), D(long), RATES) == D(tax)


def test_proposal_tax_is_the_change_in_the_years_tax() -> None:
    """With a 5,000 short-term loss already realized (3,000 of it offsets income: -720), a 1,000 long-term
    gain only eats into the carryforward: the year's tax stays -720, so the gain costs nothing now."""
    realized = RealizedGains(short_term=D(-5000))
    assert proposal_tax(D(0), D(1000), realized, RATES) == 0
    assert proposal_tax(D(0), D(3000), realized, RATES) == D("0.24") * 1000
    assert proposal_tax(D(0), D(1000), RealizedGains(), RATES) == 150
