"""The rebalancing engine: the optimiser against the greedy baseline, and the time one proposal takes.

    .venv/bin/python bench/rebalance.py                       # 200 portfolios, 30 timed 10,000-lot proposals
    .venv/bin/python bench/rebalance.py --portfolios 50 --runs 10

1. 200 seeded random portfolios (2-12 assets, 1-3 accounts of mixed tax treatment, 2-300 lots, random fees,
   minimum trades, cash flows, bands, securities bought recently): for each, the greedy baseline's estimated
   tax + cost and the optimiser's, compared where both reach the same band outcome. Prints both totals and the
   worst case; the proposal (the better of the two) is never dearer than the baseline.
2. 20 assets x 3 accounts with 10,000 open lots in all: `propose` wall time p50 / p95 over seeded portfolios
   (each timed once; building the request is not timed). Target: p95 < 200 ms.

Not part of the test run; figures go in the README.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rebalancing.engine import (
    Account,
    Asset,
    Costs,
    Lot,
    Policy,
    Proposal,
    RebalanceError,
    RebalanceRequest,
    RecentTrade,
    Target,
    TaxTreatment,
    TradeTo,
    market_cap_weight,
    propose,
)

D = Decimal
AS_OF = date(2025, 6, 2)
CENT = D("0.01")
TREATMENTS = [TaxTreatment.TAXABLE, TaxTreatment.TAXABLE, TaxTreatment.TAX_FREE, TaxTreatment.TAX_DEFERRED]


def _lot(rng: random.Random, n: int, account: int, asset: int, price: Decimal) -> Lot:
    quantity = D(rng.randint(1, 4000)) / 100
    basis = (quantity * price * D(rng.randint(25, 220)) / 100).quantize(CENT)
    acquired = AS_OF - timedelta(days=rng.choice([rng.randint(1, 400), rng.randint(300, 2000)]))
    return Lot(f"L{n}", account, asset, quantity, basis, acquired, acquired + timedelta(days=366))


def random_request(seed: int) -> RebalanceRequest:
    rng = random.Random(seed)
    n_assets, n_accounts = rng.randint(2, 12), rng.randint(1, 3)
    accounts = [
        Account(k + 1, rng.choice(TREATMENTS), cash=D(rng.choice([0, 0, 0, 250, 5000])))
        for k in range(n_accounts)
    ]
    assets = [Asset(a + 1, f"A{a + 1}", security=rng.random() < 0.3) for a in range(n_assets)]
    prices = {a.id: D(rng.randint(10, 400000)) / 100 for a in assets}
    # Drift: some assets ran up, some fell, so the target is usually breached.
    lots = [
        _lot(rng, n, rng.randint(1, n_accounts), asset := rng.randint(1, n_assets), prices[asset])
        for n in range(rng.randint(2, 300))
    ]
    weights = market_cap_weight({a.id: D(rng.randint(1, 30)) for a in assets})
    recent = [
        RecentTrade(a.id, AS_OF - timedelta(days=rng.randint(1, 29))) for a in assets if rng.random() < 0.15
    ]
    losses = [
        RecentTrade(a.id, AS_OF - timedelta(days=rng.randint(1, 29)), loss=D(rng.randint(10, 900)))
        for a in assets
        if rng.random() < 0.1
    ]
    policy = Policy(
        band_absolute=rng.choice([D("0.05"), D("0.03"), None]),
        band_relative=rng.choice([D("0.25"), None]),
        trade_to=rng.choice([TradeTo.TARGET, TradeTo.BAND_EDGE]),
        min_trade=D(rng.choice([0, 0, 25, 100])),
        cash_reserve=D(rng.choice([0, 0, 100])),
        costs=Costs(
            fee_bps=D(rng.choice([0, 5, 10, 25])),
            fee_fixed=D(rng.choice([0, 0, 1])),
            slippage_bps=D(rng.choice([0, 5, 10])),
        ),
    )
    first = accounts[0]
    held = sum((x.quantity * prices[x.asset] for x in lots if x.account == first.id), D(0))
    flow = (D(rng.choice([0, 0, 0, 1, -1])) * held * D(rng.randint(1, 15)) / 100).quantize(CENT)
    return RebalanceRequest(
        as_of=AS_OF,
        accounts=accounts,
        assets=assets,
        lots=lots,
        prices=prices,
        target=Target(assets=weights),
        policy=policy,
        cash_flow=flow,
        cash_flow_account=first.id,
        recent_purchases=recent,
        recent_loss_sales=losses,
    )


def large_request(seed: int, n_lots: int) -> RebalanceRequest:
    """20 assets x 3 accounts (two taxable, a Roth), `n_lots` open lots, drifted from equal weight."""
    rng = random.Random(seed)
    accounts = [
        Account(1, TaxTreatment.TAXABLE, name="Brokerage"),
        Account(2, TaxTreatment.TAXABLE, name="Exchange"),
        Account(3, TaxTreatment.TAX_FREE, name="Roth IRA"),
    ]
    assets = [Asset(a, f"A{a}", security=a % 4 == 0) for a in range(1, 21)]
    prices = {a.id: D(rng.randint(100, 500000)) / 100 for a in assets}
    drift = {a.id: D(rng.randint(50, 200)) / 100 for a in assets}
    lots = []
    for n in range(n_lots):
        asset = rng.randint(1, 20)
        lot = _lot(rng, n, rng.randint(1, 3), asset, prices[asset])
        lots.append(
            Lot(
                lot.lot_id,
                lot.account,
                lot.asset,
                (lot.quantity * drift[asset]).quantize(CENT) or CENT,
                lot.basis,
                lot.acquired,
                lot.long_term_from,
            )
        )
    return RebalanceRequest(
        as_of=AS_OF,
        accounts=accounts,
        assets=assets,
        lots=lots,
        prices=prices,
        target=Target(assets=market_cap_weight({a.id: D(1) for a in assets})),
        policy=Policy(min_trade=D(50), costs=Costs(fee_bps=D(10), slippage_bps=D(5))),
    )


def compare(n: int) -> None:
    greedy_total = optimiser_total = chosen_total = D(0)
    better = same = worse = different = empty = refused = 0
    worst: tuple[Decimal, int] = (D("-Infinity"), -1)
    worst_chosen: tuple[Decimal, int] = (D("-Infinity"), -1)
    best: tuple[Decimal, int] = (D("Infinity"), -1)
    for seed in range(n):
        request = random_request(seed)
        try:
            proposal: Proposal = propose(request)
        except RebalanceError:
            refused += 1  # a withdrawal larger than its account can raise
            continue
        comparison = proposal.comparison
        if comparison is None:
            empty += 1
            continue
        greedy, optimiser, chosen = comparison.greedy, comparison.optimiser, proposal.totals
        slack = CENT * (len(proposal.trades) + 10)
        to_target = request.policy.trade_to is TradeTo.TARGET
        if (
            optimiser is None
            or abs(optimiser.band_shortfall - greedy.band_shortfall) > slack
            or (to_target and abs(optimiser.target_gap - greedy.target_gap) > slack)
        ):
            different += 1
            continue
        greedy_total += greedy.tax_and_cost
        optimiser_total += optimiser.tax_and_cost
        chosen_total += chosen.tax_and_cost
        gap = optimiser.tax_and_cost - greedy.tax_and_cost
        better += gap < 0
        same += gap == 0
        worse += gap > 0
        worst = max(worst, (gap, seed))
        best = min(best, (gap, seed))
        worst_chosen = max(worst_chosen, (chosen.tax_and_cost - greedy.tax_and_cost, seed))
    compared = better + same + worse
    print(f"{n} portfolios: {compared} compared at the same band outcome (and target gap when trading to")
    print(f"  target), {different} reached different outcomes")
    print(f"  ({empty} needed no trade, {refused} refused a withdrawal larger than its account)")
    print(f"  greedy baseline   estimated tax + cost  {greedy_total:>14,.2f}")
    print(f"  optimiser         estimated tax + cost  {optimiser_total:>14,.2f}")
    print(f"  proposed (better) estimated tax + cost  {chosen_total:>14,.2f}")
    print(
        f"  optimiser cheaper in {better}, equal in {same}, dearer in {worse} (then the baseline is proposed)"
    )
    print(f"  worst case, optimiser - greedy:  {worst[0]:+,.2f} (seed {worst[1]})")
    print(f"  best case,  optimiser - greedy:  {best[0]:+,.2f} (seed {best[1]})")
    print(f"  worst case, proposal - greedy:   {worst_chosen[0]:+,.2f} (seed {worst_chosen[1]})")


def timing(runs: int, n_lots: int) -> None:
    walls, cpus = [], []
    propose(large_request(10_000, n_lots))  # imports and solver start-up are not the proposal's cost
    statuses: dict[str, int] = {}
    for seed in range(runs):
        request = large_request(seed, n_lots)
        t0, c0 = time.perf_counter(), time.process_time()
        proposal = propose(request)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        status = proposal.comparison.optimiser_status if proposal.comparison else "no trade"
        statuses[status] = statuses.get(status, 0) + 1

    def p(values: list[float], q: float) -> float:
        return (
            statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
            if len(values) > 1
            else values[0] * 1000
        )

    print(f"20 assets x 3 accounts, {n_lots:,} lots, {runs} proposals:")
    print(
        f"  wall  p50 {p(walls, 50):6.0f} ms   p95 {p(walls, 95):6.0f} ms   max {max(walls) * 1000:6.0f} ms"
    )
    print(f"  cpu   p50 {p(cpus, 50):6.0f} ms   p95 {p(cpus, 95):6.0f} ms")
    for status, count in sorted(statuses.items()):
        print(f"  solver: {status} x {count}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--portfolios", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lots", type=int, default=10_000)
    args = parser.parse_args()
    compare(args.portfolios)
    timing(args.runs, args.lots)


if __name__ == "__main__":
    main()
