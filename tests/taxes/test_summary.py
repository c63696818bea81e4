"""The year-end summary through the real ledger -> engine -> stored rows path, hand-worked."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from portfolios.models import Account
from portfolios.services import TransactionData, transaction_record
from taxes.models import TaxProfile
from taxes.summary import year_summary
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def rec(account: Account, kind: str, day: str, qty: str, price: str | None, **extra: object) -> None:
    when = datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)
    data = TransactionData(
        account=account,
        type=kind,
        timestamp=when,
        quantity=D(qty),
        unit_price=None if price is None else D(price),
        **extra,  # type: ignore[arg-type]
    )
    transaction_record(portfolio=account.portfolio, data=data)


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    ann = UserFactory(username="ann")
    p = PortfolioFactory(owner=ann, name="Book")
    return {
        "ann": ann,
        "p": p,
        "coinbase": AccountFactory(portfolio=p, name="Coinbase", kind="exchange", reporting="basis_reported"),
        "wallet": AccountFactory(portfolio=p, name="Wallet", kind="wallet"),
        "broker": AccountFactory(
            portfolio=p, name="Broker", kind="brokerage", reporting="basis_not_reported"
        ),
        "ira": AccountFactory(portfolio=p, name="IRA", kind="traditional_ira", tax_treatment="tax_deferred"),
        "btc": AssetFactory(symbol="BTC", asset_class="crypto"),
        "vti": AssetFactory(symbol="VTI", asset_class="etf"),
    }


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_boxes_by_year_asset_and_reporting(book) -> None:  # type: ignore[no-untyped-def]
    """Rule (Form 8949 instructions): securities A/B/C (short) and D/E/F (long) by 1099-B reporting;
    digital assets from tax year 2025 G/H/I and J/K/L by 1099-DA reporting (never C/F), in 2024 A-F.

    2024: BTC on Coinbase (basis reported) sold short-term -> A; BTC in a wallet short-term -> C.
    2025: BTC on Coinbase short-term -> G; BTC in the wallet long-term -> L; VTI at a broker that reports
    without basis, short-term -> B."""
    b = book
    rec(b["coinbase"], "buy", "2024-01-02", "3", "100", asset=b["btc"])
    rec(b["wallet"], "buy", "2024-01-02", "3", "100", asset=b["btc"])
    rec(b["broker"], "buy", "2025-01-02", "1", "50", asset=b["vti"])
    rec(b["coinbase"], "sell", "2024-03-01", "1", "150", asset=b["btc"])
    rec(b["wallet"], "sell", "2024-03-01", "1", "150", asset=b["btc"])
    rec(b["coinbase"], "buy", "2025-02-01", "1", "200", asset=b["btc"])
    rec(b["wallet"], "sell", "2025-03-01", "1", "160", asset=b["btc"])
    rec(b["broker"], "sell", "2025-03-01", "1", "40", asset=b["vti"])
    s24 = year_summary(owner=b["ann"], year=2024)
    assert sorted((r.box, r.account) for r in s24.rows) == [("A", "Coinbase"), ("C", "Wallet")]
    assert {x.box: x.schedule_d_line for x in s24.boxes} == {"A": "1b", "C": "3"}
    s25 = year_summary(owner=b["ann"], year=2025)
    assert sorted((r.box, r.account, r.part) for r in s25.rows) == [
        ("B", "Broker", "short"),
        ("L", "Wallet", "long"),
    ]
    assert {x.box: x.schedule_d_line for x in s25.boxes} == {"B": "2", "L": "10"}
    assert s25.has_digital_asset_boxes


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_three_year_carryforward_keeps_its_character(book) -> None:  # type: ignore[no-untyped-def]
    """Rule: a net capital loss offsets at most $3,000 of ordinary income a year; the rest carries forward
    keeping its short/long character, short-term used first (Capital Loss Carryover Worksheet).

    2024: short-term loss 5,000, long-term loss 4,000 -> line 16 = -9,000, line 21 = -3,000; the allowed
    3,000 comes out of the short-term loss first: carried to 2025 short 2,000, long 4,000.
    2025: no sales -> 3,000 more allowed (short 2,000 then long 1,000): carried to 2026 short 0, long 3,000.
    2026: a long-term gain of 1,000 -> line 15 = 1,000 - 3,000 = -2,000 = line 16; allowed 2,000;
    nothing carried to 2027.
    (A profile with 60,000 of wages makes sure the income absorbs each allowed loss.)"""
    b = book
    for year in (2024, 2025, 2026):
        TaxProfile.objects.create(owner=b["ann"], year=year, other_ordinary_income=D(60000))
    rec(b["wallet"], "buy", "2023-01-02", "1", "6000", asset=b["btc"])
    rec(b["wallet"], "sell", "2024-03-01", "1", "2000", asset=b["btc"])  # long-term loss 4,000
    rec(b["wallet"], "buy", "2024-02-01", "1", "7000", asset=b["btc"])
    rec(b["wallet"], "sell", "2024-04-01", "1", "2000", asset=b["btc"])  # short-term loss 5,000
    rec(b["wallet"], "buy", "2024-06-01", "1", "1000", asset=b["btc"])
    rec(b["wallet"], "sell", "2026-03-01", "1", "2000", asset=b["btc"])  # long-term gain 1,000

    s24 = year_summary(owner=b["ann"], year=2024)
    d = s24.schedule_d
    assert (d.line_7, d.line_15, d.line_16, d.line_21) == (D(-5000), D(-4000), D(-9000), D(-3000))
    assert (d.carryover_out.short_term, d.carryover_out.long_term) == (D(2000), D(4000))
    s25 = year_summary(owner=b["ann"], year=2025)
    d = s25.schedule_d
    assert (d.carryover_in.short_term, d.carryover_in.long_term) == (D(2000), D(4000))
    assert (d.line_16, d.line_21) == (D(-6000), D(-3000))
    assert (d.carryover_out.short_term, d.carryover_out.long_term) == (D(0), D(3000))
    s26 = year_summary(owner=b["ann"], year=2026)
    d = s26.schedule_d
    assert (d.line_7, d.line_15, d.line_16, d.line_21) == (D(0), D(-2000), D(-2000), D(-2000))
    assert (d.carryover_out.short_term, d.carryover_out.long_term) == (D(0), D(0))
    assert s26.carryover_source == "computed from 2025"


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_first_year_carryforward_comes_from_the_profile(book) -> None:  # type: ignore[no-untyped-def]
    """The first year Lotwise knows takes the carryforward the owner entered: 2024 profile carries in
    short 1,000 / long 500; a 2024 short-term gain of 400 -> line 7 = -600, line 15 = -500, line 16 = -1,100
    (all allowed); nothing left for 2025."""
    b = book
    TaxProfile.objects.create(
        owner=b["ann"],
        year=2024,
        other_ordinary_income=D(50000),
        carryforward_short=D(1000),
        carryforward_long=D(500),
    )
    rec(b["wallet"], "buy", "2024-01-02", "1", "100", asset=b["btc"])
    rec(b["wallet"], "sell", "2024-02-01", "1", "500", asset=b["btc"])
    d = year_summary(owner=b["ann"], year=2024).schedule_d
    assert (d.line_7, d.line_15, d.line_16, d.line_21) == (D(-600), D(-500), D(-1100), D(-1100))
    assert year_summary(owner=b["ann"], year=2025).carryover_source == "computed from 2024"


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_wash_sale_with_the_replacement_in_an_ira(book) -> None:  # type: ignore[no-untyped-def]
    """Rule (Rev. Rul. 2008-5): an ETF sold at a loss and bought back within 30 days in the owner's IRA: the
    loss is disallowed (code W, column (g) positive) and added to no basis.

    Broker buys 10 VTI at 100 on 2025-03-03, sells at 90 on 2025-04-01 (loss 100); the IRA buys 10 at 91
    on 2025-04-10. Row: (d) 900, (e) 1,000, (f) W, (g) 100, (h) 0."""
    b = book
    rec(b["broker"], "buy", "2025-03-03", "10", "100", asset=b["vti"])
    rec(b["broker"], "sell", "2025-04-01", "10", "90", asset=b["vti"])
    rec(b["ira"], "buy", "2025-04-10", "10", "91", asset=b["vti"])
    s = year_summary(owner=b["ann"], year=2025)
    (row,) = s.rows
    assert (
        row.box,
        row.printed_proceeds,
        row.printed_cost,
        row.code,
        row.printed_adjustment,
        row.printed_gain,
    ) == (
        "B",
        D("900.00"),
        D("1000.00"),
        "W",
        D("100.00"),
        D("0.00"),
    )
    assert s.schedule_d.line_16 == 0


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_donation_deduction_short_versus_long(book) -> None:  # type: ignore[no-untyped-def]
    """Rule (IRC §170(e)): a donation held long-term deducts its fair value; held short-term, the lesser of
    basis and fair value. 1 BTC bought 2023-01-02 at 100 and 1 bought 2025-01-02 at 200, both donated on
    2025-06-01 at 250 (FIFO: the 2023 lot first): long-term deduction 250 (not the basis 100); short-term
    min(200, 250) = 200."""
    b = book
    rec(b["wallet"], "buy", "2023-01-02", "1", "100", asset=b["btc"])
    rec(b["wallet"], "buy", "2025-01-02", "1", "200", asset=b["btc"])
    rec(b["wallet"], "donation", "2025-06-01", "2", "250", asset=b["btc"])
    s = year_summary(owner=b["ann"], year=2025)
    got = [(g.term, g.basis, g.fair_value, g.deduction) for g in s.given_away]
    assert got == [("long", D(100), D(250), D(250)), ("short", D(200), D(250), D(200))]
    assert s.donation_deduction == D(450)
    assert s.rows == []


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_income_by_kind_and_month_and_the_estimate(book) -> None:  # type: ignore[no-untyped-def]
    """Staking income of 2 x 0.01 BTC at 50,000 (500 each) in March and May 2025 is ordinary income by kind
    and month; with 40,000 of wages (single) the estimate's taxable income is 40,000 + 1,000 - 15,750 =
    25,250 and the ordinary tax is 1,192.50 + 12% x (25,250 - 11,925) = 2,791.50."""
    b = book
    TaxProfile.objects.create(owner=b["ann"], year=2025, other_ordinary_income=D(40000))
    rec(b["wallet"], "staking", "2025-03-10", "0.01", "50000", asset=b["btc"])
    rec(b["wallet"], "staking", "2025-05-10", "0.01", "50000", asset=b["btc"])
    s = year_summary(owner=b["ann"], year=2025)
    assert s.income_by_kind["staking"] == D(1000)
    assert (s.income_by_month["2025-03"], s.income_by_month["2025-05"], s.income_by_month["2025-04"]) == (
        D(500),
        D(500),
        D(0),
    )
    assert s.estimate.taxable_income == D(25250)
    assert s.estimate.ordinary_tax == D("2791.50")
    assert not s.profile.assumed
