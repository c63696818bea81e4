"""Recording, editing and deleting transactions recompute lots atomically, incrementally from a checkpoint."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portfolios.models import Transaction
from portfolios.services import TransactionData, transaction_delete, transaction_record, transaction_update
from taxes import services as tax_services
from taxes.models import Disposal, EngineCheckpoint, IncomeRecord, LedgerStatus, TaxLot
from taxes.services import portfolio_recompute, portfolio_recompute_or_flag
from tests.factories import AccountFactory, AssetFactory, TransactionFactory

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 1, 1, hour, tzinfo=UTC) + timedelta(days=day)


@pytest.fixture
def account():  # type: ignore[no-untyped-def]
    return AccountFactory(name="Exchange")


@pytest.fixture
def btc():  # type: ignore[no-untyped-def]
    return AssetFactory(symbol="BTC")


def record(account, asset, typ: str, day: int, qty: str, price: str | None = "100", **kw):  # type: ignore[no-untyped-def]
    data = TransactionData(
        account=account,
        type=typ,
        timestamp=at(day),
        quantity=Decimal(qty),
        asset=asset,
        unit_price=Decimal(price) if price is not None else None,
        **kw,
    )
    return transaction_record(portfolio=account.portfolio, data=data)


def lots(portfolio):  # type: ignore[no-untyped-def]
    return sorted(TaxLot.objects.filter(portfolio=portfolio).values_list("lot_id", "quantity", "basis"))


def test_record_computes_lots_and_disposals(account, btc) -> None:  # type: ignore[no-untyped-def]
    """Rule: recording a transaction replaces the portfolio's lots and disposals."""
    buy = record(account, btc, "buy", 0, "2", "100", fee=Decimal(4))
    assert lots(account.portfolio) == [(str(buy.pk), Decimal(2), Decimal(204))]
    record(account, btc, "sell", 10, "0.5", "150")
    assert lots(account.portfolio) == [(str(buy.pk), Decimal("1.5"), Decimal(153))]
    d = Disposal.objects.get()
    assert (d.proceeds, d.basis, d.gain, d.term) == (Decimal(75), Decimal(51), Decimal(24), "short")
    assert LedgerStatus.objects.get(portfolio=account.portfolio).error == ""


def test_oversell_is_rejected_and_nothing_saved(account, btc) -> None:  # type: ignore[no-untyped-def]
    """Rule: selling more than the account holds is refused with the field named; no row is saved."""
    record(account, btc, "buy", 0, "1")
    before = lots(account.portfolio)
    with pytest.raises(ValidationError) as info:
        record(account, btc, "sell", 1, "1.5")
    assert "quantity" in info.value.message_dict
    assert Transaction.objects.count() == 1
    assert lots(account.portfolio) == before


def test_edit_that_breaks_a_later_sale_is_rejected(account, btc) -> None:  # type: ignore[no-untyped-def]
    buy = record(account, btc, "buy", 0, "1")
    sell = record(account, btc, "sell", 5, "0.8", "120")
    data = TransactionData(
        account=account,
        type="buy",
        timestamp=buy.timestamp,
        quantity=Decimal("0.5"),
        asset=btc,
        unit_price=Decimal(100),
    )
    with pytest.raises(ValidationError, match=f"#{sell.pk}"):
        transaction_update(tx=buy, data=data)
    buy.refresh_from_db()
    assert buy.quantity == Decimal(1)
    assert Disposal.objects.get().quantity == Decimal("0.8")


def test_delete_recomputes(account, btc) -> None:  # type: ignore[no-untyped-def]
    record(account, btc, "buy", 0, "1")
    stake = record(account, btc, "staking", 3, "0.1", "110")
    assert IncomeRecord.objects.count() == 1
    transaction_delete(tx=stake)
    assert IncomeRecord.objects.count() == 0
    assert [q for _, q, _ in lots(account.portfolio)] == [Decimal(1)]


def test_deleting_a_buy_that_a_sale_needs_is_rejected(account, btc) -> None:  # type: ignore[no-untyped-def]
    buy = record(account, btc, "buy", 0, "1")
    record(account, btc, "sell", 5, "1", "120")
    pk = buy.pk
    with pytest.raises(ValidationError, match="invalid"):
        transaction_delete(tx=buy)
    assert Transaction.objects.filter(pk=pk).exists()


def test_failed_worker_recompute_keeps_previous_rows(account, btc) -> None:  # type: ignore[no-untyped-def]
    """Rule: a failed recompute leaves the previous lots and disposals intact and says why."""
    record(account, btc, "buy", 0, "1")
    record(account, btc, "sell", 5, "0.5", "120")
    before_lots, before_disposals = (
        lots(account.portfolio),
        list(Disposal.objects.values_list("gain", flat=True)),
    )
    bad = TransactionFactory(account=account, asset=btc, type="sell", timestamp=at(6), quantity=Decimal(5))
    assert (
        portfolio_recompute_or_flag(portfolio=account.portfolio, changed_from=(bad.timestamp, bad.pk)) is None
    )
    assert lots(account.portfolio) == before_lots
    assert list(Disposal.objects.values_list("gain", flat=True)) == before_disposals
    status = LedgerStatus.objects.get(portfolio=account.portfolio)
    assert status.error_transaction_id == bad.pk
    assert status.error


def _stored(portfolio):  # type: ignore[no-untyped-def]
    return (
        lots(portfolio),
        sorted(
            Disposal.objects.filter(portfolio=portfolio).values_list(
                "transaction_id", "lot_id", "quantity", "proceeds", "basis", "gain", "term"
            )
        ),
        sorted(IncomeRecord.objects.filter(portfolio=portfolio).values_list("transaction_id", "value")),
    )


def test_checkpoints_stay_few_on_a_long_ledger(account, btc, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Checkpoints hold every open lot, so a long ledger keeps at most MAX_CHECKPOINTS of them."""
    monkeypatch.setattr(tax_services, "CHECKPOINT_EVERY", 2)
    monkeypatch.setattr(tax_services, "MAX_CHECKPOINTS", 4)
    for day in range(40):
        TransactionFactory(account=account, asset=btc, timestamp=at(day), quantity=Decimal(1))
    portfolio_recompute(portfolio=account.portfolio)
    # every 10 of 40 events
    assert EngineCheckpoint.objects.filter(owner=account.portfolio.owner).count() == 4


def test_incremental_recompute_equals_full(account, btc, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Rule: recompute starts from the last checkpoint before the earliest change, with the same result."""
    monkeypatch.setattr(tax_services, "CHECKPOINT_EVERY", 4)
    eth = AssetFactory(symbol="ETH")
    rng = random.Random(7)
    held = {btc.pk: Decimal(0), eth.pk: Decimal(0)}
    for day in range(0, 60, 2):
        asset = rng.choice([btc, eth])
        if held[asset.pk] > 1 and rng.random() < 0.4:
            qty = (held[asset.pk] / 3).quantize(Decimal("0.00000001"))
            record(account, asset, "sell", day, str(qty), str(rng.randint(50, 200)))
            held[asset.pk] -= qty
        else:
            qty = Decimal(rng.randint(1, 30)) / 10
            record(account, asset, rng.choice(["buy", "staking"]), day, str(qty), str(rng.randint(50, 200)))
            held[asset.pk] += qty
    assert EngineCheckpoint.objects.filter(owner=account.portfolio.owner).count() >= 3
    # a change late in the ledger replays only the tail
    late = record(account, btc, "buy", 61, "0.3", "90")
    result = portfolio_recompute(portfolio=account.portfolio, changed_from=(late.timestamp, late.pk))
    assert not result.full
    assert result.events_replayed < 8
    # an edit in the middle, then compare with a recompute from scratch
    middle = Transaction.objects.filter(type="buy").order_by("timestamp")[5]
    data = TransactionData(
        account=account,
        type="buy",
        timestamp=middle.timestamp,
        quantity=middle.quantity + 1,
        asset=middle.asset,
        unit_price=Decimal(77),
    )
    transaction_update(tx=middle, data=data)
    incremental = _stored(account.portfolio)
    full = portfolio_recompute(portfolio=account.portfolio, changed_from=None)
    assert full.full
    assert _stored(account.portfolio) == incremental
