import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections
from pricing_testkit import COINGECKO, buy, json_response, make_asset, utc

from portfolios.models import PriceQuote
from portfolios.pricing.offline import OFFLINE_NOTICE

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_refresh_prices_reports_counts(no_network, account):
    btc = make_asset("BTC", "bitcoin")
    buy(account, btc, utc(2025, 6, 1))
    route = no_network.get(f"{COINGECKO}/simple/price").mock(
        return_value=json_response("coingecko_simple_price_bitcoin_ethereum.json")
    )

    out, err = run("refresh_prices")

    assert route.calls[0].request.url.params["ids"] == "bitcoin"
    assert out == "Latest prices: 1 created, 0 updated, 0 refused.\n"
    assert err == ""
    assert PriceQuote.objects.get(asset=btc).price == Decimal("91234.56")


@time_machine.travel(utc(2019, 1, 1, 8), tick=False)
def test_refresh_prices_offline_says_so(no_network, account):
    btc = make_asset("BTC", "bitcoin")
    buy(account, btc, utc(2018, 6, 1))
    make_asset("XYZ", "xyz-token")
    buy(account, make_asset("ABC", "abc-token"), utc(2018, 6, 1))

    out, err = run("refresh_prices", "--offline", "--history")

    assert out.splitlines() == [
        "Latest prices from the bundled offline history: 366 created, 0 updated, 0 refused.",
        f"Offline prices were asked for. {OFFLINE_NOTICE}",
        "History from the bundled offline history: 0 created, 366 updated, 0 refused.",
        f"Offline prices were asked for. {OFFLINE_NOTICE}",
    ]
    assert err.splitlines() == ["warning: No offline history for ABC."] * 2
    assert not no_network.calls


def test_refresh_prices_fails_cleanly_when_the_api_refuses(no_network, account):
    buy(account, make_asset("BTC", "bitcoin"), utc(2025, 6, 1))
    no_network.get(f"{COINGECKO}/simple/price").mock(
        return_value=json_response("coingecko_error_401.json", status=401)
    )
    with pytest.raises(CommandError, match="CoinGecko refused GET /simple/price: HTTP 401 Unauthorized"):
        run("refresh_prices")


def test_load_prices_imports_a_file(tmp_path):
    make_asset("BTC", "bitcoin")
    make_asset("VTI", asset_class="etf")
    path = tmp_path / "prices.csv"
    path.write_text("date,asset,price\n2024-01-02,BTC,44951.01\n2024-01-02,VTI,237.91\n", encoding="utf-8")

    out, _ = run("load_prices", str(path))
    again, _ = run("load_prices", str(path))

    assert out == "2 created, 0 updated, 0 refused.\n"
    assert again == "0 created, 2 updated, 0 refused.\n"


def test_load_prices_bad_file_lists_lines_and_exits_1_without_traceback(tmp_path, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends, which would close the test database.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    make_asset("BTC", "bitcoin")
    path = tmp_path / "prices.csv"
    path.write_text("date,asset,price\n2024-01-02,BTC,44951.01\n2024-01-03,DOGE,0.1\n2024-13-01,BTC,-1\n")

    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["manage.py", "load_prices", str(path)])

    assert caught.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    # The log line of the refused number (logger "lotwise.prices") goes to stderr as well.
    lines = captured.err.splitlines()
    assert "price refused: asset=BTC at=2024-13-01 value=-1 reason=negative price" in lines
    assert [line for line in lines if not line.startswith("price refused:")] == [
        "line 3, asset: unknown asset symbol 'DOGE'",
        "line 4, date: '2024-13-01' is not a date (YYYY-MM-DD)",
        "line 4, price: '-1': negative price",
        f"CommandError: {path}: 3 problem(s) in the price file; nothing was imported",
    ]
    assert "Traceback" not in captured.err
    assert PriceQuote.objects.count() == 0


def test_load_prices_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*nope\.csv: No such file or directory"):
        run("load_prices", str(tmp_path / "nope.csv"))


def test_load_prices_demo(tmp_path):
    out, _ = run("load_prices", "--demo", "--until", "2018-01-10")
    assert out.splitlines() == [OFFLINE_NOTICE, "40 created, 0 updated, 0 refused."]
    with pytest.raises(CommandError, match="either a CSV file or --demo"):
        run("load_prices")
