"""The worker path for real: a `celery worker` subprocess, Redis as broker, the test database shared.

(a) a ledger change through portfolios.services leads to a snapshot written by the worker;
(b) a price refresh against recorded CoinGecko JSON, served from a local HTTP server, fans out snapshots;
(c) a snapshot that fails with a transient database error is retried with backoff and then succeeds;
(d) a worker SIGKILLed in the middle of writing a snapshot leaves the previous one whole, and the unacked
    message is redelivered to the next worker after the (shortened) visibility timeout.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from worker_kit import wait_for

from portfolios.models import Account, Asset, Portfolio, PortfolioSnapshot, PriceQuote, User, ValuePoint
from portfolios.services import TransactionData, transaction_record
from portfolios.snapshots import portfolio_snapshot_compute
from portfolios.tasks import refresh_prices_latest, snapshot_portfolio

pytestmark = pytest.mark.integration

RECORDED = Path(__file__).parent / "recorded"
D = Decimal
WAIT = 45.0


@dataclass
class Setup:
    portfolio: Portfolio
    account: Account
    btc: Asset
    eth: Asset


def _record(
    account: Account, typ: str, when: datetime, qty: str, asset: Asset | None = None, **kw: Any
) -> None:
    data = TransactionData(account=account, type=typ, timestamp=when, quantity=D(qty), asset=asset, **kw)
    transaction_record(portfolio=account.portfolio, data=data)


def _portfolio(name: str, *, prices: bool = True) -> Setup:
    owner = User.objects.create_user(username=name, password="x", timezone="America/New_York")
    portfolio = Portfolio.objects.create(owner=owner, name="Main")
    account = Account.objects.create(portfolio=portfolio, name="Coinbase")
    btc = Asset.objects.create(symbol="BTC", name="Bitcoin", price_source_id="bitcoin")
    eth = Asset.objects.create(symbol="ETH", name="Ethereum", price_source_id="ethereum")
    start = datetime(2025, 1, 6, 15, tzinfo=UTC)
    _record(account, "deposit", start, "20000")
    _record(account, "buy", start + timedelta(minutes=1), "0.1", btc, unit_price=D(95000))
    _record(account, "buy", start + timedelta(minutes=2), "2", eth, unit_price=D(3500))
    if prices:
        now = timezone.now()
        PriceQuote.objects.create(
            asset=btc, at=now - timedelta(minutes=3), price=D(90000), source="coingecko"
        )
        PriceQuote.objects.create(asset=eth, at=now - timedelta(minutes=3), price=D(3000), source="coingecko")
    return Setup(portfolio, account, btc, eth)


def _snapshots(portfolio: Portfolio) -> list[PortfolioSnapshot]:
    return list(PortfolioSnapshot.objects.filter(portfolio=portfolio).order_by("id"))


def _newer_than(portfolio: Portfolio, snapshot_id: int, **match: Any) -> PortfolioSnapshot | None:
    return (
        PortfolioSnapshot.objects.filter(portfolio=portfolio, id__gt=snapshot_id, **match)
        .order_by("-id")
        .first()
    )


def test_a_ledger_change_leads_to_a_snapshot_by_the_worker(start_worker: Any) -> None:
    setup = _portfolio("it-ledger")
    worker = start_worker()
    # Building the portfolio was three ledger changes within the debounce window: one snapshot task.
    first = wait_for(lambda: _snapshots(setup.portfolio), timeout=WAIT, what="the first snapshot")[0]
    assert first.total_value == D("0.1") * 90000 + 2 * 3000
    assert first.cost_basis == D(16500)

    _record(
        setup.account, "buy", datetime(2025, 2, 3, 15, tzinfo=UTC), "0.01", setup.btc, unit_price=D(100000)
    )
    second = wait_for(
        lambda: _newer_than(setup.portfolio, first.pk),
        timeout=WAIT,
        what="a snapshot after the ledger change",
    )
    assert second.cost_basis == D(17500)
    assert second.total_value == D("0.11") * 90000 + 2 * 3000
    assert (
        ValuePoint.objects.get(
            portfolio=setup.portfolio, date=second.as_of.astimezone(setup.portfolio.owner.tzinfo).date()
        ).value
        == second.total_value
    )
    assert "portfolios.tasks.snapshot_portfolio" in worker.log()
    # Debounced: the four changes made two snapshot tasks (three if the setup straddled a window), not four.
    received = re.findall(r"Task portfolios\.tasks\.snapshot_portfolio\[[^]]+\] received", worker.log())
    assert 2 <= len(received) <= 3


class _RecordedGecko(BaseHTTPRequestHandler):
    """Serves tests/integration/recorded/coingecko_simple_price.json, with last_updated_at set to now."""

    requests: list[str] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if not self.path.startswith("/api/v3/simple/price"):
            self.send_error(404)
            return
        body = (RECORDED / "coingecko_simple_price.json").read_text()
        body = re.sub(r'"last_updated_at":\s*\d+', f'"last_updated_at": {int(time.time())}', body)
        payload = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gecko_server() -> Iterator[tuple[str, list[str]]]:
    handler = type("Handler", (_RecordedGecko,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v3", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def test_a_price_refresh_fans_out_snapshots(start_worker: Any, gecko_server: tuple[str, list[str]]) -> None:
    base_url, requests = gecko_server
    setup = _portfolio("it-prices", prices=False)
    start_worker(COINGECKO_BASE_URL=base_url, COINGECKO_API_KEY="")
    unpriced = wait_for(lambda: _snapshots(setup.portfolio), timeout=WAIT, what="the first snapshot")[0]
    assert unpriced.has_missing_prices
    assert unpriced.data["prices"]["missing"] == ["BTC", "ETH"]

    refresh_prices_latest.delay()
    priced = wait_for(
        lambda: _newer_than(setup.portfolio, unpriced.pk, has_missing_prices=False),
        timeout=WAIT,
        what="a snapshot after the price refresh",
    )
    assert len(requests) == 1
    assert "ids=bitcoin%2Cethereum" in requests[0]
    assert priced.total_value == D("0.1") * D("91234.56") + 2 * D("3101.27")
    btc = next(a for a in priced.data["assets"] if a["symbol"] == "BTC")
    assert (btc["price"], btc["price_source"], btc["price_status"]) == ("91234.56", "coingecko", "ok")


def test_a_transient_fault_is_retried(start_worker: Any) -> None:
    setup = _portfolio("it-retry")
    worker = start_worker(inject_faults=True)
    first = wait_for(lambda: _snapshots(setup.portfolio), timeout=WAIT, what="the first snapshot")[0]

    faults = f"lotwise-test:snapshot-faults:{setup.portfolio.pk}"
    cache.set(faults, 2, timeout=300)  # the next two attempts raise OperationalError
    snapshot_portfolio.delay(setup.portfolio.pk)
    second = wait_for(
        lambda: _newer_than(setup.portfolio, first.pk), timeout=WAIT, what="the retried snapshot"
    )
    assert cache.get(faults) == -1  # two failed attempts and the one that passed
    log = worker.log()
    assert len(re.findall(r"snapshot_portfolio\[[^]]+\] retry: Retry in", log)) == 2
    assert "injected transient fault" in log
    assert second.total_value == first.total_value


def test_a_worker_killed_mid_snapshot_leaves_the_previous_one_and_the_task_is_redelivered(
    start_worker: Any, broker: Any
) -> None:
    setup = _portfolio("it-kill")
    broker.flushdb()  # drop the snapshot task the setup scheduled: the previous snapshot is made here
    previous = portfolio_snapshot_compute(portfolio_id=setup.portfolio.pk)
    points_before = list(ValuePoint.objects.filter(portfolio=setup.portfolio).values_list("date", "value"))
    # The next snapshot will differ: BTC moved.
    PriceQuote.objects.create(asset=setup.btc, at=timezone.now(), price=D(80000), source="coingecko")

    slow = start_worker(inject_faults=True, LOTWISE_SNAPSHOT_TEST_DELAY="60", CELERY_VISIBILITY_TIMEOUT="5")
    snapshot_portfolio.delay(setup.portfolio.pk)
    marker = f"lotwise-test:snapshot-writing:{setup.portfolio.pk}"
    wait_for(lambda: cache.get(marker), timeout=WAIT, what="the worker to be inside the snapshot transaction")
    slow.kill()

    # Nothing of the half-written snapshot is visible: the previous snapshot and history are whole.
    assert [s.pk for s in _snapshots(setup.portfolio)] == [previous.pk]
    kept = PortfolioSnapshot.objects.get(pk=previous.pk)
    assert (kept.total_value, kept.data) == (previous.total_value, previous.data)
    assert (
        list(ValuePoint.objects.filter(portfolio=setup.portfolio).values_list("date", "value"))
        == points_before
    )

    # The message was never acknowledged: a new worker gets it after the visibility timeout.
    cache.delete(marker)
    start_worker(CELERY_VISIBILITY_TIMEOUT="5")
    redone = wait_for(
        lambda: _newer_than(setup.portfolio, previous.pk), timeout=WAIT, what="the redelivered snapshot"
    )
    assert redone.total_value == D("0.1") * 80000 + 2 * 3000
    today = redone.as_of.astimezone(setup.portfolio.owner.tzinfo).date()
    assert ValuePoint.objects.get(portfolio=setup.portfolio, date=today).value == redone.total_value
