"""The Lotwise CSV import: hand-worked results, line-numbered errors, all-or-nothing, no duplicates."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from portfolios.importing import LedgerImportError, ledger_import
from portfolios.models import Account, Asset, Transaction
from taxes.models import Disposal, IncomeRecord, TaxLot
from tests.factories import UserFactory

HEADER = "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,acquired_at,cost_basis,external_id,notes\n"
GOOD = HEADER + (
    "2023-01-10T12:00:00+00:00,Exchange,buy,BTC,1,20000,10,,,,,,b1,first\n"
    "2023-06-01T12:00:00+00:00,Exchange,buy,BTC,1,30000,0,,,,,,b2,\n"
    "2024-03-01T12:00:00+00:00,Exchange,sell,BTC,1.5,60000,30,,,,,,s1,\n"
    "2024-04-01T00:00:00Z,Exchange,staking,ETH,0.5,3000,0,,,,,,st1,\n"
)

pytestmark = pytest.mark.django_db


def run(text: str, **kw: object):  # type: ignore[no-untyped-def]
    user = kw.pop("user", None) or UserFactory(username="ann")
    return ledger_import(user=user, file=io.StringIO(text), **kw)  # type: ignore[arg-type]


def test_import_creates_rows_accounts_and_lots() -> None:
    """Rule: unknown accounts are created taxable with the given basis method and listed."""
    summary = run(GOOD, basis_method="hifo")
    assert summary.created == 4
    assert summary.accounts_created == ["Exchange"]
    assert set(summary.assets_created) <= {"BTC", "ETH"}
    account = Account.objects.get(name="Exchange")
    assert (account.tax_treatment, account.basis_method) == ("taxable", "hifo")
    assert Transaction.objects.count() == 4
    assert TaxLot.objects.count() == 2  # 0.5 BTC left + 0.5 ETH staked
    assert IncomeRecord.objects.get().value == Decimal(1500)


def test_fifo_gains_hand_worked() -> None:
    """Rule: FIFO; buy fee adds to basis, sell fee comes off proceeds, pro rata by quantity; holding period.

    Sell 1.5 BTC at 60,000 less 30 fee = 89,970 proceeds. FIFO: 1 BTC from 2023-01-10 (basis 20,010,
    long-term since 2024-01-11) gets 59,980 -> +39,970 long; 0.5 BTC from 2023-06-01 (basis 15,000,
    short-term until 2024-06-02) gets 29,990 -> +14,990 short.
    """
    run(GOOD)
    rows = list(
        Disposal.objects.order_by("acquired").values_list("quantity", "proceeds", "basis", "gain", "term")
    )
    assert rows == [
        (Decimal(1), Decimal(59980), Decimal(20010), Decimal(39970), "long"),
        (Decimal("0.5"), Decimal(29990), Decimal(15000), Decimal(14990), "short"),
    ]


def test_tax_report_json_hand_worked(capsys: pytest.CaptureFixture[str]) -> None:
    """Rule: tax_report prints exact decimal strings; taxable accounts only; income by kind."""
    run(GOOD)
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert report["year"] == 2024
    assert report["short_term"] == {
        "proceeds": "29990",
        "cost_basis": "15000",
        "gain": "14990",
        "adjustments": "0",
    }
    assert report["long_term"] == {
        "proceeds": "59980",
        "cost_basis": "20010",
        "gain": "39970",
        "adjustments": "0",
    }
    assert report["ordinary_income"]["total"] == "1500"
    assert report["ordinary_income"]["staking"] == "1500"
    assert [d["term"] for d in report["disposals"]] == ["long", "short"]
    assert report["disposals"][0] == {
        "account": "Exchange",
        "asset": "BTC",
        "acquired": "2023-01-10",
        "disposed": "2024-03-01",
        "quantity": "1",
        "proceeds": "59980",
        "cost_basis": "20010",
        "adjustment": "0",
        "gain": "39970",
        "term": "long",
    }
    call_command("tax_report", "--user", "ann", "--year", "2023", "--format", "json")
    empty = json.loads(capsys.readouterr().out)
    assert empty["disposals"] == []
    assert empty["short_term"]["gain"] == "0"


def test_tax_report_csv_rounds_to_cents(capsys: pytest.CaptureFixture[str]) -> None:
    text = HEADER + (
        "2024-01-02T00:00:00+00:00,Ex,buy,ETH,3,1000.005,0,,,,,,,\n"
        "2024-02-02T00:00:00+00:00,Ex,sell,ETH,1,1500.333,0,,,,,,,\n"
    )
    run(text)
    call_command("tax_report", "--user", "ann", "--year", "2024", "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("account,asset,acquired,disposed,quantity,proceeds,cost_basis")
    # The gain is the printed proceeds less the printed basis (Form 8949 (h) = (d) - (e) + (g)), so the
    # row adds up as printed: 1500.33 - 1000.01 = 500.32 (the exact gain 500.328 would round to 500.33).
    assert lines[1] == "Ex,ETH,2024-01-02,2024-02-02,1,1500.33,1000.01,0.00,500.32,short"


def test_tax_advantaged_accounts_listed_apart(capsys: pytest.CaptureFixture[str]) -> None:
    """Rule: trades inside a Roth IRA are not taxable events and stay out of the totals."""
    user = UserFactory(username="ann")
    run(HEADER + "2024-01-02T00:00:00+00:00,Roth,buy,ETH,3,1000,0,,,,,,,\n", user=user)
    Account.objects.filter(name="Roth").update(tax_treatment="tax_free", kind="roth_ira")
    run(HEADER + "2024-02-02T00:00:00+00:00,Roth,sell,ETH,1,1500,0,,,,,,,\n", user=user)
    call_command("tax_report", "--user", "ann", "--year", "2024")
    report = json.loads(capsys.readouterr().out)
    assert report["disposals"] == []
    assert report["short_term"]["gain"] == "0"
    assert report["tax_advantaged_accounts"] == [
        {"account": "Roth", "tax_treatment": "tax_free", "disposals": 1, "proceeds": "1500"}
    ]


def test_reimport_does_not_duplicate() -> None:
    """Rule: re-importing the same file adds nothing (external id, else a content hash)."""
    text = GOOD + "2024-05-01T00:00:00+00:00,Exchange,buy,ETH,1,3000,0,,,,,,,\n" * 2
    first = run(text)
    assert first.created == 6  # two identical rows without an id are two real buys
    user = first.portfolio.owner
    second = run(text, user=user)
    assert (second.created, second.duplicates) == (0, 6)
    assert Transaction.objects.count() == 6


@pytest.mark.parametrize(
    ("row", "field", "fragment"),
    [
        ("2024-03-01T12:00:00+00:00,Exchange,sell,BTC,3,60000,0,,,,,,,", "quantity", "more than"),
        ("2024-03-01T12:00:00+00:00,Exchange,buy,BTC,-1,60000,0,,,,,,,", "quantity", "greater than zero"),
        ("2024-03-01T12:00:00+00:00,Exchange,buy,BTC,lots,60000,0,,,,,,,", "quantity", "not a number"),
        ("2024-03-01T12:00:00+00:00,Exchange,buy,BTC,1e25,60000,0,,,,,,,", "quantity", "less than"),
        ("2024-03-01T12:00:00+00:00,Exchange,buy,BTC,1,60000,1000000000000000,,,,,,,", "fee", "less than"),
        ("2024-13-01T12:00:00+00:00,Exchange,buy,BTC,1,60000,0,,,,,,,", "timestamp", "ISO 8601"),
        ("2024-03-01T12:00:00,Exchange,buy,BTC,1,60000,0,,,,,,,", "timestamp", "offset"),
        ("2024-03-01T12:00:00+00:00,Exchange,purchase,BTC,1,60000,0,,,,,,,", "type", "unknown type"),
        ("2024-03-01T12:00:00+00:00,Exchange,staking,ETH,1,,0,,,,,,,", "unit_price", "fair value"),
        ("2024-03-01T12:00:00+00:00,Exchange,sell,BTC,0.5,60000,0,,,,,,x9,,nope:0.5", "lot_picks", "nope"),
        ("2024-03-01T12:00:00+00:00,Exchange,sell,BTC,0.5,60000,0,,,,,,x9,,b1:0.7", "lot_picks", ""),
    ],
)
def test_bad_line_rejects_whole_import(row: str, field: str, fragment: str) -> None:
    """Rule: a bad row names its line and field; the whole import is rejected and nothing is saved."""
    text = GOOD.replace("notes\n", "notes,lot_picks\n") + row + "\n"
    with pytest.raises(LedgerImportError) as info:
        run(text)
    errors = info.value.errors
    assert errors[0].line == 6, errors
    assert errors[0].field == field, errors
    assert fragment.lower() in errors[0].message.lower()
    assert Transaction.objects.count() == 0
    assert Account.objects.count() == 0
    assert TaxLot.objects.count() == 0


def test_every_bad_line_is_reported() -> None:
    text = HEADER + (
        "2024-03-01T12:00:00+00:00,Exchange,buy,BTC,1,100,0,,,,,,,\n"
        "yesterday,Exchange,buy,BTC,1,100,0,,,,,,,\n"
        "2024-03-01T12:00:00+00:00,Exchange,buy,BTC,-2,100,0,,,,,,,\n"
    )
    with pytest.raises(LedgerImportError) as info:
        run(text)
    assert [(e.line, e.field) for e in info.value.errors] == [(3, "timestamp"), (4, "quantity")]


def test_header_is_required() -> None:
    with pytest.raises(LedgerImportError) as info:
        run("2024-03-01T12:00:00+00:00,Exchange,buy,BTC,1,100,0\n")
    assert info.value.errors[0].line == 1
    assert info.value.errors[0].field == "header"


def test_command_reports_errors_and_saves_nothing(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="ann")
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "2024-03-02T12:00:00+00:00,Exchange,sell,BTC,9,60000,0,,,,,,,\n")
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_ledger", str(path), "--user", "ann")
    assert "line 6, quantity" in capsys.readouterr().err
    assert Transaction.objects.count() == 0


def test_command_imports_and_summarises(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="ann")
    path = tmp_path / "good.csv"
    path.write_text(GOOD)
    call_command(
        "import_ledger", str(path), "--user", "ann", "--portfolio", "Taxable", "--basis-method", "lifo"
    )
    out = capsys.readouterr().out
    assert "Imported 4 transaction(s) into portfolio 'Taxable'" in out
    assert "Accounts created (taxable, lifo): Exchange" in out
    assert Asset.objects.filter(symbol="BTC").exists()


@pytest.mark.parametrize(
    ("row", "field", "fragment"),
    [
        ("2024-03-01T12:00:00+00:00,Exchange,buy,BTC,1,100,0,,,,,,,,extra,more", "row", "2 more value(s)"),
        ("2024-03-01T12:00:00+00:00,Exchange,buy,BTC,1E+999999,100,0,,,,,,,", "quantity", "less than"),
        ("2024-03-01T12:00:00+00:00,Exchange,buy," + "X" * 21 + ",1,100,0,,,,,,,", "asset", "longer than 20"),
        ("2024-03-01T12:00:00+00:00," + "A" * 101 + ",buy,BTC,1,100,0,,,,,,,", "account", "longer than 100"),
    ],
)
def test_malformed_rows_are_errors_not_crashes(row: str, field: str, fragment: str) -> None:
    """Bad input is a line-numbered error, never a server error or a silently dropped value."""
    with pytest.raises(LedgerImportError) as info:
        run(HEADER + row + "\n")
    (error,) = info.value.errors
    assert (error.line, error.field) == (2, field)
    assert fragment in error.message


def test_line_numbers_count_physical_lines_of_quoted_notes() -> None:
    text = HEADER + (
        '2024-03-01T12:00:00+00:00,Exchange,buy,BTC,1,100,0,,,,,,,"a note\nover two lines"\n'
        "2024-03-02T12:00:00+00:00,Exchange,buy,BTC,-1,100,0,,,,,,,\n"
    )
    with pytest.raises(LedgerImportError) as info:
        run(text)
    assert [(e.line, e.field) for e in info.value.errors] == [(4, "quantity")]
