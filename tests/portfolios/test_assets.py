"""Asset identity: classes and feeds from the catalogue, ambiguous symbols, unknown symbols flagged in the
import preview, private assets, symbol validation, in every entry point (import, form, API, price file)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from portfolios.assets import AssetError, AssetResolver, asset_for_symbol, asset_lookup, canonical_symbol
from portfolios.importers.assets import UNKNOWN_NOTE, asset_class_guess, asset_note
from portfolios.importing import LedgerImportError, ledger_import
from portfolios.models import Account, Asset, ImportJob, Portfolio, Transaction
from portfolios.pricing.services import PriceImportError, prices_load_csv
from taxes.models import Disposal, WashSaleRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "timestamp,account,type,asset,quantity,unit_price,fee,counter_asset,counter_quantity,to_account,acquired_at,cost_basis,external_id,notes\n"


def lotwise(*rows: str) -> str:
    return HEADER + "".join(row + ",,,,,,,,\n" for row in rows)


def run(user, text: str, **options):  # type: ignore[no-untyped-def]
    return ledger_import(user=user, file=io.StringIO(text), portfolio_name="Main", **options)


def brokerage(*rows: tuple[str, str, str, str, str]) -> str:
    """A brokerage CSV (newest first, as brokers write them): (date, action, symbol, quantity, price)."""
    lines = ['"Date","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount"']
    for day, action, symbol, quantity, price in rows:
        amount = Decimal(quantity) * Decimal(price) if quantity else Decimal(0)
        sign = "-" if action == "Buy" else ""
        lines.append(f'"{day}","{action}","{symbol}","","{quantity}","${price}","","{sign}${amount:,.2f}"')
    return "\n".join(lines) + "\n"


@pytest.fixture
def alice():  # type: ignore[no-untyped-def]
    return UserFactory(username="alice")


@pytest.fixture
def bob():  # type: ignore[no-untyped-def]
    return UserFactory(username="bob")


def shared(symbol: str, asset_class: str) -> Asset:
    return Asset.objects.create(symbol=symbol, name=symbol, asset_class=asset_class)


# --- the class guess -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "source", "expected"),
    [
        ("BTC", "lotwise", "crypto"),
        ("VTI", "lotwise", "etf"),
        ("VTI", "coinbase", "etf"),  # the catalogue settles it, whatever the file
        ("T", "brokerage", "stock"),
        ("T", "coinbase", "crypto"),
        ("T", "lotwise", "crypto"),
        ("ZZQX9", "brokerage", "stock"),
        ("ZZQX9", "kraken", "crypto"),
    ],
)
def test_the_class_guess(symbol: str, source: str, expected: str) -> None:
    assert asset_class_guess(symbol, source=source) == expected


def test_notes_say_why_a_class_needs_checking() -> None:
    assert asset_note("BTC", "crypto") == ""
    assert asset_note("ZZQX9", "crypto") == UNKNOWN_NOTE == "not in the catalogue — check its class"
    assert asset_note("T", "stock") == "also listed as crypto — check its class"
    assert asset_note("VTI", "crypto") == "the catalogue lists it as etf — check its class"


def test_every_catalogue_symbol_is_a_valid_symbol() -> None:
    from portfolios import catalogue
    from portfolios.assets import symbol_error

    assert [e.symbol for e in catalogue.entries() if symbol_error(e.symbol)] == []


def test_canonical_symbols() -> None:
    assert canonical_symbol(" btc ") == "BTC"
    assert canonical_symbol("BRK/B") == "BRK.B"
    assert canonical_symbol("zzqx9") == "ZZQX9"


# --- imports ---------------------------------------------------------------------------------------------


def test_a_fresh_install_imports_btc_eth_and_vti_classified_and_with_their_feeds(alice) -> None:
    assert not Asset.objects.exists()
    summary = run(
        alice,
        lotwise(
            "2024-01-02T15:00:00Z,Exchange,buy,BTC,0.5,42000",
            "2024-01-02T15:01:00Z,Exchange,buy,ETH,2,2300",
            "2024-01-02T15:02:00Z,Broker,buy,VTI,10,235",
        ),
    )
    found = {
        a.symbol: (a.asset_class, a.price_source, a.price_source_id, a.name, a.owner_id)
        for a in Asset.objects.all()
    }
    assert found == {
        "BTC": ("crypto", "coingecko", "bitcoin", "Bitcoin", None),
        "ETH": ("crypto", "coingecko", "ethereum", "Ethereum", None),
        "VTI": ("etf", "yahoo", "VTI", "Vanguard Total Stock Market ETF", None),
    }
    assert [(n.symbol, n.asset_class, n.note) for n in summary.new_assets] == [
        ("BTC", "crypto", ""),
        ("ETH", "crypto", ""),
        ("VTI", "etf", ""),
    ]
    assert summary.assets_created == ["BTC", "ETH", "VTI"]


def test_vti_from_a_brokerage_file_is_an_etf_and_its_wash_sale_applies(alice) -> None:
    # Bought 10 at 250, sold at 230 (a 200 loss), bought 10 again at 231 eleven days later.
    text = brokerage(
        ("03/12/2024", "Buy", "VTI", "10", "231.00"),
        ("03/01/2024", "Sell", "VTI", "10", "230.00"),
        ("01/10/2024", "Buy", "VTI", "10", "250.00"),
    )
    summary = run(alice, text)
    assert summary.source_format == "brokerage"
    vti = Asset.objects.get(symbol="VTI")
    assert (vti.asset_class, vti.price_source, vti.price_source_id) == ("etf", "yahoo", "VTI")
    sale = Disposal.objects.get(asset=vti)
    assert sale.wash_disallowed == Decimal(200)
    assert sale.gain == Decimal(0)
    assert WashSaleRecord.objects.filter(portfolio=summary.portfolio).count() == 1


def test_an_ambiguous_symbol_is_the_stock_in_a_brokerage_file_and_the_coin_in_an_exchange_export(alice, bob):
    run(alice, brokerage(("01/10/2024", "Buy", "T", "100", "16.50")))
    at_t = Asset.objects.get(symbol="T")
    assert (at_t.asset_class, at_t.name, at_t.price_source, at_t.price_source_id) == (
        "stock",
        "AT&T Inc.",
        "yahoo",
        "T",
    )
    coinbase = (
        "Timestamp,Transaction Type,Asset,Quantity Transacted,USD Spot Price at Transaction,USD Subtotal,"
        "USD Total (inclusive of fees),USD Fees,Notes\n"
        "2024-02-01T15:00:00Z,Buy,T,1000,0.02,20.00,21.00,1.00,\n"
    )
    summary = run(bob, coinbase)
    ((new,),) = [summary.new_assets]
    assert (new.symbol, new.asset_class, new.note) == (
        "T",
        "crypto",
        "also listed as stock — check its class",
    )
    assert sorted(Asset.objects.filter(symbol="T").values_list("asset_class", "price_source_id")) == [
        ("crypto", "threshold-network-token"),
        ("stock", "T"),
    ]
    # Each file's rows went to its own asset.
    assert Transaction.objects.get(portfolio__owner=alice).asset.asset_class == "stock"
    assert Transaction.objects.get(portfolio__owner=bob).asset.asset_class == "crypto"


def test_in_a_lotwise_file_an_ambiguous_symbol_is_the_one_the_user_holds(alice, bob) -> None:
    run(alice, brokerage(("01/10/2024", "Buy", "T", "100", "16.50")))
    run(bob, lotwise("2024-01-02T15:00:00Z,Wallet,buy,T,1000,0.02"))  # Bob's is the coin (the guess)
    summary = run(alice, lotwise("2024-03-02T15:00:00Z,Brokerage,sell,T,10,17"))
    assert summary.new_assets == []
    assert Transaction.objects.get(portfolio__owner=alice, type="sell").asset.asset_class == "stock"


def test_a_symbol_the_user_has_as_one_asset_stays_that_asset(alice) -> None:
    run(alice, lotwise("2024-01-02T15:00:00Z,Exchange,buy,ZZQX9,5,10"))
    run(alice, brokerage(("01/10/2024", "Buy", "ZZQX9", "1", "11.00")))
    assert Asset.objects.filter(symbol="ZZQX9").count() == 1


def test_an_unknown_symbol_is_flagged_private_and_never_silently_crypto(alice, bob) -> None:
    summary = run(alice, lotwise("2024-01-02T15:00:00Z,Exchange,buy,ZZQX9,5,10"), dry_run=True)
    ((new,),) = [summary.new_assets]
    assert (new.symbol, new.asset_class, new.note, new.private) == ("ZZQX9", "crypto", UNKNOWN_NOTE, True)
    assert not Asset.objects.exists()  # a preview keeps nothing

    run(alice, lotwise("2024-01-02T15:00:00Z,Exchange,buy,ZZQX9,5,10"), asset_classes={"zzqx9": "stock"})
    junk = Asset.objects.get(symbol="ZZQX9")
    assert (junk.asset_class, junk.owner, junk.price_source, junk.price_source_id) == (
        "stock",
        alice,
        "yahoo",
        "ZZQX9",
    )
    # Bob's file with the same symbol makes Bob's own asset, never Alice's.
    run(bob, lotwise("2024-01-02T15:00:00Z,Exchange,buy,ZZQX9,1,10"))
    assert sorted(Asset.objects.filter(symbol="ZZQX9").values_list("owner__username", "asset_class")) == [
        ("alice", "stock"),
        ("bob", "crypto"),
    ]


@pytest.mark.parametrize("symbol", ["BAD SYMBOL", "B$D", "ÉTÉ"])
def test_an_invalid_symbol_is_a_line_numbered_error(alice, symbol: str) -> None:
    text = lotwise(
        "2024-01-02T15:00:00Z,Exchange,buy,BTC,1,42000",
        f"2024-01-03T15:00:00Z,Exchange,buy,{symbol},1,1",
    )
    with pytest.raises(LedgerImportError) as caught:
        run(alice, text)
    ((line, field, message),) = [(e.line, e.field, e.message) for e in caught.value.errors]
    assert (line, field) == (3, "asset")
    assert "is not a symbol: a symbol is 1 to 20 letters, digits, '.', '-' or '_'" in message
    assert not Asset.objects.exists()


def test_the_resolver_honours_a_class_chosen_for_an_ambiguous_symbol(alice) -> None:
    resolver = AssetResolver(user=alice, source="brokerage", classes={"T": "crypto"})
    asset = resolver.resolve("t")
    assert (asset.asset_class, asset.price_source_id, asset.owner_id) == (
        "crypto",
        "threshold-network-token",
        None,
    )
    assert resolver.resolve("T") is asset
    assert resolver.created[0].chosen


# --- the import preview ----------------------------------------------------------------------------------


def _upload(client, text: str):  # type: ignore[no-untyped-def]
    data = {
        "file": SimpleUploadedFile("ledger.csv", text.encode(), content_type="text/csv"),
        "basis_method": "fifo",
        "new_portfolio": "Main",
    }
    response = client.post(reverse("portfolios:import_upload"), data)
    assert response.status_code == 302, response.content.decode()
    return ImportJob.objects.latest("id")


def test_the_preview_lists_new_assets_flags_the_unknown_and_applies_the_chosen_class(client, alice) -> None:
    client.force_login(alice)
    job = _upload(
        client,
        lotwise(
            "2024-01-02T15:00:00Z,Exchange,buy,BTC,1,42000",
            "2024-01-03T15:00:00Z,Exchange,buy,ZZQX9,5,10",
        ),
    )
    url = reverse("portfolios:import_preview", kwargs={"job_id": job.pk})
    html = client.get(url).content.decode()
    assert 'id="import-new-assets"' in html
    assert "not in the catalogue — check its class" in html
    assert "1 to check" in html
    assert '<select name="class_ZZQX9"' in html
    assert '<option value="crypto" selected>Crypto</option>' in html  # the guess, shown, to be checked
    assert '<select name="class_BTC"' in html

    # Preview again with another class: the job keeps the choice and the preview shows it.
    again = client.post(url, {"action": "reclassify", "class_ZZQX9": "etf", "class_BTC": "crypto"})
    assert again.status_code == 302
    job.refresh_from_db()
    assert job.asset_classes == {"ZZQX9": "etf", "BTC": "crypto"}
    assert not job.confirmed
    assert [(n["symbol"], n["asset_class"]) for n in job.summary["new_assets"]] == [
        ("BTC", "crypto"),
        ("ZZQX9", "etf"),
    ]
    assert not Asset.objects.exists()

    # Confirming with the form posts the classes once more; a class that is not one is ignored.
    done = client.post(url, {"class_ZZQX9": "bond", "class_BTC": "cash"})
    assert done.status_code == 302
    assert done["Location"] == reverse("portfolios:import_done", kwargs={"job_id": job.pk})
    assert sorted(Asset.objects.values_list("symbol", "asset_class", "owner__username")) == [
        ("BTC", "crypto", None),
        ("ZZQX9", "bond", "alice"),
    ]
    assert "ZZQX9 (bond)" in client.get(done["Location"]).content.decode()


def test_a_preview_job_takes_classes_only_for_its_own_new_symbols(client, alice) -> None:
    client.force_login(alice)
    job = _upload(client, lotwise("2024-01-02T15:00:00Z,Exchange,buy,ZZQX9,5,10"))
    url = reverse("portfolios:import_preview", kwargs={"job_id": job.pk})
    client.post(url, {"action": "reclassify", "class_ZZQX9": "stock", "class_OTHER": "etf"})
    job.refresh_from_db()
    assert job.asset_classes == {"ZZQX9": "stock"}


# --- forms -----------------------------------------------------------------------------------------------


@pytest.fixture
def alice_book(alice):  # type: ignore[no-untyped-def]
    portfolio = Portfolio.objects.create(owner=alice, name="Main")
    Account.objects.create(portfolio=portfolio, name="Exchange")
    return portfolio


def _add(client, portfolio, **fields):  # type: ignore[no-untyped-def]
    data = {
        "type": "buy",
        "account": portfolio.accounts.get().pk,
        "timestamp": "2024-03-01T14:00",
        "quantity": "2",
        "unit_price": "10",
        "fee": "",
        "notes": "",
        **fields,
    }
    url = reverse("portfolios:transaction_add", kwargs={"portfolio_id": portfolio.pk}) + "?type=buy"
    return client.post(url, data)


def test_the_form_offers_catalogue_and_own_assets_never_another_users(client, alice, bob, alice_book) -> None:
    Asset.objects.create(symbol="BOBJUNK", name="BOBJUNK", asset_class="crypto", owner=bob)
    Asset.objects.create(symbol="MINE", name="MINE", asset_class="crypto", owner=alice)
    shared("T", "stock")
    shared("T", "crypto")
    shared("BTC", "crypto")
    client.force_login(alice)
    url = reverse("portfolios:transaction_add", kwargs={"portfolio_id": alice_book.pk}) + "?type=buy"
    html = client.get(url).content.decode()
    assert "BOBJUNK" not in html
    assert ">MINE</option>" in html
    assert ">BTC</option>" in html
    assert ">T (crypto)</option>" in html
    assert ">T (stock)</option>" in html
    assert 'name="asset_symbol"' in html

    # Typing Bob's symbol does not reach Bob's asset: it is unknown to Alice, and needs a class.
    response = _add(client, alice_book, asset_symbol="bobjunk")
    assert response.status_code == 200
    errors = response.context["form"].errors["asset"]
    assert errors == [
        "BOBJUNK is not in the catalogue, so its class is needed. Pick its class next to the symbol; the "
        "new asset is visible to you only."
    ]
    # Posting Bob's asset id is refused as not a choice.
    bobs = Asset.objects.get(symbol="BOBJUNK")
    response = _add(client, alice_book, asset=bobs.pk)
    assert "Select a valid choice" in response.context["form"].errors["asset"][0]
    assert not Transaction.objects.exists()


def test_the_form_creates_a_catalogue_asset_from_a_typed_symbol(client, alice, alice_book) -> None:
    client.force_login(alice)
    response = _add(client, alice_book, asset_symbol="vti")
    assert response.status_code == 302, response.context["form"].errors
    vti = Transaction.objects.get().asset
    assert (vti.symbol, vti.asset_class, vti.price_source_id, vti.owner_id) == ("VTI", "etf", "VTI", None)


def test_the_form_asks_for_the_class_of_an_ambiguous_or_unknown_symbol(client, alice, alice_book) -> None:
    client.force_login(alice)
    response = _add(client, alice_book, asset_symbol="T")
    assert response.context["form"].errors["asset"] == [
        "T is both Threshold Network (crypto) and AT&T Inc. (stock). Choose it from the list, or pick its "
        "class next to the symbol."
    ]
    assert 'value="T"' in response.content.decode()  # the typed symbol is kept
    response = _add(client, alice_book, asset_symbol="T", asset_class="stock")
    assert response.status_code == 302
    response = _add(client, alice_book, asset_symbol="ZZQX9", asset_class="crypto")
    assert response.status_code == 302
    assert Asset.objects.get(symbol="ZZQX9").owner == alice


def test_a_rejected_form_leaves_no_new_asset_behind(client, alice, alice_book) -> None:
    client.force_login(alice)
    # A sale of what the account does not hold is refused by the service after the asset was made.
    data = {"type": "sell", "asset_symbol": "ZZQX9", "asset_class": "crypto"}
    url = reverse("portfolios:transaction_add", kwargs={"portfolio_id": alice_book.pk}) + "?type=sell"
    payload = {
        "account": alice_book.accounts.get().pk,
        "timestamp": "2024-03-01T14:00",
        "quantity": "2",
        "unit_price": "10",
        **data,
    }
    response = client.post(url, payload)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Asset.objects.exists()


@pytest.mark.parametrize("typed", ["BAD SYMBOL", "x" * 21, "B$D"])
def test_the_form_says_what_a_symbol_is(client, alice, alice_book, typed: str) -> None:
    client.force_login(alice)
    response = _add(client, alice_book, asset_symbol=typed, asset_class="crypto")
    assert response.status_code == 200
    (error,) = response.context["form"].errors["asset"]
    assert "is not a symbol: a symbol is 1 to 20 letters, digits, '.', '-' or '_'." in error
    assert not Asset.objects.exists()


def test_choosing_from_the_list_and_typing_a_symbol_is_refused(client, alice, alice_book) -> None:
    btc = shared("BTC", "crypto")
    client.force_login(alice)
    response = _add(client, alice_book, asset=btc.pk, asset_symbol="ETH")
    assert response.context["form"].errors["asset"] == [
        "Choose an asset from the list or type a symbol, not both."
    ]


# --- the API ---------------------------------------------------------------------------------------------


@pytest.fixture
def api(alice):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(alice)
    return client


def _post(api, portfolio, asset, **extra):  # type: ignore[no-untyped-def]
    payload = {
        "account": portfolio.accounts.get().pk,
        "type": "buy",
        "timestamp": "2024-02-01T10:00:00Z",
        "asset": asset,
        "quantity": "1",
        "unit_price": "20",
        **extra,
    }
    return api.post(f"/api/portfolios/{portfolio.pk}/transactions/", payload, format="json")


def test_api_asset_by_symbol_label_or_id_and_a_clear_400_when_ambiguous(api, alice_book) -> None:
    stock, coin = shared("T", "stock"), shared("T", "crypto")
    response = _post(api, alice_book, "T")
    assert response.status_code == 400
    assert response.json() == {
        "asset": [
            "T is more than one asset: T (crypto), T (stock). Send 'T (crypto)' or 'T (stock)', or the "
            "asset's id."
        ]
    }
    assert not Transaction.objects.exists()

    by_label = _post(api, alice_book, "T (stock)")
    assert by_label.status_code == 201, by_label.json()
    assert by_label.json()["asset"] == "T (stock)"  # what the API writes back, ready to be sent again
    by_id = _post(api, alice_book, coin.pk)
    assert by_id.status_code == 201, by_id.json()
    assert by_id.json()["asset"] == "T (crypto)"
    assert [t.asset_id for t in Transaction.objects.order_by("id")] == [stock.pk, coin.pk]
    # A PATCH that does not touch the asset round-trips its label.
    tx_id = by_label.json()["id"]
    patched = api.patch(
        f"/api/portfolios/{alice_book.pk}/transactions/{tx_id}/", {"notes": "AT&T"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert Transaction.objects.get(pk=tx_id).asset_id == stock.pk


def test_api_creates_a_catalogue_asset_from_its_symbol(api, alice_book) -> None:
    response = _post(api, alice_book, "BTC")
    assert response.status_code == 201, response.json()
    btc = Asset.objects.get()
    assert (btc.symbol, btc.asset_class, btc.price_source_id, btc.owner_id) == (
        "BTC",
        "crypto",
        "bitcoin",
        None,
    )


def test_api_never_reaches_another_users_asset(api, bob, alice_book) -> None:
    junk = Asset.objects.create(symbol="BOBJUNK", name="BOBJUNK", asset_class="crypto", owner=bob)
    by_symbol = _post(api, alice_book, "BOBJUNK")
    assert by_symbol.status_code == 400
    assert by_symbol.json() == {
        "asset": [
            "BOBJUNK is not in the catalogue, so its class is needed. Send it with its class, e.g. "
            "'BOBJUNK (crypto)'; the new asset is visible to you only."
        ]
    }
    by_id = _post(api, alice_book, junk.pk)
    assert by_id.status_code == 400
    assert by_id.json() == {"asset": [f"No asset with id {junk.pk}."]}
    # With a class Alice gets an asset of her own; Bob's is untouched.
    own = _post(api, alice_book, "BOBJUNK (crypto)")
    assert own.status_code == 201, own.json()
    assert sorted(Asset.objects.values_list("symbol", "owner__username")) == [
        ("BOBJUNK", "alice"),
        ("BOBJUNK", "bob"),
    ]


@pytest.mark.parametrize("written", ["BAD SYMBOL", "B$D (crypto)", "x" * 25])
def test_api_symbol_validation_is_a_field_error(api, alice_book, written: str) -> None:
    response = _post(api, alice_book, written)
    assert response.status_code == 400
    assert list(response.json()) == ["asset"]
    assert "is not a symbol" in response.json()["asset"][0]
    assert not Asset.objects.exists()


# --- the service -----------------------------------------------------------------------------------------


def test_lookup_prefers_the_users_own_and_saving_is_idempotent(alice) -> None:
    first = asset_for_symbol(user=alice, symbol="eth")
    again = asset_for_symbol(user=alice, symbol="ETH")
    assert first.pk == again.pk
    with pytest.raises(AssetError) as caught:
        asset_lookup(user=alice, symbol="ZZQX9", asset_class="cash")
    assert "not an asset class" in caught.value.message


def test_another_users_asset_is_refused_by_the_ledger_service(alice, bob, alice_book) -> None:
    from portfolios.services import TransactionData, transaction_record

    junk = Asset.objects.create(symbol="BOBJUNK", name="BOBJUNK", asset_class="crypto", owner=bob)
    data = TransactionData(
        account=alice_book.accounts.get(),
        type="buy",
        timestamp=datetime(2024, 1, 2, tzinfo=UTC),
        quantity=Decimal(1),
        asset=junk,
        unit_price=Decimal(1),
    )
    with pytest.raises(Exception, match="Unknown asset"):
        transaction_record(portfolio=alice_book, data=data)


# --- the price file --------------------------------------------------------------------------------------


def test_a_price_file_names_an_ambiguous_symbol_with_its_class(alice) -> None:
    stock, coin = shared("T", "stock"), shared("T", "crypto")
    Asset.objects.create(symbol="MINE", name="MINE", asset_class="crypto", owner=alice)
    text = "date,asset,price\n2024-01-02,T,16.5\n2024-01-02,MINE,1\n"
    with pytest.raises(PriceImportError) as caught:
        prices_load_csv(file=io.StringIO(text))
    assert caught.value.errors == [
        (2, "asset", "'T' is more than one asset: write 'T (crypto)' or 'T (stock)'"),
        (3, "asset", "unknown asset symbol 'MINE'"),
    ]
    result = prices_load_csv(
        file=io.StringIO("date,asset,price\n2024-01-02,T (stock),16.5\n2024-01-02,t (crypto),0.02\n")
    )
    assert result.created == 2
    assert stock.quotes.get().price == Decimal("16.5")
    assert coin.quotes.get().price == Decimal("0.02")


# --- the migration's data step ---------------------------------------------------------------------------


def test_existing_assets_get_their_feeds_and_unknown_ones_their_only_user(alice, bob) -> None:
    import importlib

    migration = importlib.import_module("portfolios.migrations.0005_asset_identity_owner_prices")
    btc = Asset.objects.create(symbol="BTC", name="BTC", asset_class="crypto")
    junk = Asset.objects.create(symbol="JUNK", name="JUNK", asset_class="crypto")
    both = Asset.objects.create(symbol="BOTH", name="BOTH", asset_class="crypto")
    unused = Asset.objects.create(symbol="UNUSED", name="UNUSED", asset_class="crypto")
    for user, assets in ((alice, (junk, both)), (bob, (both,))):
        portfolio = Portfolio.objects.create(owner=user, name="Main")
        account = Account.objects.create(portfolio=portfolio, name="Exchange")
        for asset in assets:
            Transaction.objects.create(
                portfolio=portfolio,
                account=account,
                type="buy",
                timestamp=datetime(2024, 1, 2, tzinfo=UTC) + timedelta(minutes=asset.pk),
                asset=asset,
                quantity=Decimal(1),
                unit_price=Decimal(1),
            )

    migration.fill_from_catalogue(django_apps, None)

    btc.refresh_from_db()
    assert (btc.name, btc.price_source, btc.price_source_id, btc.owner_id) == (
        "Bitcoin",
        "coingecko",
        "bitcoin",
        None,
    )
    assert Asset.objects.get(pk=junk.pk).owner == alice
    assert Asset.objects.get(pk=both.pk).owner is None  # used by two owners: left shared
    assert Asset.objects.get(pk=unused.pk).owner is None


def test_the_import_command_lists_new_assets_and_takes_their_classes(alice, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    path = tmp_path / "ledger.csv"
    path.write_text(
        lotwise("2024-01-02T15:00:00Z,Exchange,buy,ZZQX9,5,10", "2024-01-02T15:01:00Z,Exchange,buy,VTI,1,235")
    )
    call_command("import_ledger", str(path), "--user", "alice", "--dry-run")
    out = capsys.readouterr().out
    assert "Assets created: ZZQX9 (crypto), VTI (etf)" in out
    assert "  ZZQX9: crypto, not in the catalogue — check its class" in out
    call_command("import_ledger", str(path), "--user", "alice", "--asset-class", "zzqx9=bond")
    assert Asset.objects.get(symbol="ZZQX9").asset_class == "bond"
