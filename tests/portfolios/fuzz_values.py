"""The values and shapes of the fuzz's inputs (tests/portfolios/fuzz_inputs.py makes them): odd numbers,
dates, texts and bytes, and the three kinds of input with the context they may refer to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from portfolios.models.ledger import LEDGER_FIELDS, TYPE_FIELDS

SAMPLES = Path(__file__).parent / "importers" / "samples"
LEDGER_HEADER = list(LEDGER_FIELDS)
TYPES = list(TYPE_FIELDS)
FORMATS = ("lotwise", "coinbase", "kraken", "binance", "koinly", "cointracker", "brokerage")

NUMBERS = [
    "0", "1", "-1", "0.5", "2", "1e3", "1E-18", "1e-19", "0.0000000000000000001", "0.000000000000000001",
    "999999999999999", "1000000000000000", "999999999999999.999999999999999999", "1e15", "1e21", "1e22",
    "1e30", "9" * 40, "9" * 100, "1" * 3000, "NaN", "nan", "Infinity", "-Infinity", "sNaN", "1,000",
    "1,000.50", "(12.00)", "$1,234.50", "-€3.20", "1.2.3", "", " ", "+5", "٣", "1_000", "0x10",
    "1e999999999", "1e-999999999", "\u22121", ".", "-", "1e", "--1", "1 000", "0.1.", "12345678901234.123456789012345678",
]  # fmt: skip
DATES = [
    "2024-01-02T10:00:00Z", "2024-01-02T10:00:00+00:00", "0001-01-01T00:00:00+05:00",
    "0001-01-01T00:00:00Z", "0001-01-01T00:00:00-05:00", "0001-01-01", "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59+14:00", "9999-12-31", "1899-12-31T23:59:59Z", "1900-01-01T00:00:00Z",
    "1900-01-01T00:00:00+01:00", "2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01",
    "2024-01-01T00:00:00", "01/02/2024", "1/1/1", "13/45/2024", "02/29/2023", "2100-01-01T00:00:00Z",
    "2024-01-01T25:00:00Z", "2024-01-01T00:00:00+23:59", "2024-01-01T00:00:00.123456789Z", "now", "",
    "0", "-1", "99999-01-01T00:00:00Z", "2024-06-01 12:00:00 UTC", "as of 06/01/2024",
    "24-06-01 12:00:00", "12/31/9999 23:59:59", "01/01/0001 00:00:00", "2024-06-01T12:00:00-23:59",
]  # fmt: skip
TEXTS = [
    "", " ", "x" * 21, "x" * 101, "x" * 201, "x" * 5000, "a\x00b", "=1+2", "@SUM(A1:A2)",
    "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\u202eevil", "😀", "é", "a\u0301", "\u2028", '"', '""', "a,b",
    "a\nb", "a\rb", "\\", "'", "<script>alert(1)</script>", "{{ 7*7 }}", "%s%s%n", "NULL", "None", "\ufeff",
    "BTC", "btc", "USD", "T (stock)", " BTC ", "XBT", "ETH.S", "AAPL", "Exchange", "Roth IRA", "In transit",
]  # fmt: skip
SYMBOLS = ["BTC", "ETH", "SOL", "USDC", "AAPL", "VTI", "T", "ZZZQ", "USD", "XXBT", "DOT.S"]
JUNK_BYTES = [b"\x00", b"\xff", b"\xfe\xff", b"\xc3", b"\xe9", b"\x80\x81", b"\xef\xbb\xbf", b"\r", b"\x1a"]


@dataclass(frozen=True)
class FileCase:
    """A file to import, how it was made, and the format to force (None: detect it)."""

    how: str
    content: bytes
    format: str | None = None


@dataclass(frozen=True)
class FormCase:
    how: str
    type: str
    data: dict[str, str]
    edit: bool = False  # post to the edit page of an existing transaction


@dataclass(frozen=True)
class ApiCase:
    how: str
    body: str  # the raw request body (it may not be JSON at all)
    method: str = "post"  # post, or put/patch on an existing transaction


@dataclass
class Context:
    """What the inputs may refer to: the portfolio's accounts (by id and name), assets, transactions."""

    account_ids: list[int] = field(default_factory=list)
    account_names: list[str] = field(default_factory=list)
    asset_ids: list[int] = field(default_factory=list)
    transaction_ids: list[int] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
