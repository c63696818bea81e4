import gzip
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from portfolios.pricing.offline import (
    ANCHORS,
    BUNDLED_END,
    BUNDLED_SEED,
    DATA_PATH,
    DEMO_ASSETS,
    OFFLINE_IS_SYNTHETIC,
    OFFLINE_NOTICE,
    build_offline_csv,
    generate_series,
    load_offline_history,
)


def test_bundled_file_is_exactly_what_the_generator_builds(tmp_path):
    rebuilt = tmp_path / "offline.csv.gz"
    rows = build_offline_csv(rebuilt, BUNDLED_END, BUNDLED_SEED)
    assert rebuilt.read_bytes() == DATA_PATH.read_bytes()
    assert rows == 22933


def test_generator_is_deterministic_and_the_seed_matters(tmp_path):
    a, b, c = tmp_path / "a.gz", tmp_path / "b.gz", tmp_path / "c.gz"
    build_offline_csv(a, date(2019, 3, 1), seed=1)
    build_offline_csv(b, date(2019, 3, 1), seed=1)
    build_offline_csv(c, date(2019, 3, 1), seed=2)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    text = gzip.decompress(a.read_bytes()).decode()
    assert text.splitlines()[0] == "date,symbol,price"
    assert text.splitlines()[1] == "2018-01-01,BTC,13850"


def test_a_shorter_end_gives_a_prefix_of_the_longer_series():
    long = generate_series("ETH", end=date(2022, 6, 1), seed=5)
    short = generate_series("ETH", end=date(2020, 2, 1), seed=5)
    assert long[: len(short)] == short
    assert short[-1][0] == date(2020, 2, 1)
    # Beyond the last anchor the walk keeps going, one price a day.
    beyond = generate_series("BTC", end=BUNDLED_END + timedelta(days=10), seed=5)
    assert beyond[-1][0] == BUNDLED_END + timedelta(days=10)


def test_series_pass_through_their_anchors_and_start_at_launch():
    history = load_offline_history()
    assert [symbol for symbol, _, _, _ in DEMO_ASSETS] == list(history)
    for symbol, anchors in ANCHORS.items():
        prices = dict(history[symbol])
        assert history[symbol][0][0] == anchors[0][0]
        for day, level in anchors:
            assert prices[day] == Decimal(level), (symbol, day)
    btc = dict(history["BTC"])
    assert btc[date(2018, 1, 1)] == 13850
    assert btc[date(2023, 1, 1)] == 16500
    assert btc[date(2025, 1, 1)] == 94000
    assert history["SOL"][0][0] == date(2020, 4, 10)
    assert history["DOT"][0][0] == date(2020, 8, 20)
    assert history["AVAX"][0][0] == date(2020, 9, 22)
    assert history["USDC"][0][0] == date(2018, 10, 8)


def test_series_are_daily_positive_with_8_significant_digits_and_no_absurd_jumps():
    for symbol, series in load_offline_history().items():
        days = [day for day, _ in series]
        assert days == [days[0] + timedelta(days=n) for n in range(len(days))], symbol
        assert days[-1] == BUNDLED_END
        prices = [price for _, price in series]
        assert all(p > 0 and len(p.normalize().as_tuple().digits) <= 8 for p in prices), symbol
        assert all(max(b / a, a / b) < 2 for a, b in pairwise(prices)), symbol


def test_usdc_stays_at_one_dollar():
    prices = [price for _, price in load_offline_history()["USDC"]]
    assert min(prices) >= Decimal("0.998")
    assert max(prices) <= Decimal("1.002")
    assert len(set(prices)) > 10  # tiny noise, not a constant


def test_the_notice_says_synthetic():
    assert OFFLINE_IS_SYNTHETIC is True
    assert OFFLINE_NOTICE.startswith("Demo prices are synthetic: ")
