import ast
import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from portfolios import catalogue
from portfolios.catalogue import (
    CATALOGUE_PATH,
    CatalogueEntry,
    CatalogueError,
    entries,
    get,
    guess_class,
    lookup,
    parse_catalogue,
)
from portfolios.models import AssetClass
from portfolios.pricing.offline import DEMO_ASSETS

HEADER = "symbol,asset_class,name,price_source,price_source_id\n"


def raw_rows() -> list[dict[str, str]]:
    with CATALOGUE_PATH.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_bundled_file_parses():
    found = entries()
    assert len(found) == len(raw_rows())
    assert all(isinstance(entry, CatalogueEntry) for entry in found)
    counts = Counter(entry.asset_class for entry in found)
    # Roughly the top coins, the major ETFs and the S&P 100: a shrunken file is a mistake.
    assert counts["crypto"] + counts["stablecoin"] >= 100
    assert counts["etf"] >= 100
    assert counts["stock"] >= 100


def test_entries_are_read_once():
    assert entries() is entries()


def test_every_class_is_a_model_asset_class_and_never_cash():
    classes = {row["asset_class"] for row in raw_rows()}
    assert classes <= set(AssetClass.values)
    assert AssetClass.CASH not in classes


def test_no_symbol_is_listed_twice_in_one_class():
    keys = Counter((row["symbol"], row["asset_class"]) for row in raw_rows())
    assert [key for key, count in keys.items() if count > 1] == []


def test_every_digital_row_has_a_coingecko_id():
    digital = [row for row in raw_rows() if row["asset_class"] in {"crypto", "stablecoin"}]
    assert digital
    for row in digital:
        assert row["price_source"] == "coingecko", row
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", row["price_source_id"]), row


def test_every_security_row_is_priced_by_its_ticker():
    securities = [row for row in raw_rows() if row["asset_class"] in {"etf", "stock", "bond"}]
    assert securities
    for row in securities:
        assert row["price_source"] == "yahoo", row
        # Yahoo writes a share class with a dash (BRK-B) where brokers write a dot (BRK.B).
        assert row["price_source_id"] == row["symbol"].replace(".", "-"), row


@pytest.mark.parametrize(
    ("symbol", "asset_class", "coingecko_id"),
    [
        ("BTC", "crypto", "bitcoin"),
        ("ETH", "crypto", "ethereum"),
        ("SOL", "crypto", "solana"),
        ("ADA", "crypto", "cardano"),
        ("DOT", "crypto", "polkadot"),
        ("AVAX", "crypto", "avalanche-2"),
        ("LINK", "crypto", "chainlink"),
        ("USDC", "stablecoin", "usd-coin"),
        ("USDT", "stablecoin", "tether"),
        ("DAI", "stablecoin", "dai"),
    ],
)
def test_well_known_coins(symbol, asset_class, coingecko_id):
    entry = guess_class(symbol)
    assert entry is not None
    assert (entry.asset_class, entry.price_source, entry.price_source_id) == (
        asset_class,
        "coingecko",
        coingecko_id,
    )


def test_btc_is_crypto_priced_as_bitcoin_whatever_the_case():
    assert guess_class(" btc ") == CatalogueEntry("BTC", "crypto", "Bitcoin", "coingecko", "bitcoin")


def test_vti_is_an_etf():
    assert guess_class("VTI") == CatalogueEntry(
        "VTI", "etf", "Vanguard Total Stock Market ETF", "yahoo", "VTI"
    )


def test_the_demo_assets_agree_with_the_catalogue():
    for symbol, _name, asset_class, coingecko_id in DEMO_ASSETS:
        entry = guess_class(symbol)
        assert entry is not None, symbol
        assert (entry.asset_class, entry.price_source_id) == (asset_class, coingecko_id)


def test_a_symbol_that_is_a_coin_and_a_stock_is_ambiguous():
    # T is AT&T on the NYSE and Threshold Network's token.
    assert sorted(entry.asset_class for entry in lookup("T")) == ["crypto", "stock"]
    assert guess_class("T") is None
    stock = get("T", "stock")
    crypto = get("t", "crypto")
    assert stock is not None
    assert crypto is not None
    assert (stock.name, stock.price_source_id) == ("AT&T Inc.", "T")
    assert crypto.price_source_id == "threshold-network-token"
    assert get("T", "etf") is None


def test_an_unknown_symbol_is_not_guessed():
    assert lookup("NOT-A-TICKER-XYZ") == []
    assert guess_class("NOT-A-TICKER-XYZ") is None
    assert guess_class("") is None


@pytest.mark.parametrize("written", ["BRK.B", "brk.b", "BRK/B", "BRK-B", "BRK B"])
def test_share_classes_match_however_the_broker_writes_them(written):
    entry = guess_class(written)
    assert entry is not None
    assert (entry.symbol, entry.asset_class, entry.price_source_id) == ("BRK.B", "stock", "BRK-B")


def test_lookup_returns_a_fresh_list():
    lookup("BTC").clear()
    assert len(lookup("BTC")) == 1


def test_the_module_reads_no_django_models():
    tree = ast.parse(Path(catalogue.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not {name for name in imported if name.startswith(("django", "portfolios"))}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("symbol,class,name\nBTC,crypto,Bitcoin\n", "line 1: expected the columns"),
        (
            HEADER + "BTC,crypto,Bitcoin,coingecko,bitcoin\nBTC,crypto,Bitcoin,coingecko,bitcoin\n",
            "line 3: BTC as crypto repeats line 2",
        ),
        (HEADER + "BTC,coin,Bitcoin,coingecko,bitcoin\n", "line 2: BTC: unknown asset class 'coin'"),
        (HEADER + "CASH,cash,US dollar,coingecko,usd\n", "unknown asset class 'cash'"),
        (HEADER + "BTC,crypto,Bitcoin,coingecko,\n", "line 2: BTC: empty price_source_id"),
        (HEADER + "BTC,crypto,Bitcoin,yahoo,BTC-USD\n", "crypto rows are priced by 'coingecko', not 'yahoo'"),
        (
            HEADER + "VTI,etf,Vanguard Total Stock Market ETF,coingecko,vti\n",
            "etf rows are priced by 'yahoo', not 'coingecko'",
        ),
        (HEADER + "btc,crypto,Bitcoin,coingecko,bitcoin\n", "line 2: symbol 'btc' is not written as 'BTC'"),
        (HEADER + ",crypto,Bitcoin,coingecko,bitcoin\n", "line 2: empty symbol"),
        (HEADER + "BTC,crypto,,coingecko,bitcoin\n", "line 2: BTC: empty name"),
        (HEADER + "BTC,crypto,Bitcoin,coingecko,bitcoin,extra\n", "line 2: more cells than columns"),
    ],
)
def test_a_malformed_catalogue_names_the_line(text, message):
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(text)


def test_a_coin_and_a_security_may_share_a_symbol_in_the_file():
    parsed = parse_catalogue(
        HEADER + "T,stock,AT&T Inc.,yahoo,T\nT,crypto,Threshold Network,coingecko,threshold-network-token\n"
    )
    assert [(entry.symbol, entry.asset_class) for entry in parsed] == [("T", "stock"), ("T", "crypto")]
