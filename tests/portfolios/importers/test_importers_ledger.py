"""Foreign files through the Lotwise importer: detected, converted, checked and written all or nothing,
with errors on the file's own lines, every problem in one pass, and re-imports that add nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portfolios import importing
from portfolios.importing import LedgerImportError, ledger_import
from portfolios.models import Account, Asset, ImportJob, Transaction
from taxes.models import TaxLot
from tests.factories import UserFactory
from tests.portfolios.importers.importers_testkit import SAMPLES, converted, sample

pytestmark = pytest.mark.django_db

GOOD = [
    "coinbase_2024.csv",
    "coinbase_2023.csv",
    "coinbase_2021.csv",
    "coinbase_2018.csv",
    "kraken_ledgers.csv",
    "kraken_usd.csv",
    "binance_history.csv",
    "koinly_universal.csv",
    "cointracker_template.csv",
    "cointracker_export.csv",
    "brokerage_schwab_style.csv",
    "brokerage_fidelity_style.csv",
]
LOTWISE_HEADER = "timestamp,account,type,asset,quantity,unit_price,fee,external_id\n"


def run(text: str, **kw: object):  # type: ignore[no-untyped-def]
    user = kw.pop("user", None) or UserFactory(username="ann")
    return ledger_import(user=user, file=io.StringIO(text), portfolio_name="Main", **kw)  # type: ignore[arg-type]


def rejected(text: str, **kw: object) -> list[tuple[int, str, str]]:
    with pytest.raises(LedgerImportError) as info:
        run(text, **kw)
    assert not Transaction.objects.exists()
    return [(e.line, e.field, e.message) for e in info.value.errors]


@pytest.mark.parametrize("name", GOOD)
def test_each_sample_imports_and_a_second_import_adds_nothing(name: str) -> None:
    expected = converted(name)
    first = run(sample(name))
    assert (first.source_format, first.source_rows) == (expected.format, expected.source_rows)
    assert first.created == len(expected.rows) == Transaction.objects.count()
    assert first.recompute is not None
    again = run(sample(name), user=first.portfolio.owner)
    assert (again.created, again.duplicates) == (0, len(expected.rows))
    assert Transaction.objects.count() == len(expected.rows)


def test_a_converted_file_is_stored_exactly() -> None:
    run(sample("kraken_ledgers.csv"))
    buy = Transaction.objects.get(external_id="kraken:TR0001-AAAAA-000001")
    assert (buy.type, buy.asset.symbol, buy.quantity, buy.unit_price, buy.fee) == (
        "buy",
        "BTC",
        Decimal("0.05"),
        Decimal(40000),
        Decimal("5.2"),
    )
    assert set(Account.objects.values_list("name", flat=True)) == {"Kraken", "In transit"}
    # The withdrawn BTC keeps its purchase date in the in-transit account.
    lot = TaxLot.objects.get(account__name="In transit")
    assert (lot.quantity, lot.acquired) == (Decimal("0.01"), date(2024, 1, 3))


def test_every_problem_of_a_file_in_one_pass() -> None:
    """The sale of more than the account holds (line 10) is found while the other lines' problems are
    reported too, each named by the file's own line and column."""
    errors = rejected(sample("coinbase_errors.csv"))
    assert [(line, field) for line, field, _ in errors] == [
        (5, "Price Currency"),
        (6, "Timestamp"),
        (7, "Quantity Transacted"),
        (8, "Notes"),
        (9, "Transaction Type"),
        (10, "Quantity Transacted"),
    ]
    assert "more than the 0.02 the account holds" in errors[-1][2]
    assert "checked without the rows that have other errors" in errors[-1][2]
    assert not Account.objects.exists()


def test_a_lotwise_csv_also_reports_every_problem_in_one_pass() -> None:
    text = LOTWISE_HEADER + (
        "2024-01-01T00:00:00Z,Ex,buy,BTC,1,100,0,\n"
        "2024-01-02T00:00:00Z,Ex,buy,BTC,lots,100,0,\n"
        "2024-01-03T00:00:00Z,Ex,sell,BTC,3,100,0,\n"
        "2024-01-04T00:00:00Z,Ex,sell,ETH,1,100,0,\n"
    )
    errors = rejected(text)
    assert [(line, field) for line, field, _ in errors] == [(3, "quantity"), (4, "quantity"), (5, "quantity")]


def test_values_the_file_lacks_are_errors_and_nothing_is_saved() -> None:
    errors = rejected(sample("kraken_2023.csv"))
    assert [(line, field) for line, field, _ in errors] == [
        (5, "amount"),
        (6, "amount"),
        (8, "fee"),
        (9, "type"),
    ]


def test_lotwise_checks_on_converted_rows_name_the_file_column() -> None:
    text = (
        "txid,refid,time,type,subtype,aclass,asset,amount,fee,balance\n"
        "L1,Q1,2024-01-02 09:00:00,deposit,,currency,ZUSD,1000.0000,0,1000\n"
        "L2,T1,2024-01-03 10:00:00,trade,,currency,ZUSD,-100.0000,0,900\n"
        "L3,T1,2024-01-03 10:00:00,trade,,currency,XXBT,0.1234567890123456789,0,0.1\n"
        "L4,Q2,2099-01-02 09:00:00,deposit,,currency,ZUSD,1000.0000,0,1000\n"
    )
    errors = rejected(text)
    assert [(line, field) for line, field, _ in errors] == [(4, "amount"), (5, "time")]
    assert "18 decimal places" in errors[0][2]
    assert "future" in errors[1][2]


def test_a_send_in_one_file_and_its_arrival_in_another_keep_the_lot() -> None:
    """Coinbase sends 0.05 ETH out; a Koinly file for the hardware wallet receives it: the lot moves
    through the in-transit account with its date and basis."""
    first = run(sample("coinbase_2024.csv"))
    arrival = (
        "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
        "Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n"
        "2024-05-01 09:00 UTC,,,0.05,ETH,,,,,,From Coinbase,0xddd1\n"
    )
    second = run(arrival, user=first.portfolio.owner, account="Ledger")
    assert second.created == 1
    lots = TaxLot.objects.filter(account__name="Ledger")
    assert sum(lot.quantity for lot in lots) == Decimal("0.05")
    assert {lot.acquired for lot in lots} <= {date(2024, 2, 1), date(2024, 3, 1)}
    assert not TaxLot.objects.filter(account__name="In transit").exists()


def test_an_arrival_with_no_send_says_what_to_do() -> None:
    arrival = (
        "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,"
        "Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n"
        "2024-05-01 09:00 UTC,,,0.05,ETH,,,,,,From somewhere,0xddd1\n"
    )
    ((line, field, message),) = rejected(arrival, account="Ledger")
    assert (line, field) == (2, "Received Amount")
    assert "import the file of the account it was sent from first" in message


def test_a_file_with_every_kind_of_error_leaves_nothing_behind() -> None:
    text = sample("koinly_export.csv")
    errors = rejected(text)
    assert [(line, field) for line, field, _ in errors] == [(9, "Label")]
    assert not Account.objects.exists()
    assert not Asset.objects.filter(symbol="ETH").exists()


def test_the_asset_class_guess_is_one_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown symbols are crypto as before; the one place that decides can be swapped for a catalogue."""
    run(sample("coinbase_2021.csv"))
    assert set(Asset.objects.values_list("asset_class", flat=True)) == {"crypto"}
    seen: list[tuple[str, str]] = []

    def catalogue(symbol: str, *, source: str = "lotwise") -> str:
        seen.append((symbol, source))
        return "etf"

    monkeypatch.setattr(importing, "asset_class_guess", catalogue)
    run(sample("brokerage_schwab_style.csv"), user=UserFactory(username="bob"))
    assert Asset.objects.get(symbol="VTI").asset_class == "etf"
    assert ("VTI", "brokerage") in seen


def test_command_detects_the_format(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="ann")
    call_command("import_ledger", str(SAMPLES / "kraken_ledgers.csv"), "--user", "ann")
    out = capsys.readouterr().out
    assert "Read as Kraken ledgers: 14 row(s) made 6 ledger row(s)." in out
    assert "line 14 left out: no txid" in out
    assert "Imported 6 transaction(s)" in out


def test_command_mapping_and_account(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="ann")
    args = [
        "--map",
        "date=When",
        "--map",
        "action=Kind",
        "--map",
        "symbol=Ticker",
        "--map",
        "quantity=Shares",
    ]
    args += ["--map", "price=Cost Per Share", "--map", "amount=Net Cash", "--account", "Taxable"]
    call_command("import_ledger", str(SAMPLES / "brokerage_custom.csv"), "--user", "ann", *args)
    assert "Imported 3 transaction(s)" in capsys.readouterr().out
    assert list(Account.objects.values_list("name", flat=True)) == ["Taxable"]
    with pytest.raises(CommandError, match="MEANING=COLUMN"):
        call_command("import_ledger", str(SAMPLES / "brokerage_custom.csv"), "--user", "ann", "--map", "date")


def test_command_with_a_forced_format_that_does_not_fit(capsys) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="ann")
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command(
            "import_ledger", str(SAMPLES / "coinbase_2021.csv"), "--user", "ann", "--format", "kraken"
        )
    assert "line 1, header: no Kraken ledgers header" in capsys.readouterr().err


def test_the_page_previews_what_each_row_becomes(client) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = UserFactory(username="ann")
    client.force_login(owner)
    upload = SimpleUploadedFile("coinbase.csv", sample("coinbase_2024.csv").encode(), content_type="text/csv")
    data = {"file": upload, "basis_method": "fifo", "new_portfolio": "Main"}
    response = client.post(reverse("portfolios:import_upload"), data)
    job = ImportJob.objects.get()
    assert (job.status, job.error_count, job.row_count) == ("done", 0, 9)  # the preamble is not data
    html = client.get(response["Location"]).content.decode()
    assert 'id="import-format">Coinbase transaction history<' in html
    assert 'id="import-ledger-rows">8<' in html
    assert "<th>Becomes</th>" in html
    assert "<td>trade BTC → ETH</td><td>9</td>" in html
    assert "line 10: Retail Staking Transfer" in html
    assert not Transaction.objects.exists()
    client.post(response["Location"])
    assert Transaction.objects.count() == 8


def test_the_page_shows_a_converted_files_errors(client) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = UserFactory(username="ann")
    client.force_login(owner)
    upload = SimpleUploadedFile("kraken.csv", sample("kraken_2023.csv").encode(), content_type="text/csv")
    response = client.post(
        reverse("portfolios:import_upload"), {"file": upload, "basis_method": "fifo", "new_portfolio": "Main"}
    )
    html = client.get(response["Location"]).content.decode()
    assert "line 5, amount: staking income of 0.25 DOT needs its fair value in USD" in html
    assert "4 problems" in html


def test_a_joined_transfer_moves_lots_with_their_dates() -> None:
    """The Koinly export's withdrawal and deposit (lines 5 and 6) are one transfer: the BTC bought on
    2024-01-03 reaches the hardware wallet with that date, and its BTC network fee is a disposal."""
    text = "".join(sample("koinly_export.csv").splitlines(keepends=True)[:-1])  # without the "lost" line
    summary = run(text)
    assert summary.created == 7
    lots = TaxLot.objects.filter(account__name="Hardware Wallet", asset__symbol="BTC")
    assert sum(lot.quantity for lot in lots) == Decimal("0.07")
    assert {lot.acquired for lot in lots} == {date(2024, 1, 3)}
    joined = Transaction.objects.get(external_id__contains=">")
    assert (joined.account.name, joined.to_account.name, joined.quantity) == (
        "Test Exchange",
        "Hardware Wallet",
        Decimal("0.02"),
    )
