"""The impact page's figures on a small made-up history, worked by hand.

Two coins, X and Y. On 2025-01-01 the owner buys 1 X at 100 and 10 Y at 10 and sets the target; on
2025-01-02 an accepted proposal sells 0.1 X at 120 and buys 1.2 Y at 10 (turnover 12 + 12 = 24, estimated
tax 1.50); on 2025-01-03 $50 is deposited and left as cash. Daily closes:

    day      X    Y    buy and hold (1 X, 10 Y)   portfolio (0.9 X, 11.2 Y from the 2nd)   net deposits
    01-01   100   10   200                          200                                      200
    01-02   120   10   220                          220                                      200
    01-03    90    8   170                          170.6 (+50 cash = 220.6 stored)           250
    01-04   110   12   230                          233.4 (+50 cash = 283.4 stored)           250

The portfolio's line takes the later deposit out: 200, 220, 170.6, 233.4. Max drawdown, the worst fall from
the running peak: 170.6 / 220 - 1 against 170 / 220 - 1 for holding. Return: 233.4 / 200 - 1 = 16.7%
against 230 / 200 - 1 = 15%. Volatility: the sample standard deviation of the daily returns, annualised by
the square root of 365.
"""

from __future__ import annotations

import itertools
import math
import statistics
from datetime import UTC, date, datetime
from decimal import Decimal, localcontext

import pytest
import time_machine
from django.urls import reverse

from portfolios.decimals import WIDE
from portfolios.models import Account, Portfolio, User, ValuePoint
from rebalancing.models import ProposalStatus, ProposedTrade, RebalanceProposal
from rebalancing.selectors.impact import impact_get
from rebalancing.target_services import target_set
from tests.rebalancing.kit import asset, price, record

pytestmark = pytest.mark.django_db
D = Decimal

CLOSES = {
    date(2025, 1, 1): ("100", "10"),
    date(2025, 1, 2): ("120", "10"),
    date(2025, 1, 3): ("90", "8"),
    date(2025, 1, 4): ("110", "12"),
}
STORED = {  # value, net deposits
    date(2025, 1, 1): ("200", "200"),
    date(2025, 1, 2): ("220", "200"),
    date(2025, 1, 3): ("220.6", "250"),
    date(2025, 1, 4): ("283.4", "250"),
}


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def history() -> Portfolio:
    user = User.objects.create_user(username="ivy", password="x", timezone="UTC")
    portfolio = Portfolio.objects.create(owner=user, name="Two coins")
    account = Account.objects.create(portfolio=portfolio, name="Exchange", kind="exchange")
    x, y = asset("XIMP"), asset("YIMP")
    day1, day2 = date(2025, 1, 1), date(2025, 1, 2)
    record(account, "buy", _at(day1, 10), "1", x, unit_price=D(100))
    record(account, "buy", _at(day1, 10), "10", y, unit_price=D(10))
    with time_machine.travel(_at(day1, 18), tick=False):
        target_set(portfolio=portfolio, weights={x.pk: D("0.5"), y.pk: D("0.5")})
    sell = record(account, "sell", _at(day2, 14), "0.1", x, unit_price=D(120))
    buy = record(account, "buy", _at(day2, 14), "1.2", y, unit_price=D(10))
    for day, (px, py) in CLOSES.items():
        price(x, px, _at(day, 23))
        price(y, py, _at(day, 23))
    for day, (value, deposits) in STORED.items():
        ValuePoint.objects.create(
            portfolio=portfolio, date=day, value=D(value), cost_basis=D(200), net_deposits=D(deposits)
        )
    accepted = RebalanceProposal.objects.create(
        portfolio=portfolio,
        status=ProposalStatus.ACCEPTED,
        as_of=day2,
        totals={"turnover": "24", "estimated_tax": "1.50", "fees": "0"},
    )
    for i, (tx, side, what) in enumerate([(sell, "sell", x), (buy, "buy", y)]):
        ProposedTrade.objects.create(
            proposal=accepted,
            position=i,
            account=account,
            asset=what,
            side=side,
            quantity=tx.quantity,
            price=tx.unit_price,
            value=tx.quantity * tx.unit_price,
            executed=tx,
        )
    # A dismissed proposal's trades were never made: it adds nothing.
    RebalanceProposal.objects.create(
        portfolio=portfolio,
        status=ProposalStatus.DISMISSED,
        as_of=day2,
        totals={"estimated_tax": "99"},
    )
    return portfolio


def _volatility(values: list[str]) -> float:
    numbers = [float(v) for v in values]
    returns = [b / a - 1 for a, b in itertools.pairwise(numbers)]
    return statistics.stdev(returns) * math.sqrt(365)


def test_impact_figures_are_the_hand_worked_ones(history) -> None:  # type: ignore[no-untyped-def]
    found = impact_get(portfolio=history)
    assert found.start == date(2025, 1, 1)
    assert found.dates == ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]
    assert found.actual == [D(200), D(220), D("170.6"), D("233.4")]
    assert found.hold == [D(200), D(220), D(170), D(230)]
    assert found.actual_stats.end_value == D("233.4")
    assert found.hold_stats.end_value == D(230)
    assert found.actual_stats.total_return == D("0.167")
    assert found.hold_stats.total_return == D("0.15")
    with localcontext(WIDE):
        assert found.actual_stats.max_drawdown == D("170.6") / D(220) - 1
        assert found.hold_stats.max_drawdown == D(170) / D(220) - 1
    assert found.actual_stats.max_drawdown == pytest.approx(D("-0.2245454545"), abs=D("1e-10"))
    assert found.hold_stats.max_drawdown == pytest.approx(D("-0.2272727273"), abs=D("1e-10"))
    assert float(found.actual_stats.volatility) == pytest.approx(
        _volatility(["200", "220", "170.6", "233.4"]), rel=1e-12
    )
    assert float(found.hold_stats.volatility) == pytest.approx(
        _volatility(["200", "220", "170", "230"]), rel=1e-12
    )
    assert found.turnover == D(24)
    assert found.taxes == D("1.50")
    assert found.accepted == 1


def test_impact_page_prints_the_figures(client, history) -> None:  # type: ignore[no-untyped-def]
    client.force_login(history.owner)
    html = client.get(reverse("rebalancing:impact", args=[history.pk])).content.decode()
    assert "Since the target was first set on 2025-01-01" in html
    table = html[html.index('<table id="impact">') :]
    for row, portfolio, hold in [
        ("Value now", "$233.40", "$230.00"),
        ("Return", "16.70%", "15.00%"),
        ("Max drawdown", "-22.45%", "-22.73%"),
        ("Turnover (accepted proposals)", "$24.00", "$0.00"),
        ("Estimated taxes of accepted proposals", "$1.50", "$0.00"),
    ]:
        assert (
            f'<th scope="row">{row}</th><td class="num">{portfolio}</td><td class="num">{hold}</td>' in table
        ), row
