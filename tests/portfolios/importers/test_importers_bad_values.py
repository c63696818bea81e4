"""Values in an export that used to escape the converters as exceptions: each is a line error now, naming
the file's own line and column."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from portfolios.importers import convert
from portfolios.importers.common import divide
from portfolios.importers.text import UnreadableFile, checked, decoded, normalized
from portfolios.importing import LedgerImportError, ledger_import
from tests.factories import UserFactory
from tests.portfolios.fuzz_targets import counts
from tests.portfolios.importers.importers_testkit import errors_at

KRAKEN = '"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"\n'
COINBASE = "Timestamp,Transaction Type,Asset,Quantity Transacted,USD Spot Price at Transaction,USD Subtotal\n"


def kraken_trade(btc_amount: str, btc_fee: str, other: str = "ZUSD", other_amount: str = "100") -> str:
    return (
        KRAKEN
        + f'"L1","T1","2024-01-02 10:00:00","trade","","currency","XXBT",{btc_amount},{btc_fee},0\n'
        + f'"L2","T1","2024-01-02 10:00:00","trade","","currency","{other}",{other_amount},0,0\n'
    )


@pytest.mark.parametrize(
    "text",
    [
        kraken_trade("-1", "-1"),  # a sale whose quantity came out as zero: a division by zero
        kraken_trade("-1", "-1", "XETH", "10"),  # a trade for another coin: 0/0
        kraken_trade("-1", "-2"),  # a sale of a negative quantity
        KRAKEN + '"L1","R1","2024-01-02 10:00:00","deposit","","currency","XETH",1,-5,0\n',
        KRAKEN + '"L1","R1","2024-01-02 10:00:00","staking","","currency","XETH",1,-5,0\n',
    ],
)
def test_a_negative_fee_is_an_error_of_its_cell(text: str) -> None:
    result = convert(text)
    assert result is not None
    assert errors_at(result) == [(2, "fee")]
    assert result.errors[0].message.startswith("the fee -")
    assert result.errors[0].message.endswith(" is negative.")
    assert not [row for row in result.rows if row.type in ("buy", "sell", "trade", "fee", "staking")]


@pytest.mark.parametrize(
    "stamp",
    ["0001-01-01 00:00:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1899-12-31 23:59:59"],
)
def test_dates_out_of_range_name_their_cell(stamp: str) -> None:
    # A send and its arrival are joined by time (an hour either side), which year 1 leaves no room for.
    text = COINBASE + f"{stamp},Send,BTC,1,1,1\n{stamp},Receive,BTC,1,1,1\n"
    result = convert(text)
    assert result is not None
    message = f"{stamp!r} is out of range: dates run from 1900-01-01 to today."
    assert [(e.line, e.field, e.message) for e in result.errors] == [
        (2, "Timestamp", message),
        (3, "Timestamp", message),
    ]


def test_unit_prices_keep_every_digit_of_their_18_places() -> None:
    # $123,456,789,012,345.678 for 0.000000000000000007 BTC: a price of 50 significant digits, which the
    # default 28-digit context would have rounded to ...857142860000.
    result = convert(kraken_trade("0.000000000000000007", "0", "ZUSD", "-123456789012345.678"))
    assert result is not None
    price = result.rows[0].values()["unit_price"]
    assert price == "17636684144620811142857142857142.857142857142857143"
    assert Decimal(price) == divide(Decimal("123456789012345.678"), Decimal("7e-18"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a,b\r\n1,2\r\n", "a,b\n1,2\n"),
        (b"a,b\r1,2\r", "a,b\n1,2\n"),
        (b"\xef\xbb\xbfa,b\n1,2", "a,b\n1,2"),
        (b'a,"x\r\ny"\r1,2', 'a,"x\ny"\n1,2'),
    ],
)
def test_uploads_are_read_with_any_line_ending_and_bom(raw: bytes, expected: str) -> None:
    assert decoded(raw) == expected
    assert normalized(raw.decode("utf-8")) == expected.removeprefix("\ufeff")


@pytest.mark.parametrize(
    ("raw", "where", "start"),
    [
        (b"a,b\r\n1,2\r\n3,\xff\r\n", (3, "file"), "byte 0xFF is not UTF-8 text"),
        (b"a,b\r1,\xc3\r", (2, "file"), "byte 0xC3 is not UTF-8 text"),
        (b"\xff\xfea\x00,\x00b\x00", (1, "file"), "the file is UTF-16 or UTF-32 text, not UTF-8"),
        (b"a,b\n1,2\n\n3,4\x00\n", (4, "file"), "contains a NUL character"),
        (b"a,b\n" + b"1," + b"x" * 131_073 + b"\n", (2, "row"), "a value longer than 131,072 characters"),
    ],
)
def test_unreadable_files_name_the_line(raw: bytes, where: tuple[int, str], start: str) -> None:
    with pytest.raises(UnreadableFile) as caught:
        decoded(raw)
    assert [(e.line, e.field) for e in caught.value.errors] == [where]
    assert caught.value.errors[0].message.startswith(start)


def test_a_file_of_nul_bytes_reports_a_few_lines_quickly() -> None:
    text = ("\x00" * 1000 + "\n") * 5000
    with pytest.raises(UnreadableFile) as caught:
        checked(text)
    assert [e.line for e in caught.value.errors] == list(range(1, 11))


LEDGER = "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,acquired_at,cost_basis,external_id,notes,lot_picks\n"
BUY = "2024-01-10T12:00:00+00:00,Exchange,buy,BTC,1,20000,0,,,,,,b1,,\n"
TOO_BIG = "must be less than 1,000,000,000,000,000 (10^15)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            BUY.replace(",1,20000,", ",999999999999999,999999999999999,"),
            f"line 2, unit_price: the value (quantity times unit price) {TOO_BIG} USD.",
        ),
        (BUY.replace(",1,20000,", ",1,1e22,"), f"line 2, unit_price: {TOO_BIG}."),
        (
            BUY.replace(",1,20000,", ",0.0000000000000000001,20000,"),
            "line 2, quantity: at most 18 decimal places.",
        ),
        (BUY.replace(",b1,", "," + "x" * 201 + ","), "line 2, external_id: longer than 200 characters."),
        (BUY.replace("Exchange", "E" * 101), "line 2, account: longer than 100 characters."),
        (BUY.replace(",BTC,", "," + "B" * 21 + ","), "line 2, asset: longer than 20 characters."),
        (
            BUY.replace("2024-01-10T12:00:00+00:00", "1899-12-31T23:59:59+00:00"),
            "line 2, timestamp: timestamp is before 1900-01-01, the earliest date Lotwise keeps.",
        ),
    ],
)
def test_values_the_columns_cannot_hold_are_refused_on_every_backend(row: str, error: str) -> None:
    """Digits beyond the columns' 40 (22 before the point), text longer than a column: refused by name,
    not left for PostgreSQL to refuse (or SQLite to store)."""
    user = UserFactory(username="ann")
    before = counts()
    with pytest.raises(LedgerImportError) as caught:
        ledger_import(user=user, file=io.StringIO(LEDGER + row), portfolio_name="Main")
    assert [str(e) for e in caught.value.errors] == [error]
    assert counts() == before
