"""Hand-worked proposals: the working is in each docstring, the assertions check the exact trades.

Unless a test says otherwise: one taxable account with no cash, lots bought long ago (long-term), default
policy (5/25 bands: the narrower of ±5 percentage points and ±25% of the target; back to target; no fees;
tax 24% short-term, 15% long-term).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from rebalancing.engine import (
    Account,
    Asset,
    FlagCode,
    Lot,
    Method,
    Policy,
    RealizedGains,
    RebalanceRequest,
    RecentTrade,
    Side,
    Target,
    TaxTreatment,
    Term,
    TradeTo,
    equal_weight,
    propose,
)
from rebalancing.engine.build import build_problem
from rebalancing.engine.greedy import greedy_candidate
from rebalancing.engine.model import Stage

from . import (
    ACCOUNTS,
    ADA,
    AS_OF,
    BND,
    BTC,
    COLD,
    ETH,
    ROTH,
    SOL,
    TAXABLE,
    VTI,
    D,
    buys,
    lot,
    request,
    sells,
    trades_of,
)

BUY, SELL = Side.BUY, Side.SELL


def test_four_coin_equal_weight_back_to_target() -> None:
    """$1,000 each of BTC, ETH, SOL and ADA (25% each), then +50% / +100% / +200% / 0%:
    1,500 + 2,000 + 3,000 + 1,000 = 7,500, so 20.0% / 26.7% / 40.0% / 13.3%.

    Bands at 25%: min(5 pp, 25% x 25% = 6.25 pp) = ±5 pp -> [20%, 30%]. SOL (40%) is above, ADA (13.3%)
    below; BTC sits on its lower edge, which is inside. Back to target: 7,500 / 4 = 1,875 each:
      BTC buy  375 = 0.00625 at 60,000     ETH sell  125 = 0.03125 at 4,000
      SOL sell 1,125 = 7.5 at 150          ADA buy   875 = 1,750 at 0.50
    Sells 1,250 = buys 1,250, so no cash is needed. Tax (long-term, 15%):
      ETH: basis 1,000 x 0.03125 / 0.5 = 62.50, gain 125 - 62.50 = 62.50, tax 9.375 -> 9.38
      SOL: basis 1,000 x 7.5 / 20 = 375, gain 1,125 - 375 = 750, tax 112.50
      together: 812.50 x 15% = 121.875 -> 121.88.
    """
    lots = [
        lot("btc", BTC, "0.025", 1000),
        lot("eth", ETH, "0.5", 1000),
        lot("sol", SOL, 20, 1000),
        lot("ada", ADA, 2000, 1000),
    ]
    prices = {BTC: 60000, ETH: 4000, SOL: 150, ADA: "0.5"}
    weights = equal_weight([BTC, ETH, SOL, ADA])
    assert weights == dict.fromkeys((BTC, ETH, SOL, ADA), D("0.25"))
    req = request(lots, prices, {a: str(w) for a, w in weights.items()})
    proposal = propose(req)

    assert proposal.weights_before == {
        BTC: D("0.2"),
        ETH: D("0.266667"),
        SOL: D("0.4"),
        ADA: D("0.133333"),
    }
    assert trades_of(proposal) == {
        (TAXABLE, BTC, BUY, D("375")),
        (TAXABLE, ETH, SELL, D("125")),
        (TAXABLE, SOL, SELL, D("1125")),
        (TAXABLE, ADA, BUY, D("875")),
    }
    quantities = {t.asset: t.quantity for t in proposal.trades}
    assert quantities == {BTC: D("0.00625"), ETH: D("0.03125"), SOL: D("7.5"), ADA: D("1750")}
    assert proposal.weights_after == dict.fromkeys((BTC, ETH, SOL, ADA), D("0.25"))
    assert proposal.bands_met
    assert {t.asset: t.estimated_tax for t in sells(proposal)} == {ETH: D("9.38"), SOL: D("112.50")}
    (sol_lot,) = next(t for t in proposal.trades if t.asset == SOL).lots
    assert (sol_lot.lot_id, sol_lot.basis, sol_lot.gain, sol_lot.term) == ("sol", D(375), D(750), Term.LONG)
    assert proposal.totals.estimated_tax == D("121.88")
    assert proposal.totals.turnover == D(2500)
    assert proposal.bands[SOL].low == D("0.20")
    assert proposal.bands[SOL].high == D("0.30")
    assert any("SOL is 40%, above" in r for r in proposal.reasons)
    assert any("ADA is 13.3%, below" in r for r in proposal.reasons)
    assert proposal.comparison is not None
    assert proposal.totals.tax_and_cost <= proposal.comparison.greedy.tax_and_cost


def test_portfolio_performance_asset_class_example() -> None:
    """€100 split 50/50 between fund A (90% developed, 10% emerging) and fund B (100% emerging).

    Developed = 0.9 x 50 = 45%, emerging = 0.1 x 50 + 50 = 55%. Target 70/30; the developed band is
    [65%, 75%], so rebalance. Buying x of A and selling x of B keeps the total at 100:
      0.9 x (50 + x) = 70  ->  x = 70 / 0.9 - 50 = 27.777...
    Buy 27.778 of A, sell 27.778 of B (prices 1); afterwards A = 77.78, B = 22.22, developed 70%.
    """
    req = RebalanceRequest(
        as_of=AS_OF,
        accounts=[ACCOUNTS[TAXABLE]],
        assets=[Asset(1, "A"), Asset(2, "B")],
        lots=[
            Lot("a", TAXABLE, 1, D(50), D(50), AS_OF, None),
            Lot("b", TAXABLE, 2, D(50), D(50), AS_OF, None),
        ],
        prices={1: D(1), 2: D(1)},
        target=Target(
            classes={"developed": D("0.7"), "emerging": D("0.3")},
            exposures={1: {"developed": D("0.9"), "emerging": D("0.1")}, 2: {"emerging": D(1)}},
        ),
    )
    proposal = propose(req)
    (buy,) = buys(proposal)
    (sell,) = sells(proposal)
    assert (buy.asset, buy.quantity.quantize(D("0.001"))) == (1, D("27.778"))
    assert (sell.asset, sell.quantity.quantize(D("0.001"))) == (2, D("27.778"))
    assert proposal.class_weights_before == {"developed": D("0.45"), "emerging": D("0.55")}
    assert proposal.class_weights_after == {"developed": D("0.7"), "emerging": D("0.3")}
    assert proposal.weights_after == {1: D("0.777778"), 2: D("0.222222")}
    assert proposal.class_bands["developed"].low == D("0.65")
    assert proposal.bands == {}
    assert proposal.bands_met


def test_selling_in_the_roth_avoids_all_tax() -> None:
    """BTC 0.1 in the brokerage (basis 1,000, worth 5,000) and 0.1 in the Roth, ETH 2.5 in the Roth (5,000).

    BTC 10,000 / ETH 5,000 = 66.7% / 33.3% against 50/50 (band [45%, 55%]). Back to target: 7,500 each, so
    sell 2,500 of BTC (0.05) and buy 2,500 of ETH (1.25). The Roth holds 5,000 of BTC and its cash can buy
    the ETH: no tax at all, while the same sale in the brokerage would realize 2,000 of gain (300 of tax).
    """
    lots = [
        lot("btc-taxable", BTC, "0.1", 1000),
        lot("btc-roth", BTC, "0.1", 1000, account=ROTH),
        lot("eth-roth", ETH, "2.5", 5000, account=ROTH),
    ]
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}))
    assert trades_of(proposal) == {(ROTH, BTC, SELL, D(2500)), (ROTH, ETH, BUY, D(2500))}
    assert proposal.totals.estimated_tax == 0
    assert proposal.totals.tax_and_cost == 0
    assert all(t.estimated_tax == 0 for t in proposal.trades)
    assert proposal.weights_after == {BTC: D("0.5"), ETH: D("0.5")}


def test_short_term_lots_ten_days_from_long_term_are_flagged() -> None:
    """The only BTC is a lot bought 2024-06-11: it turns long-term on 2025-06-12, ten days after AS_OF.

    BTC 0.2 at 50,000 = 10,000 (basis 6,000), ETH 5,000 (long-term): 66.7% / 33.3% against 50/50. Sell
    2,500 of BTC (0.05): basis 6,000 x 0.05 / 0.2 = 1,500, gain 1,000, short-term: tax 240. Sold as
    long-term it would be 150: waiting ten days saves 1,000 x (24% - 15%) = 90.
    """
    acquired = AS_OF + timedelta(days=9) - timedelta(days=365)
    assert acquired.isoformat() == "2024-06-11"
    lots = [lot("btc", BTC, "0.2", 6000, acquired=acquired), lot("eth", ETH, "2.5", 5000)]
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}))
    (sell,) = sells(proposal)
    (sale,) = sell.lots
    assert (sale.lot_id, sale.quantity, sale.gain, sale.term) == ("btc", D("0.05"), D(1000), Term.SHORT)
    assert sale.long_term_from == AS_OF + timedelta(days=10)
    assert sell.estimated_tax == D("240.00")
    (flag,) = [f for f in proposal.flags if f.code is FlagCode.LONG_TERM_SOON]
    assert flag.date == AS_OF + timedelta(days=10)
    assert flag.amount == D("90.00")
    assert flag.lot_id == "btc"
    assert "2025-06-12" in flag.message
    assert "10 days" in flag.message


def test_a_contribution_that_fixes_the_drift_sells_nothing() -> None:
    """BTC 4,000 / ETH 6,000 = 40% / 60% against 50/50 (band [45%, 55%]): both outside.

    A contribution of 2,000: 12,000 in all, 6,000 each, so buy 2,000 of BTC (0.04) and sell nothing.
    With 1,000 instead: buying 1,000 of BTC gives 5,000 / 11,000 = 45.5%, inside the band, so still no
    sell even though the target (50%) is not reached.
    """
    lots = [lot("btc", BTC, "0.08", 1000), lot("eth", ETH, 3, 1000)]
    prices, weights = {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}
    proposal = propose(request(lots, prices, weights, cash_flow=D(2000)))
    assert trades_of(proposal) == {(TAXABLE, BTC, BUY, D(2000))}
    assert proposal.weights_after == {BTC: D("0.5"), ETH: D("0.5")}
    assert proposal.cash_after == {TAXABLE: D(0)}
    assert any("contribution of 2,000.00" in r for r in proposal.reasons)

    smaller = propose(request(lots, prices, weights, cash_flow=D(1000)))
    assert trades_of(smaller) == {(TAXABLE, BTC, BUY, D(1000))}
    assert smaller.weights_after[BTC] == D("0.454545")
    assert smaller.bands_met


def test_a_withdrawal_comes_from_the_overweight_asset() -> None:
    """BTC 5,400 / ETH 4,600 (54% / 46%, inside the bands), no cash, withdraw 500 (no gains either way).

    Sell 500 of BTC (0.01), nothing of ETH: BTC 4,900 / 9,500 = 51.6%, ETH 48.4%, nearer the target than
    selling ETH would leave them, and no buy is needed because the bands still hold.
    """
    lots = [lot("btc", BTC, "0.108", 5400), lot("eth", ETH, "2.3", 4600)]
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}, cash_flow=D(-500)))
    assert trades_of(proposal) == {(TAXABLE, BTC, SELL, D(500))}
    assert proposal.cash_after == {TAXABLE: D(0)}
    assert proposal.weights_after == {BTC: D("0.515789"), ETH: D("0.484211")}
    assert any("withdrawal of 500.00" in r for r in proposal.reasons)


def test_inside_the_bands_nothing_is_proposed() -> None:
    """BTC 52% / ETH 48% against 50/50 with ±5 pp bands: inside, so an empty proposal that says why."""
    lots = [lot("btc", BTC, "0.104", 1000), lot("eth", ETH, "2.4", 1000)]
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}))
    assert proposal.empty
    assert proposal.method is Method.NONE
    assert [f.code for f in proposal.flags] == [FlagCode.INSIDE_BANDS]
    assert proposal.reasons == ("Every weight is inside its band: no trade is needed.",)
    assert proposal.weights_after == proposal.weights_before == {BTC: D("0.52"), ETH: D("0.48")}
    assert proposal.totals.turnover == 0


def test_a_security_bought_ten_days_ago_at_a_higher_price_is_not_sold_at_a_loss() -> None:
    """VTI: 10 shares bought long ago for 1,000 and 20 bought ten days ago for 6,000 (300 each), now 250.

    VTI 7,500 / BND 2,500 = 75% / 25% against 50/50. Sell 2,500 of VTI (10 shares). Losses first would
    pick the new lot (a 500 loss on 10 shares), but VTI was bought within 30 days, so that loss would be
    a wash sale: the old lot goes instead (gain 1,500, long-term: 225 of tax).
    """
    lots = [
        lot("old", VTI, 10, 1000),
        lot("new", VTI, 20, 6000, acquired=AS_OF - timedelta(days=10)),
        lot("bnd", BND, 25, 2500),
    ]
    proposal = propose(request(lots, {VTI: 250, BND: 100}, {VTI: "0.5", BND: "0.5"}))
    (sell,) = sells(proposal)
    assert [(s.lot_id, s.quantity, s.gain) for s in sell.lots] == [("old", D(10), D(1500))]
    assert proposal.totals.estimated_tax == D("225.00")
    (flag,) = [f for f in proposal.flags if f.code is FlagCode.WASH_SALE_BLOCKED]
    assert flag.asset == VTI
    assert flag.date == AS_OF - timedelta(days=10)
    assert trades_of(proposal) == {(TAXABLE, VTI, SELL, D(2500)), (TAXABLE, BND, BUY, D(2500))}


def test_a_purchase_in_the_roth_blocks_a_loss_sale_in_the_brokerage() -> None:
    """The same with both VTI lots old, one at a loss, and VTI bought 5 days ago in the Roth: the loss
    lot stays, the gain lot is sold."""
    lots = [lot("loss", VTI, 10, 3000), lot("gain", VTI, 20, 2000), lot("bnd", BND, 25, 2500)]
    purchase = RecentTrade(VTI, AS_OF - timedelta(days=5), account=ROTH)
    req = request(lots, {VTI: 250, BND: 100}, {VTI: "0.5", BND: "0.5"}, recent_purchases=[purchase])
    (sell,) = sells(propose(req))
    assert [s.lot_id for s in sell.lots] == ["gain"]
    unblocked = propose(request(lots, {VTI: 250, BND: 100}, {VTI: "0.5", BND: "0.5"}))
    (sell,) = sells(unblocked)
    assert [s.lot_id for s in sell.lots] == ["loss"]


def test_a_buy_that_is_a_wash_sale_only_when_it_is_the_only_way_back() -> None:
    """BND was sold at a loss of 300 five days ago. VTI 8,000 / BND 2,000 = 80% / 20% against 50/50.

    Buying BND is the only way back into its band [45%, 55%], so it is bought, but only to the band's
    edge (45%: sell 2,500 of VTI, buy 2,500 of BND), not to the target, and the trade says why. (The
    engine aims a few cents inside an edge so that rounding cannot leave a weight just outside.)
    """
    lots = [lot("vti", VTI, 32, 8000), lot("bnd", BND, 20, 2000)]
    loss = RecentTrade(BND, AS_OF - timedelta(days=5), loss=D(300))
    req = request(lots, {VTI: 250, BND: 100}, {VTI: "0.5", BND: "0.5"}, recent_loss_sales=[loss])
    proposal = propose(req)
    (buy,) = buys(proposal)
    assert buy.asset == BND
    assert D(2500) <= buy.value <= D("2500.10")
    assert D("0.45") <= proposal.weights_after[BND] <= D("0.45001")
    (note,) = buy.notes
    assert "Wash sale" in note
    assert "only way back" in note
    (flag,) = [f for f in proposal.flags if f.code is FlagCode.WASH_SALE_BUY]
    assert flag.amount == D(300)


def test_a_wash_sale_buy_is_not_made_to_reach_the_target() -> None:
    """VTI 6,000 / BND 4,000 / ETH 10,000 = 30% / 20% / 50% against 20 / 40 / 40.

    Bands: VTI [15%, 25%], BND [35%, 45%], ETH [35%, 45%]. BND was sold at a loss five days ago: it is
    bought up to its band's edge (35%), never on to its 40% target, and VTI and ETH absorb the rest.
    """
    lots = [lot("vti", VTI, 24, 6000), lot("bnd", BND, 40, 4000), lot("eth", ETH, 5, 10000)]
    weights = {VTI: "0.2", BND: "0.4", ETH: "0.4"}
    loss = RecentTrade(BND, AS_OF - timedelta(days=5), loss=D(300))
    proposal = propose(request(lots, {VTI: 250, BND: 100, ETH: 2000}, weights, recent_loss_sales=[loss]))
    bnd = next(t for t in proposal.trades if t.asset == BND)
    assert bnd.side is BUY
    assert D(3000) <= bnd.value <= D("3000.20")
    assert D("0.35") <= proposal.weights_after[BND] <= D("0.35001")
    assert proposal.bands_met
    free = propose(request(lots, {VTI: 250, BND: 100, ETH: 2000}, weights))
    assert free.weights_after == {VTI: D("0.2"), BND: D("0.4"), ETH: D("0.4")}


def test_trades_below_the_minimum_are_skipped() -> None:
    """BTC 3,500 / ETH 1,500 / SOL 2,510 / ADA 2,490 against 25% each (band [20%, 30%]).

    Back to target: sell 1,000 of BTC, buy 1,000 of ETH, sell 10 of SOL, buy 10 of ADA. With a 50
    minimum the SOL and ADA trades go (any trade of 50 would move them further from 25% than 10), leaving
    25.1% / 24.9%, well inside.
    """
    lots = [
        lot("btc", BTC, "0.07", 3500),
        lot("eth", ETH, "0.75", 1500),
        lot("sol", SOL, "25.1", 2510),
        lot("ada", ADA, 4980, 2490),
    ]
    prices = {BTC: 50000, ETH: 2000, SOL: 100, ADA: "0.5"}
    weights = dict.fromkeys((BTC, ETH, SOL, ADA), "0.25")
    everything = propose(request(lots, prices, weights))
    assert len(everything.trades) == 4
    proposal = propose(request(lots, prices, weights, policy=Policy(min_trade=D(50))))
    assert trades_of(proposal) == {(TAXABLE, BTC, SELL, D(1000)), (TAXABLE, ETH, BUY, D(1000))}
    assert proposal.weights_after == {BTC: D("0.25"), ETH: D("0.25"), SOL: D("0.251"), ADA: D("0.249")}


def test_the_cash_reserve_is_kept() -> None:
    """BTC 4,000 / ETH 6,000, contribution 2,000, reserve 200: only 1,800 is invested, all in BTC.
    BTC 5,800 / 11,800 = 49.2%, inside the band; 200 stays in cash."""
    lots = [lot("btc", BTC, "0.08", 1000), lot("eth", ETH, 3, 1000)]
    policy = Policy(cash_reserve=D(200))
    req = request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}, policy=policy, cash_flow=D(2000))
    proposal = propose(req)
    assert trades_of(proposal) == {(TAXABLE, BTC, BUY, D(1800))}
    assert proposal.cash_after == {TAXABLE: D(200)}


def test_the_reserve_holds_when_a_sale_is_needed_too() -> None:
    """BTC 4,000 / ETH 6,000, contribution 1,000, reserve 200, back to target.

    Buying 800 of BTC (all the spare cash) gives 4,800 / 10,800 = 44.4%: still below 45%, so sells are
    needed. Total 10,800 (200 stays cash): 5,400 each, so buy 1,400 of BTC, sell 600 of ETH;
    cash 1,000 + 600 - 1,400 = 200.
    """
    lots = [lot("btc", BTC, "0.08", 1000), lot("eth", ETH, 3, 1000)]
    policy = Policy(cash_reserve=D(200))
    req = request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}, policy=policy, cash_flow=D(1000))
    proposal = propose(req)
    assert trades_of(proposal) == {(TAXABLE, BTC, BUY, D(1400)), (TAXABLE, ETH, SELL, D(600))}
    assert proposal.cash_after == {TAXABLE: D(200)}
    assert proposal.weights_after == {BTC: D("0.5"), ETH: D("0.5")}


def test_never_sells_more_than_an_account_holds() -> None:
    """BTC 0.02 in the brokerage (1,000) and 0.18 in a cold wallet that cannot trade (9,000); ETH 10,000.

    Target BTC 25% / ETH 75%: BTC 50% is above [20%, 30%]. Back to target needs 5,000 of BTC sold, but only
    the brokerage's 0.02 can go: BTC 9,000 / 20,000 = 45%, and the proposal says plainly why.
    """
    lots = [
        lot("btc", BTC, "0.02", 100),
        lot("cold", BTC, "0.18", 900, account=COLD),
        lot("eth", ETH, 5, 5000),
    ]
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.25", ETH: "0.75"}))
    (sell,) = sells(proposal)
    assert (sell.account, sell.quantity) == (TAXABLE, D("0.02"))
    assert trades_of(proposal) == {(TAXABLE, BTC, SELL, D(1000)), (TAXABLE, ETH, BUY, D(1000))}
    assert not proposal.bands_met
    unmet = [f for f in proposal.flags if f.code is FlagCode.BANDS_UNMET]
    btc = next(f for f in unmet if f.asset == BTC)
    assert "cannot be met" in btc.message
    assert "Cold wallet" in btc.message
    assert proposal.weights_after[BTC] == D("0.45")


def test_an_asset_held_only_where_it_cannot_be_sold() -> None:
    lots = [lot("cold", BTC, "0.2", 900, account=COLD), lot("eth", ETH, 5, 5000)]
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.25", ETH: "0.75"}))
    assert proposal.empty
    btc = next(f for f in proposal.flags if f.code is FlagCode.BANDS_UNMET and f.asset == BTC)
    assert "held only where it cannot be sold (Cold wallet)" in btc.message


def test_only_to_the_band_edge() -> None:
    """BTC 40% / ETH 60%, bands [45%, 55%], trading only to the edge: sell 500 of ETH, buy 500 of BTC
    (and a few cents more, aiming just inside the edge)."""
    lots = [lot("btc", BTC, "0.08", 1000), lot("eth", ETH, 3, 1000)]
    policy = Policy(trade_to=TradeTo.BAND_EDGE)
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}, policy=policy))
    (buy,) = buys(proposal)
    (sell,) = sells(proposal)
    assert (buy.asset, sell.asset) == (BTC, ETH)
    assert D(500) <= buy.value == sell.value <= D("500.10")
    assert D("0.45") <= proposal.weights_after[BTC] <= D("0.45001")
    assert proposal.bands_met


def test_hybrid_band_is_the_wider_of_relative_and_floor() -> None:
    """Relative 25% with a 3 pp floor: at 8% the relative band is 2 pp, so the floor holds: [5%, 11%];
    at 92% the relative band (23 pp) holds: [69%, 115%]."""
    lots = [lot("btc", BTC, "0.236", 1000), lot("eth", ETH, "0.4", 1000)]
    policy = Policy(band_absolute=None, band_relative=D("0.25"), band_floor=D("0.03"))
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.92", ETH: "0.08"}, policy=policy))
    assert (proposal.bands[ETH].low, proposal.bands[ETH].high) == (D("0.05"), D("0.11"))
    assert (proposal.bands[BTC].low, proposal.bands[BTC].high) == (D("0.69"), D("1.15"))
    assert proposal.empty  # ETH at 800 / 12,600 = 6.3% is inside [5%, 11%]


def test_tax_nets_with_this_years_realized_gains() -> None:
    """A 1,000 long-term loss realized this year; the proposal sells 1,000 of BTC with a gain of 800.

    BTC 6,000 (basis 1,200) / ETH 4,000: 60% against 50/50. Sell 1,000 of BTC (0.02): basis 200, gain 800.
    On its own that is 800 x 15% = 120; but the year's net loss falls from 1,000 to 200, so 800 less loss
    offsets ordinary income at 24%: the tax rises by 192. The trade shows 120, the total 192.
    """
    lots = [lot("btc", BTC, "0.12", 1200), lot("eth", ETH, 2, 4000)]
    req = request(
        lots,
        {BTC: 50000, ETH: 2000},
        {BTC: "0.5", ETH: "0.5"},
        realized=RealizedGains(long_term=D(-1000)),
    )
    proposal = propose(req)
    (sell,) = sells(proposal)
    assert sell.estimated_tax == D("120.00")
    assert proposal.totals.estimated_tax == D("192.00")
    assert any(f.code is FlagCode.NETTING for f in proposal.flags)


def test_buy_only_mode_never_sells() -> None:
    lots = [lot("btc", BTC, "0.08", 1000), lot("eth", ETH, 3, 1000)]
    policy = Policy(buy_only=True)
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}, policy=policy))
    assert proposal.empty
    messages = " ".join(f.message for f in proposal.flags if f.code is FlagCode.BANDS_UNMET)
    assert "buy-only mode never sells" in messages
    with_cash = propose(
        request(lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}, policy=policy, cash_flow=D(2000))
    )
    assert trades_of(with_cash) == {(TAXABLE, BTC, BUY, D(2000))}


def test_the_greedy_baseline_takes_losses_then_long_term_high_basis() -> None:
    """BTC at 100: a short-term gain lot (basis 90), long-term lots with basis 20 and 80, and a loss lot
    (basis 120), 10 each; ETH 1,000. BTC 80% against 50/50: sell 1,500 (15 BTC). Greedy order: the loss
    lot (10), then long-term from the highest basis (5 of the basis-80 lot); never the short-term one."""
    lots = [
        lot("st", BTC, 10, 900, acquired=AS_OF - timedelta(days=100)),
        lot("lt-low", BTC, 10, 200),
        lot("lt-high", BTC, 10, 800),
        lot("loss", BTC, 10, 1200),
        lot("eth", ETH, 10, 1000),
    ]
    problem = build_problem(request(lots, {BTC: 100, ETH: 100}, {BTC: "0.5", ETH: "0.5"}))
    greedy = greedy_candidate(problem, Stage.FULL)
    (sell,) = [t for t in greedy.trades if t.side is SELL]
    assert [(s.lot_id, s.quantity) for s in sell.lots] == [("loss", D(10)), ("lt-high", D(5))]
    # Long-term net: -200 + 100 = -100, a net loss this year: 24% x 100 less ordinary income tax.
    assert greedy.totals.estimated_tax == D("-24.00")
    assert greedy.totals.tax_and_cost == 0


def test_the_optimiser_beats_the_greedy_order_when_it_can() -> None:
    """BTC at 100: a long-term lot with basis 10 per coin and a short-term lot with basis 99; 10 each;
    ETH 1,000. Sell 500 of BTC (5 coins). Greedy (long-term first): 5 x 90 gain x 15% = 67.50. The
    short-term lot has only 1 per coin of gain: 5 x 1 x 24% = 1.20, which the optimiser finds."""
    lots = [
        lot("lt", BTC, 10, 100),
        lot("st", BTC, 10, 990, acquired=AS_OF - timedelta(days=100)),
        lot("eth", ETH, 10, 1000),
    ]
    proposal = propose(request(lots, {BTC: 100, ETH: 100}, {BTC: "0.5", ETH: "0.5"}))
    assert proposal.method is Method.OPTIMISER
    (sell,) = sells(proposal)
    assert [(s.lot_id, s.quantity, s.term) for s in sell.lots] == [("st", D(5), Term.SHORT)]
    assert proposal.totals.estimated_tax == D("1.20")
    assert proposal.comparison is not None
    assert proposal.comparison.greedy.estimated_tax == D("67.50")


def test_fees_and_slippage_are_estimated_and_paid_from_the_sale() -> None:
    """BTC 6,000 / ETH 4,000 in a Roth; fees 10 bps + 1 per trade, slippage 5 bps. Selling x of BTC leaves
    x x (1 - 0.0015) - 1 to buy ETH with, and a buy of y costs y x 1.0015 + 1."""
    lots = [lot("btc", BTC, "0.12", 1000, account=ROTH), lot("eth", ETH, 2, 1000, account=ROTH)]
    from rebalancing.engine import Costs

    policy = Policy(costs=Costs(fee_bps=D(10), fee_fixed=D(1), slippage_bps=D(5)))
    proposal = propose(
        request(
            lots, {BTC: 50000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"}, policy=policy, accounts=[ACCOUNTS[ROTH]]
        )
    )
    (sell,) = sells(proposal)
    (buy,) = buys(proposal)
    assert sell.fee == (sell.value * D("0.001") + 1).quantize(D("0.01"))
    assert sell.slippage == (sell.value * D("0.0005")).quantize(D("0.01"))
    assert proposal.cash_after[ROTH] >= 0
    spent = buy.value + buy.fee + buy.slippage
    assert spent <= sell.value - sell.fee - sell.slippage
    assert proposal.totals.fees == sell.fee + buy.fee
    assert proposal.totals.tax_and_cost == proposal.totals.fees + proposal.totals.slippage
    assert proposal.bands_met


def test_an_untargeted_holding_has_target_zero() -> None:
    """ADA is held but not in the target: its weight target is 0 and with the 5/25 rule its band is
    [0, 0], so it is sold and the proceeds go to the target assets."""
    lots = [lot("btc", BTC, "0.1", 1000), lot("eth", ETH, "2.5", 1000), lot("ada", ADA, 1000, 100)]
    proposal = propose(request(lots, {BTC: 50000, ETH: 2000, ADA: "0.5"}, {BTC: "0.5", ETH: "0.5"}))
    ada = next(t for t in proposal.trades if t.asset == ADA)
    assert (ada.side, ada.quantity) == (SELL, D(1000))
    assert proposal.bands[ADA].high == 0
    assert proposal.weights_after[ADA] == 0


def test_the_same_request_gives_the_same_proposal() -> None:
    lots = [lot("btc", BTC, "0.1", 1000), lot("eth", ETH, "2.5", 1000, account=ROTH)]
    req = request(lots, {BTC: 60000, ETH: 2000}, {BTC: "0.5", ETH: "0.5"})
    assert propose(req) == propose(req)


def test_accounts_in_another_currency_of_quantity_whole_shares() -> None:
    """Whole shares only (step 1): VTI at 333 and BND at 97. 30 VTI (9,990) / 20 BND (1,940) is 83.7% /
    16.3% against 60/40 (bands [55%, 65%] and [35%, 45%]). The program counts shares, so the result is
    in whole shares and inside both bands."""
    vti = Asset(VTI, "VTI", security=True, quantity_step=D(1))
    bnd = Asset(BND, "BND", security=True, quantity_step=D(1))
    req = RebalanceRequest(
        as_of=AS_OF,
        accounts=[Account(TAXABLE, TaxTreatment.TAXABLE)],
        assets=[vti, bnd],
        lots=[lot("vti", VTI, 30, 6000), lot("bnd", BND, 20, 2000)],
        prices={VTI: D(333), BND: D(97)},
        target=Target(assets={VTI: D("0.6"), BND: D("0.4")}),
    )
    proposal = propose(req)
    assert proposal.bands_met
    assert all(t.quantity == t.quantity.to_integral_value() for t in proposal.trades)
    assert proposal.cash_after[TAXABLE] >= 0
    assert sum((t.value for t in sells(proposal)), Decimal(0)) >= sum(
        (t.value for t in buys(proposal)), Decimal(0)
    )
