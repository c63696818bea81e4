"""In a browser: log in, see the dashboard's charts, add a transaction, import a CSV, log out."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from portfolios.models import Account, ImportJob, PriceQuote, Transaction
from portfolios.services import TransactionData, transaction_record
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
HEADER = "timestamp,account,type,asset,quantity,unit_price,fee\n"
BAD_CSV = HEADER + (
    "2024-02-01T12:00:00+00:00,Kraken,buy,ETH,2,2300,1\n"
    "2024-02-02T12:00:00+00:00,Kraken,buy,ETH,two,2300,1\n"
    "2024-02-03T12:00:00+00:00,Kraken,buy,ETH,1,2400,1\n"
)
GOOD_CSV = BAD_CSV.replace(",two,", ",0.5,")


def _portfolio_with_a_snapshot() -> Any:
    owner = UserFactory(username="ann", timezone="America/New_York")
    portfolio = PortfolioFactory(owner=owner, name="Main")
    account = AccountFactory(portfolio=portfolio, name="Coinbase")
    btc = AssetFactory(symbol="BTC", name="Bitcoin")
    for day, qty, price in ((2, "0.5", "42000"), (40, "0.25", "51000")):
        data = TransactionData(
            account=account,
            type="buy",
            timestamp=datetime(2024, 1, 1, 15, tzinfo=UTC) + timedelta(days=day),
            quantity=Decimal(qty),
            asset=btc,
            unit_price=Decimal(price),
        )
        transaction_record(portfolio=portfolio, data=data)
    now = timezone.now().replace(microsecond=0)
    for days_ago, price in ((0, "90000"), (1, "88000"), (30, "70000")):
        PriceQuote.objects.create(
            asset=btc, at=now - timedelta(days=days_ago), price=Decimal(price), source="coingecko"
        )
    try:
        from portfolios.snapshots import portfolio_snapshot_compute
    except ImportError:  # pragma: no cover - the dashboard's worker side is not there
        pytest.fail("portfolios.snapshots.portfolio_snapshot_compute is missing")
    portfolio_snapshot_compute(portfolio_id=portfolio.pk)
    return portfolio


def _shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_log_in_dashboard_add_import_log_out(page: Any, live_server: Any, artifacts: Path) -> None:
    portfolio = _portfolio_with_a_snapshot()
    list_path = f"/portfolios/{portfolio.pk}/transactions/"

    # Log in.
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url

    # The dashboard's Plotly charts render.
    page.goto(f"/portfolios/{portfolio.pk}/")
    page.wait_for_selector(".main-svg", state="attached")
    assert page.locator(".main-svg").count() >= 1
    _shot(page, artifacts, "01-dashboard")

    # From the dashboard's navigation to the transactions.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Transactions").click()
    page.wait_for_url(f"**{list_path}")
    assert page.locator("table.transactions tbody tr").count() == 2

    # Add a sale: choose the type (the page reloads with that type's form), then fill it in.
    page.get_by_role("link", name="Add a transaction").first.click()
    # The type select submits itself through static/js/tx-form.js, a deferred script: wait until it ran.
    page.wait_for_load_state()
    page.select_option("select[name=type]", "sell")
    page.wait_for_url(re.compile(r"type=sell"))
    assert page.locator("input[name=counter_quantity]").count() == 0  # only a sale's fields
    page.select_option("#id_account", label="Coinbase")
    page.select_option("#id_asset", label="BTC")
    page.fill("#id_timestamp", "2024-06-01T10:30:00")
    page.fill("#id_unit_price", "67000")
    page.fill("#id_quantity", "5")  # more than the account holds
    page.click("#tx-form button[type=submit]")
    page.wait_for_selector("#quantity_errors")
    assert "more than" in page.inner_text("#quantity_errors")
    _shot(page, artifacts, "02-sell-oversold")
    assert page.locator("#lots tbody tr:visible").count() == 2  # the account's two open BTC lots
    page.fill("#id_quantity", "0.1")
    page.click("#tx-form button[type=submit]")
    page.wait_for_url(f"**{list_path}")
    assert page.locator("table.transactions tbody tr").count() == 3
    first_row = page.inner_text("table.transactions tbody tr:first-child")
    assert "2024-06-01 10:30" in first_row  # shown in the owner's zone, as typed
    assert "Sell" in first_row
    assert "0.1" in first_row
    _shot(page, artifacts, "03-transactions")
    sale = Transaction.objects.get(type="sell")
    assert sale.timestamp == datetime(2024, 6, 1, 14, 30, tzinfo=UTC)  # EDT, UTC-4

    # Import a file with one bad line: the preview names the line and field, and nothing is saved.
    page.goto(f"/import/?portfolio={portfolio.pk}")
    page.set_input_files(
        "input[name=file]", files=[{"name": "kraken.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}]
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#import-errors")
    assert "line 3, quantity: 'two' is not a number." in page.inner_text("#import-errors")
    assert page.locator("#confirm-form").count() == 0
    _shot(page, artifacts, "04-import-bad-line")
    assert Transaction.objects.filter(portfolio=portfolio).count() == 3
    assert not Account.objects.filter(name="Kraken").exists()

    # The corrected file: preview, confirm, done.
    page.goto(f"/import/?portfolio={portfolio.pk}")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "kraken.csv", "mimeType": "text/csv", "buffer": GOOD_CSV.encode()}],
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#confirm-form")
    assert page.inner_text("#import-accounts") == "Kraken"
    _shot(page, artifacts, "05-import-preview")
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url(re.compile(r"/import/\d+/done/"))
    assert page.inner_text("#import-created") == "3"
    assert Transaction.objects.filter(portfolio=portfolio).count() == 6
    assert ImportJob.objects.filter(confirmed=True, status="done").count() == 1

    # Log out.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    page.goto(list_path)
    assert "/accounts/login/" in page.url
    _shot(page, artifacts, "06-logged-out")


def test_large_import_shows_progress_until_done(
    page: Any, live_server: Any, artifacts: Path, monkeypatch: Any
) -> None:
    """A file over the inline limit goes to the worker; the page polls the status and moves on by itself."""
    from django.db import connection

    from portfolios import import_tasks

    def worker_soon(job_id: int) -> None:
        # Stands in for a Celery worker: runs the task a moment later, in another thread and connection.
        def run() -> None:
            try:
                import_tasks.import_ledger_job(job_id)
            finally:
                connection.close()

        threading.Timer(1.0, run).start()

    monkeypatch.setattr(import_tasks.import_ledger_job, "delay", worker_soon)
    owner = UserFactory(username="bea")
    portfolio = PortfolioFactory(owner=owner, name="Big")
    rows = import_tasks.LARGE_IMPORT_ROWS + 1
    start = datetime(2022, 1, 1, tzinfo=UTC)
    text = HEADER + "".join(
        f"{(start + timedelta(hours=i)).isoformat()},Exchange,buy,BTC,0.001,{20000 + i},0\n"
        for i in range(rows)
    )
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "bea")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"/import/?portfolio={portfolio.pk}")
    page.set_input_files(
        "input[name=file]", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#import-progress")
    _shot(page, artifacts, "07-large-import-progress")
    page.wait_for_selector(
        "#confirm-form", timeout=20_000
    )  # the page reloads itself when the preview is ready
    assert page.inner_text("#import-new") == str(rows)
    assert not Transaction.objects.filter(portfolio=portfolio).exists()
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector("#import-progress")
    page.wait_for_url(re.compile(r"/import/\d+/done/"), timeout=20_000)
    assert page.inner_text("#import-created") == str(rows)
    _shot(page, artifacts, "08-large-import-done")
    assert Transaction.objects.filter(portfolio=portfolio).count() == rows
