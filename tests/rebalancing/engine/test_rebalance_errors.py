"""Requests the engine refuses, each with a message that names the field at fault."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from rebalancing.engine import (
    Account,
    Costs,
    Lot,
    Policy,
    RebalanceError,
    RebalanceRequest,
    Target,
    TaxRates,
    propose,
)
from rebalancing.engine.build import build_problem

from . import AS_OF, BND, BTC, COLD, ETH, ROTH, TAXABLE, VTI, D, lot, request

LOTS = [lot("btc", BTC, "0.1", 1000), lot("eth", ETH, "2.5", 1000, account=ROTH)]
PRICES = {BTC: 60000, ETH: 2000}
WEIGHTS = {BTC: "0.5", ETH: "0.5"}


def base() -> RebalanceRequest:
    return request(LOTS, PRICES, WEIGHTS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prices": {BTC: 60000.0, ETH: D(2000)}}, "prices[1]: must be a Decimal, got float"),
        ({"prices": {BTC: D(60000)}}, "prices[2]: no price for ETH"),
        ({"prices": {BTC: D(0), ETH: D(2000)}}, "must be positive"),
        ({"target": Target(assets={BTC: D("0.5"), ETH: D("0.49")})}, "short by 0.01"),
        ({"target": Target()}, "exactly one"),
        ({"target": Target(assets={BTC: D(1), 99: D(0)})}, "names assets not in `assets`: [99]"),
        ({"as_of": datetime(2025, 6, 2, 12, 0)}, "as_of: must be a date"),
        ({"cash_flow": D(-1_000_000)}, "the withdrawal needs"),
        ({"cash_flow_account": 42}, "unknown account 42"),
        ({"policy": Policy(band_floor=D("0.02"))}, "cannot also have an absolute band"),
        ({"policy": Policy(min_trade=D(-1))}, "policy.min_trade: must not be negative"),
        ({"policy": Policy(costs=Costs(fee_bps=D(1000)))}, "below 1000 bps"),
        ({"policy": Policy(tax_rates=TaxRates(short=D("1.2")))}, "at most 1"),
        ({"policy": Policy(account_costs={42: Costs()})}, "unknown account 42"),
        ({"policy": Policy(band_absolute=D("-0.05"))}, "must not be negative"),
    ],
)
def test_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(RebalanceError) as info:
        propose(replace(base(), **change))  # type: ignore[arg-type]
    assert message in str(info.value)


def test_bad_lots_are_named() -> None:
    bad = Lot("x", TAXABLE, BTC, D(0), D(1), AS_OF, None)
    with pytest.raises(RebalanceError, match=r"lots\[x\]\.quantity: must be positive"):
        propose(replace(base(), lots=[*LOTS, bad]))
    twice = lot("btc", BTC, 1, 1)
    with pytest.raises(RebalanceError, match=r"lots\[btc\]: lot id appears twice"):
        propose(replace(base(), lots=[*LOTS, twice]))
    elsewhere = Lot("y", 77, BTC, D(1), D(1), AS_OF, None)
    with pytest.raises(RebalanceError, match="unknown account 77"):
        propose(replace(base(), lots=[*LOTS, elsewhere]))


def test_class_targets_need_every_exposure() -> None:
    target = Target(
        classes={"developed": D("0.7"), "emerging": D("0.3")}, exposures={BTC: {"developed": D(1)}}
    )
    with pytest.raises(RebalanceError, match=r"target\.exposures\[2\]"):
        propose(replace(base(), target=target))
    target = Target(
        classes={"developed": D("0.7"), "emerging": D("0.3")},
        exposures={BTC: {"developed": D(1)}, ETH: {"frontier": D(1)}},
    )
    with pytest.raises(RebalanceError, match="frontier"):
        propose(replace(base(), target=target))
    target = Target(
        classes={"developed": D("0.7"), "emerging": D("0.3")},
        exposures={BTC: {"developed": D(1)}, ETH: {"developed": D("0.5"), "emerging": D("0.4")}},
    )
    with pytest.raises(RebalanceError, match=r"short by 0\.1"):
        propose(replace(base(), target=target))


def test_a_flow_cannot_pass_through_an_account_that_does_not_trade() -> None:
    req = replace(
        base(),
        cash_flow=D(100),
        cash_flow_account=COLD,
        accounts=[*base().accounts, Account(COLD, tradable=False)],
    )
    with pytest.raises(RebalanceError, match="not tradable"):
        propose(req)


def test_buy_only_cannot_raise_a_withdrawal() -> None:
    req = replace(base(), policy=Policy(buy_only=True), cash_flow=D(-10))
    with pytest.raises(RebalanceError, match="buy-only mode never sells"):
        propose(req)


def test_loss_lots_only_recently_acquired_count_as_purchases() -> None:
    """A lot acquired 31 days ago is outside the wash-sale window; one acquired 30 days ago is inside."""
    lots = [
        lot("a", VTI, 10, 5000, acquired=AS_OF - timedelta(days=31)),
        lot("b", BND, 10, 1000),
    ]
    problem = build_problem(request(lots, {VTI: 250, BND: 100}, {VTI: "0.5", BND: "0.5"}))
    assert VTI not in problem.bought_recently
    lots[0] = lot("a", VTI, 10, 5000, acquired=AS_OF - timedelta(days=30))
    problem = build_problem(request(lots, {VTI: 250, BND: 100}, {VTI: "0.5", BND: "0.5"}))
    assert problem.bought_recently[VTI] == AS_OF - timedelta(days=30)
    (view,) = problem.holdings[(TAXABLE, VTI)].lots
    assert view.blocked
