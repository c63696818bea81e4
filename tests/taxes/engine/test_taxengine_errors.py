"""Every EngineError path: the event and the field at fault."""

from __future__ import annotations

from datetime import date

import pytest
from taxengine_kit import ETF, ETH, TAXABLE, TAXABLE2, USD, D, Ledger, accounts, day

from taxes.engine import BasisMethod, EngineError, EventType


def fails(led: Ledger, field: str, event_id: int | None, **kw: object) -> EngineError:
    with pytest.raises(EngineError) as info:
        led.run(**kw)  # type: ignore[arg-type]
    err = info.value
    assert err.field == field
    assert err.event_id == event_id
    return err


def test_event_after_as_of() -> None:
    """Rule: events dated after as_of raise EngineError(field="timestamp")."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.buy("2024-01-02", 1, 10)
    err = fails(led, "timestamp", 2, as_of=date(2024, 1, 1))
    assert str(err).startswith("event 2, field timestamp: ")


@pytest.mark.parametrize("typ", ["sell", "transfer", "donation", "gift_sent", "fee", "trade"])
def test_more_than_the_account_holds(typ: str) -> None:
    """Rule: selling/transferring/donating more than the account holds -> EngineError(field="quantity")."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.buy("2024-01-01", 5, 10, account=TAXABLE2)
    led.add(typ, "2024-02-01", "1.5", 20, to_account=TAXABLE2, counter_asset=ETH, counter_quantity=D(1))
    err = fails(led, "quantity", 3)
    assert "1.5" in err.message


@pytest.mark.parametrize("quantity", ["0", "-1"])
@pytest.mark.parametrize("typ", ["buy", "sell", "staking", "transfer", "gift_received", "inheritance"])
def test_quantity_must_be_positive(typ: str, quantity: str) -> None:
    """Rule: quantity <= 0 -> EngineError(field="quantity")."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.add(
        typ, "2024-02-01", quantity, 20, to_account=TAXABLE2, cost_basis=D(1), acquired_date=day("2023-01-01")
    )
    fails(led, "quantity", 2)


@pytest.mark.parametrize(
    "typ", ["sell", "trade", "fee", "staking", "lending", "airdrop", "mining", "interest", "donation", "gift_sent",
            "gift_received", "inheritance", "buy"]
)  # fmt: skip
def test_missing_unit_price(typ: str) -> None:
    """Rule: missing unit_price where fair value is needed -> EngineError(field="unit_price")."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.add(typ, "2024-02-01", 1, None, counter_asset=ETH, counter_quantity=D(1), cost_basis=D(1),
            acquired_date=day("2023-01-01"))  # fmt: skip
    fails(led, "unit_price", 2)


def test_negative_unit_price_and_fee() -> None:
    """Rule: input validation — negative price -> field unit_price, negative fee -> field fee."""
    led = Ledger()
    led.buy("2024-01-01", 1, -10)
    fails(led, "unit_price", 1)
    led = Ledger()
    led.buy("2024-01-01", 1, 10, fee=-1)
    fails(led, "fee", 1)


def test_trade_needs_counter_asset_and_quantity() -> None:
    """Rule: TRADE — missing counter_asset/counter_quantity -> EngineError."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.add(EventType.TRADE, "2024-02-01", 1, 20, counter_quantity=D(1))
    fails(led, "counter_asset", 2)
    for extra, field in [
        ({"counter_asset": ETH}, "counter_quantity"),
        ({"counter_asset": ETH, "counter_quantity": D(0)}, "counter_quantity"),
        ({"counter_asset": 99, "counter_quantity": D(1)}, "counter_asset"),
        ({"counter_asset": 1, "counter_quantity": D(1)}, "counter_asset"),
    ]:
        led = Ledger()
        led.buy("2024-01-01", 1, 10)
        led.add(EventType.TRADE, "2024-02-01", 1, 20, **extra)  # type: ignore[arg-type]
        fails(led, field, 2)


@pytest.mark.parametrize("to", [None, TAXABLE, 99])
def test_transfer_needs_another_known_account(to: int | None) -> None:
    """Rule: TRANSFER — missing or same (or unknown) to_account -> EngineError(field="to_account")."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.add(EventType.TRANSFER, "2024-02-01", 1, 20, to_account=to)
    fails(led, "to_account", 2)


def test_gift_received_needs_cost_basis_and_acquired_date() -> None:
    """Rule: GIFT_RECEIVED — missing cost_basis / acquired_date -> EngineError on that field."""
    led = Ledger()
    led.add(EventType.GIFT_RECEIVED, "2024-02-01", 1, 20, acquired_date=day("2023-01-01"))
    fails(led, "cost_basis", 1)
    led = Ledger()
    led.add(EventType.GIFT_RECEIVED, "2024-02-01", 1, 20, cost_basis=D(10))
    fails(led, "acquired_date", 1)
    led = Ledger()
    led.add(EventType.GIFT_RECEIVED, "2024-02-01", 1, 20, cost_basis=D(10), acquired_date=day("2024-02-02"))
    fails(led, "acquired_date", 1)
    led = Ledger()
    led.add(EventType.GIFT_RECEIVED, "2024-02-01", 1, 20, cost_basis=D(-1), acquired_date=day("2023-02-02"))
    fails(led, "cost_basis", 1)


def picks_ledger(*picks: tuple[int, str]) -> Ledger:
    led = Ledger()
    led.buy("2024-01-01", 1, 10)  # 1
    led.buy("2024-01-02", 1, 10)  # 2
    led.buy("2024-01-02", 1, 10, account=TAXABLE2)  # 3
    led.sell("2024-02-01", "1.5", 20, picks=picks)  # 4
    return led


@pytest.mark.parametrize(
    "picks",
    [
        ((3, "1"), (1, "0.5")),  # lot of event 3 is in another account
        ((99, "1.5"),),  # no such event
        ((1, "1"), (2, "0.4")),  # picks sum to 1.4, not 1.5
        ((1, "1"), (2, "0.6")),  # picks sum to 1.6
        ((1, "1.5"),),  # more than the lot holds
        ((1, "0.75"), (1, "0.75")),  # twice the same lot, more than it holds together
        ((1, "0"), (2, "1.5")),  # zero pick
        ((1, "-0.5"), (2, "2")),
    ],
)
def test_bad_lot_picks(picks: tuple[tuple[int, str], ...]) -> None:
    """Rule: SPECIFIC_ID — unknown/other-account lot, wrong sum, or more than the lot holds -> field lot_picks."""
    fails(picks_ledger(*picks), "lot_picks", 4, accts=accounts(BasisMethod.SPECIFIC_ID))


def test_picks_on_a_consumed_lot() -> None:
    """Rule: SPECIFIC_ID — a pick naming a lot already sold has no open lot -> field lot_picks."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.buy("2024-01-02", 1, 10)
    led.sell("2024-02-01", 1, 20)
    led.sell("2024-02-02", 1, 20, picks=[(1, "1")])
    fails(led, "lot_picks", 4)


def test_unknown_account_and_asset() -> None:
    """Rule: input validation — an unknown account or asset, or a missing asset, names the field."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10, account=99)
    fails(led, "account", 1)
    led = Ledger()
    led.buy("2024-01-01", 1, 10, asset=99)
    fails(led, "asset", 1)
    led = Ledger()
    led.buy("2024-01-01", 1, 10, asset=None)
    fails(led, "asset", 1)


def test_duplicate_event_id() -> None:
    """Rule: input validation — event ids are unique (lot ids derive from them)."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.buy("2024-01-02", 1, 10)
    first = led.events[0]
    led.events[1] = type(first)(
        **{**{f: getattr(led.events[1], f) for f in first.__dataclass_fields__}, "id": 1}
    )
    fails(led, "id", 1)


def test_resume_with_an_event_not_after_the_checkpoint() -> None:
    """Rule: resume — later_events must all be after cp.after -> EngineError(field="timestamp")."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10)
    led.buy("2024-01-02", 1, 10)
    led.buy("2024-01-03", 1, 10)
    cp = led.run(checkpoint_every=2).checkpoints[0]
    fails(led, "timestamp", 2, start=cp, events=led.events[1:])


def test_negative_checkpoint_every() -> None:
    """Rule: checkpoint_every must not be negative."""
    with pytest.raises(EngineError):
        Ledger().run(checkpoint_every=-1)


def test_cash_needs_no_price_but_valid_quantity() -> None:
    """Rule: cash assets — no fair value is needed, but quantity must still be positive."""
    led = Ledger()
    led.buy("2024-01-01", 100, None, asset=USD)
    assert led.run().lots == []
    led.buy("2024-01-01", 0, None, asset=USD)
    fails(led, "quantity", 2)


def test_error_in_wash_sale_asset_does_not_hide_event() -> None:
    """Rule: selling more than held names the event even for wash-sale assets."""
    led = Ledger()
    led.buy("2024-01-01", 1, 10, asset=ETF)
    led.sell("2024-01-05", 2, 10, asset=ETF)
    fails(led, "quantity", 2)


def test_messages_print_numbers_without_padding() -> None:
    """Numbers in messages read as typed, whatever exponent the stored Decimals carry (a database column
    keeps 18 places: 1 arrives as 1.000000000000000000)."""
    led = Ledger()
    led.buy("2024-01-01", D("1.000000000000000000"), 10)
    led.buy("2024-01-02", D("0.250000000000000000"), 10)
    led.add("sell", "2024-02-01", D("1.500000000000000000"), 20)
    err = fails(led, "quantity", 3)
    assert err.message == "quantity 1.5 is more than the 1.25 the account holds"
