"""Tasks and scheduling: the debounce, idempotence, the fan-out after a price refresh, the recompute task.

These call task functions in-process (their bodies, not eager mode) and mock `apply_async` where a task
would be sent; tests/integration proves the path through a real broker and worker.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import httpx
import pytest
import respx
import time_machine
from django.core.cache import cache
from snapshot_testkit import AS_OF, record, utc

from portfolios.apps import schedule_snapshot
from portfolios.ledger_hooks import LEDGER_CHANGED_HOOKS
from portfolios.models import PortfolioSnapshot, PriceQuote, ValuePoint
from portfolios.services import ledger_changed
from portfolios.tasks import (
    DEBOUNCE_KEY,
    refresh_prices_history,
    refresh_prices_latest,
    snapshot_portfolio,
    snapshot_portfolios,
    snapshot_schedule,
    snapshot_schedule_many,
)
from taxes.models import TaxLot
from taxes.tasks import recompute_enqueue, recompute_portfolio
from tests.factories import AccountFactory, AssetFactory, TransactionFactory

pytestmark = pytest.mark.django_db

GECKO = "https://api.coingecko.test/api/v3"


@pytest.fixture
def debounce(hand_worked):  # type: ignore[no-untyped-def]
    key = DEBOUNCE_KEY.format(portfolio_id=hand_worked.portfolio.pk)
    cache.delete(key)
    yield key
    cache.delete(key)


@pytest.fixture
def sent():  # type: ignore[no-untyped-def]
    with mock.patch.object(snapshot_portfolio, "apply_async") as apply_async:
        yield apply_async


def test_the_snapshot_scheduler_is_a_ledger_hook() -> None:
    assert schedule_snapshot in LEDGER_CHANGED_HOOKS
    with mock.patch("portfolios.tasks.on_ledger_change") as scheduler:
        schedule_snapshot(7)
    scheduler.assert_called_once_with(7)


def test_a_thousand_ledger_changes_enqueue_one_task(  # type: ignore[no-untyped-def]
    hand_worked, debounce, sent, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SNAPSHOT_DEBOUNCE_SECONDS = 5
    for _ in range(1000):
        with django_capture_on_commit_callbacks(execute=True):
            ledger_changed(portfolio=hand_worked.portfolio)
    assert sent.call_count == 1
    # After the window, so that every change that found the window open has committed.
    sent.assert_called_once_with(args=[hand_worked.portfolio.pk], countdown=6)


def test_changes_spread_over_windows_enqueue_one_task_per_window(  # type: ignore[no-untyped-def]
    hand_worked, debounce, sent, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SNAPSHOT_DEBOUNCE_SECONDS = 1
    started = time.monotonic()
    for _ in range(1000):
        with django_capture_on_commit_callbacks(execute=True):
            ledger_changed(portfolio=hand_worked.portfolio)
        time.sleep(0.0025)
    elapsed = time.monotonic() - started
    # ~2.5-3 s of edits (longer on a busy machine) with a 1 s window: one task per window, never one per
    # edit. The bound follows the time the edits took, not a fixed count.
    assert 2 <= sent.call_count <= int(elapsed) + 2


def test_real_edits_are_debounced(  # type: ignore[no-untyped-def]
    hand_worked, debounce, sent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for day in range(1, 21):
            record(
                hand_worked.coinbase,
                "buy",
                utc(2026, 1, day),
                "0.001",
                hand_worked.btc,
                unit_price=Decimal(90000),
            )
    assert len(callbacks) == 20
    assert sent.call_count == 1


def test_other_portfolios_have_their_own_window(  # type: ignore[no-untyped-def]
    hand_worked, debounce, sent, django_capture_on_commit_callbacks
) -> None:
    other = AccountFactory().portfolio
    cache.delete(DEBOUNCE_KEY.format(portfolio_id=other.pk))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            ledger_changed(portfolio=hand_worked.portfolio)
            ledger_changed(portfolio=other)
    assert sorted(call.kwargs["args"][0] for call in sent.call_args_list) == sorted(
        [hand_worked.portfolio.pk, other.pk]
    )
    cache.delete(DEBOUNCE_KEY.format(portfolio_id=other.pk))


def test_a_broker_failure_does_not_break_the_edit(hand_worked, debounce, sent) -> None:  # type: ignore[no-untyped-def]
    sent.side_effect = ConnectionError("broker down")
    assert snapshot_schedule(hand_worked.portfolio.pk) is False
    # The window is not left open without a task behind it: the next change tries again.
    sent.side_effect = None
    assert snapshot_schedule(hand_worked.portfolio.pk) is True
    assert sent.call_count == 2


def test_snapshot_task_is_idempotent(hand_worked) -> None:  # type: ignore[no-untyped-def]
    pid = hand_worked.portfolio.pk
    with time_machine.travel(AS_OF, tick=False):
        first = snapshot_portfolio(pid)
        points = list(
            ValuePoint.objects.filter(portfolio_id=pid).values_list(
                "date", "value", "cost_basis", "net_deposits"
            )
        )
        second = snapshot_portfolio(pid)
    assert first["total_value"] == second["total_value"] == "20430.000000000000000000"
    one, two = (PortfolioSnapshot.objects.get(pk=r["snapshot_id"]) for r in (first, second))
    assert (one.total_value, one.cost_basis, one.unrealized_gain) == (
        two.total_value,
        two.cost_basis,
        two.unrealized_gain,
    )
    assert one.data == two.data
    assert points == list(
        ValuePoint.objects.filter(portfolio_id=pid).values_list("date", "value", "cost_basis", "net_deposits")
    )
    # A rebuild of the whole history gives the same points again.
    with time_machine.travel(AS_OF, tick=False):
        snapshot_portfolio(pid, rebuild_history=True)
    assert points == list(
        ValuePoint.objects.filter(portfolio_id=pid).values_list("date", "value", "cost_basis", "net_deposits")
    )


def test_snapshot_of_a_deleted_portfolio_is_a_no_op(db) -> None:  # type: ignore[no-untyped-def]
    assert snapshot_portfolio(987654) == {"portfolio_id": 987654, "snapshot_id": None}


def test_tasks_are_reliable() -> None:
    for task in (
        snapshot_portfolio,
        snapshot_portfolios,
        refresh_prices_latest,
        refresh_prices_history,
        recompute_portfolio,
    ):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.max_retries == 6
        assert task.retry_backoff


def test_price_refresh_fans_out_to_portfolios_holding_the_assets(  # type: ignore[no-untyped-def]
    hand_worked, debounce, settings
) -> None:
    settings.COINGECKO_BASE_URL = GECKO
    settings.PRICES_OFFLINE = False
    bystander = AccountFactory()  # holds an asset nobody quotes
    TransactionFactory(account=bystander, asset=AssetFactory(symbol="XYZ"))
    TaxLot.objects.create(
        portfolio=bystander.portfolio,
        account=bystander,
        asset=bystander.transactions.get().asset,
        lot_id="x",
        origin=bystander.transactions.get(),
        source="buy",
        quantity=Decimal(1),
        basis=Decimal(1),
        acquired=datetime(2024, 1, 2, tzinfo=UTC).date(),
        received=datetime(2024, 1, 2, tzinfo=UTC).date(),
    )
    now = int(time.time())
    body = {
        "bitcoin": {"usd": 91234.56, "last_updated_at": now},
        "ethereum": {"usd": 3101.27, "last_updated_at": now},
    }
    with (
        respx.mock(assert_all_mocked=True) as router,
        mock.patch.object(snapshot_portfolios, "apply_async") as sent,
    ):
        router.get(f"{GECKO}/simple/price").mock(return_value=httpx.Response(200, text=json.dumps(body)))
        result = refresh_prices_latest()
    assert result["created"] == 2
    assert result["portfolios"] == 1
    sent.assert_called_once_with(args=[[hand_worked.portfolio.pk]], countdown=mock.ANY)
    assert PriceQuote.objects.get(asset=hand_worked.btc, source="coingecko", at__gte=AS_OF).price == Decimal(
        "91234.56"
    )


def test_history_refresh_redoes_the_value_history_from_the_first_quote_written(hand_worked, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRICES_OFFLINE = True  # the bundled history: no network
    with mock.patch.object(snapshot_portfolios, "apply_async") as apply_async:
        result = refresh_prices_history()
    assert result["offline"] is True
    # The bundled history is written whole, from its first day (2018-01-01): before the history's start,
    # so the history is redone from its start.
    apply_async.assert_called_once_with(
        args=[[hand_worked.portfolio.pk]], kwargs={"history_from": "2018-01-01"}
    )


def test_recompute_task_computes_lots_then_schedules_a_snapshot(  # type: ignore[no-untyped-def]
    db, django_capture_on_commit_callbacks
) -> None:
    account = AccountFactory()
    first = TransactionFactory(account=account, quantity=Decimal(2))
    pid = account.portfolio.pk
    with (
        mock.patch("taxes.tasks.snapshot_schedule") as schedule,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = recompute_portfolio(pid)
    assert result["ok"] is True
    assert result["full"] is True
    schedule.assert_called_once_with(pid)
    assert TaxLot.objects.get(portfolio_id=pid).quantity == Decimal(2)
    # Incremental from a change; the same call twice leaves the same lots.
    second = TransactionFactory(
        account=account, asset=first.asset, timestamp=utc(2024, 2, 1), quantity=Decimal(1)
    )
    for _ in range(2):
        with mock.patch("taxes.tasks.snapshot_schedule"), django_capture_on_commit_callbacks(execute=True):
            recompute_portfolio(pid, second.timestamp.isoformat(), second.pk)
        assert sorted(TaxLot.objects.filter(portfolio_id=pid).values_list("quantity", flat=True)) == [1, 2]


def test_recompute_of_an_inconsistent_ledger_is_flagged(db, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    account = AccountFactory()
    TransactionFactory(account=account, type="sell", quantity=Decimal(5))  # sells what was never bought
    with mock.patch("taxes.tasks.snapshot_schedule"), django_capture_on_commit_callbacks(execute=True):
        result = recompute_portfolio(account.portfolio.pk)
    assert result["ok"] is False
    assert account.portfolio.ledger_status.error


def test_recompute_enqueue_waits_for_commit(db, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with mock.patch.object(recompute_portfolio, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            recompute_enqueue(portfolio_id=7, changed_from=(utc(2024, 1, 2), 42))
        assert apply_async.call_count == 0
        callbacks[0]()
    apply_async.assert_called_once_with(
        args=[7], kwargs={"changed_from_ts": "2024-01-02T15:00:00+00:00", "changed_from_id": 42}
    )


def test_fan_out_is_batched_and_debounced(db, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SNAPSHOT_DEBOUNCE_SECONDS = 5
    ids = list(range(900001, 900121))
    cache.delete_many([DEBOUNCE_KEY.format(portfolio_id=pid) for pid in ids])
    cache.add(DEBOUNCE_KEY.format(portfolio_id=ids[0]), 1, timeout=5)  # one has a task pending already
    try:
        with mock.patch.object(snapshot_portfolios, "apply_async") as sent:
            assert snapshot_schedule_many(ids) == 119
            assert snapshot_schedule_many(ids) == 0
        assert [len(call.kwargs["args"][0]) for call in sent.call_args_list] == [50, 50, 19]
        assert all(call.kwargs["countdown"] == 6 for call in sent.call_args_list)
    finally:
        cache.delete_many([DEBOUNCE_KEY.format(portfolio_id=pid) for pid in ids])


def test_batch_snapshot_matches_single_snapshots(hand_worked) -> None:  # type: ignore[no-untyped-def]
    from snapshot_testkit import build_hand_worked

    other = build_hand_worked("second-owner", with_prices=False)
    with time_machine.travel(AS_OF, tick=False):
        batch = snapshot_portfolios([hand_worked.portfolio.pk, 424242, other.portfolio.pk])
        singles = [snapshot_portfolio(pid) for pid in (hand_worked.portfolio.pk, other.portfolio.pk)]
    assert batch == {"portfolios": 3, "snapshots": 2}
    for pid, single in zip((hand_worked.portfolio.pk, other.portfolio.pk), singles, strict=True):
        first, second = PortfolioSnapshot.objects.filter(portfolio_id=pid).order_by("id")
        assert second.pk == single["snapshot_id"]
        assert first.data == second.data
        assert first.total_value == second.total_value


def test_a_bad_portfolio_does_not_hold_back_the_batch(hand_worked, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import portfolios.tasks as tasks

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("corrupt")

    real = tasks.portfolio_snapshot_compute
    monkeypatch.setattr(tasks, "portfolios_snapshot_compute", broken)
    monkeypatch.setattr(
        tasks,
        "portfolio_snapshot_compute",
        lambda *, portfolio_id, **kw: (
            broken() if portfolio_id == 987655 else real(portfolio_id=portfolio_id, **kw)
        ),
    )
    assert snapshot_portfolios([987655, hand_worked.portfolio.pk]) == {"portfolios": 2, "snapshots": 1}
