"""The bundled offline price history: SYNTHETIC demo prices, so Lotwise runs with no price API.

The series is a seeded random walk (a Brownian bridge in log-price) pinned to approximate real price
levels at a few dates per asset (yearly levels plus the big peaks and troughs). It has the right
shape for charts, drift and rebalancing demos; it is not any day's real price. Every value is made
with Decimal arithmetic and integer randomness only, so the file is byte-for-byte reproducible on
any platform: `python -m portfolios.pricing.offline` rebuilds it.

No Django import here: the generator is a plain script; services.py loads the file into PriceQuote.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

OFFLINE_IS_SYNTHETIC = True
OFFLINE_NOTICE = (
    "Demo prices are synthetic: a seeded random walk through approximate historical price levels, "
    "bundled so Lotwise works without a price API. They are not real market prices; do not use them "
    "for tax reports or trading decisions."
)

DATA_PATH = Path(__file__).resolve().parent / "data" / "offline_prices.csv.gz"
BUNDLED_END = date(2026, 11, 24)
BUNDLED_SEED = 20180101
SIGNIFICANT_DIGITS = 8

# (symbol, name, asset_class, CoinGecko id)
DEMO_ASSETS: list[tuple[str, str, str, str]] = [
    ("BTC", "Bitcoin", "crypto", "bitcoin"),
    ("ETH", "Ethereum", "crypto", "ethereum"),
    ("SOL", "Solana", "crypto", "solana"),
    ("ADA", "Cardano", "crypto", "cardano"),
    ("DOT", "Polkadot", "crypto", "polkadot"),
    ("AVAX", "Avalanche", "crypto", "avalanche-2"),
    ("LINK", "Chainlink", "crypto", "chainlink"),
    ("USDC", "USD Coin", "stablecoin", "usd-coin"),
]
DEMO_SYMBOLS = [symbol for symbol, _, _, _ in DEMO_ASSETS]

_D = date.fromisoformat

# Approximate USD levels the walk passes through exactly. The first anchor is the series' first day
# (launch for assets younger than 2018). Levels after 2025 are rough placeholders.
ANCHORS: dict[str, list[tuple[date, str]]] = {
    "BTC": [
        (_D("2018-01-01"), "13850"),
        (_D("2018-12-15"), "3200"),
        (_D("2019-01-01"), "3700"),
        (_D("2019-06-26"), "12900"),
        (_D("2020-01-01"), "7200"),
        (_D("2020-03-13"), "4900"),
        (_D("2021-01-01"), "29000"),
        (_D("2021-04-14"), "63500"),
        (_D("2021-07-20"), "29800"),
        (_D("2021-11-10"), "67500"),
        (_D("2022-01-01"), "46300"),
        (_D("2022-06-18"), "19000"),
        (_D("2022-11-21"), "15800"),
        (_D("2023-01-01"), "16500"),
        (_D("2024-01-01"), "42000"),
        (_D("2024-03-14"), "73000"),
        (_D("2024-08-05"), "54000"),
        (_D("2025-01-01"), "94000"),
        (_D("2025-04-08"), "76300"),
        (_D("2025-10-06"), "124000"),
        (_D("2026-01-01"), "87500"),
        (_D("2026-11-24"), "90000"),
    ],
    "ETH": [
        (_D("2018-01-01"), "755"),
        (_D("2018-01-13"), "1400"),
        (_D("2018-12-14"), "84"),
        (_D("2019-01-01"), "133"),
        (_D("2019-06-26"), "330"),
        (_D("2020-01-01"), "130"),
        (_D("2020-03-13"), "110"),
        (_D("2021-01-01"), "730"),
        (_D("2021-05-11"), "4150"),
        (_D("2021-11-09"), "4800"),
        (_D("2022-01-01"), "3680"),
        (_D("2022-06-18"), "990"),
        (_D("2023-01-01"), "1200"),
        (_D("2024-01-01"), "2280"),
        (_D("2024-03-12"), "4050"),
        (_D("2025-01-01"), "3330"),
        (_D("2025-04-08"), "1470"),
        (_D("2025-08-24"), "4900"),
        (_D("2026-01-01"), "2970"),
        (_D("2026-11-24"), "3100"),
    ],
    "SOL": [
        (_D("2020-04-10"), "0.95"),
        (_D("2021-01-01"), "1.51"),
        (_D("2021-09-09"), "210"),
        (_D("2021-11-06"), "250"),
        (_D("2022-01-01"), "170"),
        (_D("2022-06-18"), "28"),
        (_D("2022-12-29"), "8.5"),
        (_D("2023-01-01"), "10"),
        (_D("2024-01-01"), "101"),
        (_D("2024-03-18"), "200"),
        (_D("2025-01-01"), "189"),
        (_D("2025-01-19"), "290"),
        (_D("2025-04-08"), "105"),
        (_D("2026-01-01"), "125"),
        (_D("2026-11-24"), "140"),
    ],
    "ADA": [
        (_D("2018-01-01"), "0.72"),
        (_D("2018-01-04"), "1.10"),
        (_D("2019-01-01"), "0.042"),
        (_D("2020-01-01"), "0.033"),
        (_D("2021-01-01"), "0.18"),
        (_D("2021-09-02"), "2.95"),
        (_D("2022-01-01"), "1.37"),
        (_D("2023-01-01"), "0.25"),
        (_D("2024-01-01"), "0.59"),
        (_D("2024-12-03"), "1.15"),
        (_D("2025-01-01"), "0.85"),
        (_D("2026-01-01"), "0.34"),
        (_D("2026-11-24"), "0.40"),
    ],
    "DOT": [
        (_D("2020-08-20"), "2.9"),
        (_D("2021-01-01"), "8.2"),
        (_D("2021-11-04"), "53"),
        (_D("2022-01-01"), "27"),
        (_D("2023-01-01"), "4.35"),
        (_D("2024-01-01"), "8.1"),
        (_D("2024-03-14"), "11.5"),
        (_D("2025-01-01"), "6.6"),
        (_D("2026-01-01"), "1.8"),
        (_D("2026-11-24"), "2.4"),
    ],
    "AVAX": [
        (_D("2020-09-22"), "4.6"),
        (_D("2021-01-01"), "3.6"),
        (_D("2021-11-21"), "144"),
        (_D("2022-01-01"), "110"),
        (_D("2023-01-01"), "10.9"),
        (_D("2024-01-01"), "38"),
        (_D("2024-03-18"), "60"),
        (_D("2025-01-01"), "36"),
        (_D("2026-01-01"), "12.2"),
        (_D("2026-11-24"), "14"),
    ],
    "LINK": [
        (_D("2018-01-01"), "0.75"),
        (_D("2019-01-01"), "0.30"),
        (_D("2020-01-01"), "1.77"),
        (_D("2020-08-16"), "19.5"),
        (_D("2021-01-01"), "11.3"),
        (_D("2021-05-10"), "52"),
        (_D("2022-01-01"), "20"),
        (_D("2023-01-01"), "5.6"),
        (_D("2024-01-01"), "15"),
        (_D("2025-01-01"), "20"),
        (_D("2026-01-01"), "12.3"),
        (_D("2026-11-24"), "14"),
    ],
}
# Daily standard deviation of the log-price walk.
VOLATILITY: dict[str, Decimal] = {
    "BTC": Decimal("0.030"),
    "ETH": Decimal("0.038"),
    "SOL": Decimal("0.050"),
    "ADA": Decimal("0.045"),
    "DOT": Decimal("0.045"),
    "AVAX": Decimal("0.050"),
    "LINK": Decimal("0.045"),
}
USDC_START = _D("2018-10-08")  # USDC launched in autumn 2018
USDC_NOISE_BASIS_POINTS = 20  # ±0.0020

_TWO_32 = Decimal(2**32)


def _standard_normal(rng: random.Random) -> Decimal:
    """Approximately N(0, 1) (Irwin-Hall, 12 uniforms) from integer bits only: platform-independent."""
    total = sum(Decimal(rng.getrandbits(32)) for _ in range(12))
    return total / _TWO_32 - 6


def round_significant(value: Decimal, digits: int = SIGNIFICANT_DIGITS) -> Decimal:
    quantum = Decimal(1).scaleb(value.adjusted() - digits + 1)
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def format_price(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _bridge_segment(
    rng: random.Random, start_log: Decimal, end_log: Decimal, days: int, sigma: Decimal
) -> list[Decimal]:
    """Log-prices for days 1..days of a walk pinned to start_log at day 0 and end_log at `days`."""
    walk: list[Decimal] = []
    position = Decimal(0)
    for _ in range(days):
        position += sigma * _standard_normal(rng)
        walk.append(position)
    final = walk[-1]
    return [
        start_log + (end_log - start_log) * k / days + walk[k - 1] - final * k / days
        for k in range(1, days + 1)
    ]


def _volatile_series(symbol: str, end: date, rng: random.Random) -> Iterator[tuple[date, Decimal]]:
    anchors = ANCHORS[symbol]
    sigma = VOLATILITY[symbol]
    first_day, first_price = anchors[0]
    log_prices: list[Decimal] = [Decimal(first_price).ln()]
    for (day0, _), (day1, price1) in pairwise(anchors):
        log_prices.extend(
            _bridge_segment(rng, log_prices[-1], Decimal(price1).ln(), (day1 - day0).days, sigma)
        )
    # Past the last anchor the walk runs free (only when asked for dates beyond the bundled end).
    extra_days = (end - anchors[-1][0]).days
    for _ in range(max(extra_days, 0)):
        log_prices.append(log_prices[-1] + sigma * _standard_normal(rng))
    for offset, log_price in enumerate(log_prices):
        day = first_day + timedelta(days=offset)
        if day > end:
            break
        yield day, round_significant(log_price.exp())


def _usdc_series(end: date, rng: random.Random) -> Iterator[tuple[date, Decimal]]:
    day = USDC_START
    while day <= end:
        noise = rng.randint(-USDC_NOISE_BASIS_POINTS, USDC_NOISE_BASIS_POINTS)
        yield day, Decimal(1) + Decimal(noise).scaleb(-4)
        day += timedelta(days=1)


def generate_series(symbol: str, *, end: date, seed: int) -> list[tuple[date, Decimal]]:
    """One asset's daily synthetic prices from its first day through `end`. Each asset has its own
    random stream, so a series never changes when another asset's anchors do."""
    rng = random.Random(f"{seed}:{symbol}")
    with localcontext() as context:
        context.prec = 34
        if symbol == "USDC":
            return list(_usdc_series(end, rng))
        return list(_volatile_series(symbol, end, rng))


def build_offline_csv(path: Path | str, end: date, seed: int) -> int:
    """Write the gzipped CSV (date,symbol,price) for every demo asset through `end`; returns the row count.
    Deterministic: the same (end, seed) gives the same bytes (the gzip header carries no time or name)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["date", "symbol", "price"])
    rows = 0
    for symbol in DEMO_SYMBOLS:
        for day, price in generate_series(symbol, end=end, seed=seed):
            writer.writerow([day.isoformat(), symbol, format_price(price)])
            rows += 1
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(text.getvalue().encode("ascii"))
    return rows


@lru_cache(maxsize=4)
def load_offline_history(path: Path = DATA_PATH) -> dict[str, list[tuple[date, Decimal]]]:
    """The bundled series by symbol, each sorted by date. Cached: the file is read once per process."""
    history: dict[str, list[tuple[date, Decimal]]] = {}
    with gzip.open(path, "rt", encoding="ascii", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            history.setdefault(row["symbol"], []).append(
                (date.fromisoformat(row["date"]), Decimal(row["price"]))
            )
    for series in history.values():
        series.sort()
    return history


@lru_cache(maxsize=2)
def _extended_history(until: date) -> dict[str, list[tuple[date, Decimal]]]:
    return {symbol: generate_series(symbol, end=until, seed=BUNDLED_SEED) for symbol in DEMO_SYMBOLS}


def offline_history(until: date) -> dict[str, list[tuple[date, Decimal]]]:
    """The offline series through at least `until`: the bundled file, or past its end the same generator
    run further (its days up to BUNDLED_END are identical to the file's), so the demo never goes stale."""
    if until <= BUNDLED_END:
        return load_offline_history()
    return _extended_history(until)


if __name__ == "__main__":
    count = build_offline_csv(DATA_PATH, BUNDLED_END, BUNDLED_SEED)
    print(f"wrote {count} rows through {BUNDLED_END} to {DATA_PATH}")
