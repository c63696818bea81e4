"""Export an owner's whole account as JSON and restore it into an empty account: the same lots, gains and
year-end summaries; a non-empty account or a malformed file is refused whole, naming the JSON path."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from portfolios import account_services
from portfolios.assets import asset_for_symbol
from portfolios.backup import RestoreError, account_export, account_restore
from portfolios.models import Asset, OwnerPrice, Portfolio, Transaction, User
from portfolios.owner_prices import owner_price_set
from portfolios.services import TransactionData, transaction_record
from rebalancing.models import Policy, Target
from rebalancing.target_services import policy_update, target_set
from taxes.exports import render
from taxes.models import Disposal, TaxLot, TaxProfile
from taxes.summary import year_summary
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
YEARS = (2024, 2025, 2026)


def at(year: int, month: int, day: int, hour: int = 15) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def rec(
    account: Any, typ: str, when: datetime, qty: str, asset: Asset | None = None, **kw: Any
) -> Transaction:
    data = TransactionData(account=account, type=typ, timestamp=when, quantity=D(qty), asset=asset, **kw)
    return transaction_record(portfolio=account.portfolio, data=data)


@pytest.fixture
def alice() -> User:
    """Two portfolios, an IRA, a transfer, a specific-ID sale after a basis-method change, a wash sale whose
    replacement is in the other portfolio, a private fund with an entered price, a target (two versions),
    a policy and a tax profile."""
    user = UserFactory(username="alice", timezone="America/New_York")
    main = account_services.portfolio_create(owner=user, name="Main")
    other = account_services.portfolio_create(owner=user, name="Second")
    broker = account_services.account_create(
        portfolio=main, name="Broker", kind="brokerage", reporting="basis_reported", custodian="Fidelity"
    )
    ira = account_services.account_create(portfolio=main, name="IRA", kind="traditional_ira")
    exchange = account_services.account_create(portfolio=main, name="Exchange", kind="exchange")
    wallet = account_services.account_create(portfolio=main, name="Wallet", kind="wallet")
    second = account_services.account_create(portfolio=other, name="Other broker", kind="brokerage")
    spy = asset_for_symbol(user=user, symbol="SPY")
    btc = asset_for_symbol(user=user, symbol="BTC")
    fund = asset_for_symbol(user=user, symbol="ZZFUND", asset_class="stock")
    assert fund.owner_id == user.pk

    first_btc = rec(exchange, "buy", at(2024, 1, 10), "1", btc, unit_price=D("20000"), external_id="cb-1")
    second_btc = rec(exchange, "buy", at(2024, 5, 1), "1", btc, unit_price=D("30000.123456789012345678"))
    rec(exchange, "sell", at(2024, 8, 1), "0.2", btc, unit_price=D("23000"), fee=D("1.25"))
    account_services.account_method_change(
        account=exchange, method="specific_id", effective_from=date(2025, 1, 1)
    )
    rec(
        exchange,
        "sell",
        at(2025, 3, 1),
        "0.5",
        btc,
        unit_price=D("25000"),
        lot_picks=((second_btc.pk, D("0.4")), (first_btc.pk, D("0.1"))),
        notes="picked the dear lot",
    )
    rec(exchange, "transfer", at(2025, 4, 1), "0.3", btc, to_account=wallet, fee=D("2"))
    rec(broker, "buy", at(2025, 1, 3), "10", spy, unit_price=D("400"))
    rec(broker, "buy", at(2025, 1, 3), "5", spy, unit_price=D("401"))  # same moment: order must survive
    rec(ira, "buy", at(2025, 1, 5), "3", spy, unit_price=D("399"))
    rec(broker, "sell", at(2025, 6, 1), "10", spy, unit_price=D("380"))
    rec(second, "buy", at(2025, 6, 10), "10", spy, unit_price=D("385"))  # wash sale across portfolios
    rec(broker, "buy", at(2025, 3, 1), "100", fund, unit_price=D("10"))
    rec(broker, "sell", at(2026, 2, 1), "40", fund, unit_price=D("12.5"))
    owner_price_set(owner=user, asset=fund, day=date(2026, 1, 2), price=D("12.5"))

    target_set(portfolio=main, weights={spy.pk: D("0.6"), btc.pk: D("0.4")})
    target_set(portfolio=main, weights={spy.pk: D("0.5"), btc.pk: D("0.3"), fund.pk: D("0.2")})
    policy_update(
        portfolio=main,
        band_mode="absolute",
        band_absolute=D("0.04"),
        min_trade=D("50"),
        calendar="quarterly",
        account_costs={str(broker.pk): {"fee_bps": "10", "fee_fixed": "0"}},
    )
    TaxProfile.objects.create(
        owner=user,
        year=2025,
        filing_status="mfj",
        other_ordinary_income=D("85000.50"),
        state="CA",
        state_rate=D("0.093"),
        carryforward_short=D("1000"),
    )
    return user


def lots(user: User) -> list[tuple[Any, ...]]:
    return sorted(
        (
            lot.portfolio.name,
            lot.account.name,
            lot.asset.symbol,
            lot.asset.asset_class,
            lot.asset.owner_id is not None,
            lot.source,
            lot.quantity,
            lot.basis,
            lot.acquired,
            lot.received,
            lot.long_term_from,
            lot.loss_basis,
            lot.wash_adjustment,
        )
        for lot in TaxLot.objects.filter(portfolio__owner=user).select_related(
            "portfolio", "account", "asset"
        )
    )


def disposals(user: User) -> list[tuple[Any, ...]]:
    return sorted(
        (
            d.portfolio.name,
            d.account.name,
            d.asset.symbol,
            d.kind,
            d.quantity,
            d.acquired,
            d.disposed,
            d.proceeds,
            d.basis,
            d.gain,
            d.term,
            d.taxable,
            d.wash_disallowed,
        )
        for d in Disposal.objects.filter(portfolio__owner=user).select_related(
            "portfolio", "account", "asset"
        )
    )


def summary_json(user: User, year: int) -> dict[str, Any]:
    doc = json.loads(render(year_summary(owner=user, year=year), "json").content)
    for key in ("generated_at", "computed_at"):
        doc["metadata"].pop(key)
    doc.pop("owner")
    return doc


def exported(user: User) -> dict[str, Any]:
    # Through text, as a file would travel.
    doc = json.loads(json.dumps(account_export(user=user)))
    doc.pop("exported_at")
    return doc


def test_round_trip_gives_identical_lots_disposals_and_summaries(alice: User) -> None:
    data = json.loads(json.dumps(account_export(user=alice)))
    bob = UserFactory(username="bob")

    summary = account_restore(user=bob, data=data)

    assert (summary.portfolios, summary.accounts, summary.transactions) == (2, 5, 12)
    assert (summary.tax_profiles, summary.owner_prices) == (1, 1)
    bob.refresh_from_db()
    assert bob.timezone == "America/New_York"
    assert lots(bob) == lots(alice)
    assert disposals(bob) == disposals(alice)
    assert any(d[-1] > 0 for d in disposals(alice))  # the wash sale is in there
    assert any(lot[-1] > 0 and lot[0] == "Second" for lot in lots(alice))
    for year in YEARS:
        assert summary_json(bob, year) == summary_json(alice, year), year
    # Everything entered comes back: the restored account exports the same document.
    assert exported(bob) == exported(alice)


def test_private_assets_are_recreated_and_shared_ones_reused(alice: User) -> None:
    bob = UserFactory(username="bob")
    account_restore(user=bob, data=account_export(user=alice))

    fund = Asset.objects.get(symbol="ZZFUND", owner=bob)
    assert fund.pk != Asset.objects.get(symbol="ZZFUND", owner=alice).pk
    assert Asset.objects.filter(symbol="SPY").count() == 1
    assert OwnerPrice.objects.get(owner=bob).asset == fund
    target = Target.objects.get(portfolio__owner=bob)
    assert target.version == 2
    assert {v.number for v in target.versions.all()} == {1, 2}
    assert set(target.weights.values_list("asset__symbol", flat=True)) == {"SPY", "BTC", "ZZFUND"}
    policy = Policy.objects.get(portfolio__owner=bob)
    broker = bob.portfolios.get(name="Main").accounts.get(name="Broker")
    assert policy.account_costs == {str(broker.pk): {"fee_bps": "10", "fee_fixed": "0"}}
    assert policy.calendar == "quarterly"
    assert target.band_relative is None


def test_restore_into_a_non_empty_account_is_refused(alice: User) -> None:
    data = account_export(user=alice)
    before = Transaction.objects.count()
    with pytest.raises(RestoreError, match="empty account"):
        account_restore(user=alice, data=data)
    assert Transaction.objects.count() == before


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("export.json", content, content_type="application/json")


def _break(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(doc)
    node = broken
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("path", "value", "named", "words"),
    [
        (("version",), 2, "version", "version 2"),
        (("format",), "something-else", "format", "not a Lotwise"),
        (("portfolios", 0, "accounts", 1, "kind"), KeyError, "portfolios[0].accounts[1].kind", "missing"),
        (
            ("portfolios", 0, "transactions", 3, "quantity"),
            "abc",
            "portfolios[0].transactions[3].quantity",
            "not a number",
        ),
        (
            ("portfolios", 0, "transactions", 3, "quantity"),
            0.5,
            "portfolios[0].transactions[3].quantity",
            "string",
        ),
        (
            ("portfolios", 0, "transactions", 2, "unit_price"),
            "NaN",
            "portfolios[0].transactions[2].unit_price",
            "finite",
        ),
        (
            ("portfolios", 0, "transactions", 0, "account"),
            "Nowhere",
            "portfolios[0].transactions[0].account",
            "Nowhere",
        ),
        (("tax_profiles", 0, "year"), "2023", "tax_profiles[0].year", "whole number"),
        (("owner_prices", 0, "price"), "-1", "owner_prices[0]", "price"),
        (("user", "timezone"), "Mars/Base", "user.timezone", "time zone"),
        (("portfolios",), {}, "portfolios", "list"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_path_and_nothing_is_saved(
    alice: User, path: tuple[Any, ...], value: Any, named: str, words: str
) -> None:
    data = json.loads(json.dumps(account_export(user=alice)))
    bob = UserFactory(username="bob")
    with pytest.raises(RestoreError) as caught:
        account_restore(user=bob, data=_break(data, path, value))
    assert caught.value.path.startswith(named), str(caught.value)
    assert words.lower() in str(caught.value).lower()
    bob.refresh_from_db()
    assert bob.timezone == "UTC"
    assert not Portfolio.objects.filter(owner=bob).exists()
    assert not Asset.objects.filter(owner=bob).exists()
    assert not TaxProfile.objects.filter(owner=bob).exists()


def test_a_ledger_that_does_not_add_up_names_the_transaction(alice: User) -> None:
    data = json.loads(json.dumps(account_export(user=alice)))
    sells = [i for i, t in enumerate(data["portfolios"][0]["transactions"]) if t["type"] == "sell"]
    data["portfolios"][0]["transactions"][sells[0]]["quantity"] = "50"
    bob = UserFactory(username="bob")
    with pytest.raises(RestoreError) as caught:
        account_restore(user=bob, data=data)
    assert caught.value.path == f"portfolios[0].transactions[{sells[0]}]"
    assert not Transaction.objects.filter(portfolio__owner=bob).exists()


def test_commands_export_and_restore(alice: User, tmp_path: Path) -> None:
    out = tmp_path / "alice.json"
    call_command("export_account", "--user", "alice", "--out", str(out))
    UserFactory(username="bob")
    call_command("restore_account", "--user", "bob", str(out))
    bob = User.objects.get(username="bob")
    assert lots(bob) == lots(alice)
    with pytest.raises(CommandError, match="empty account"):
        call_command("restore_account", "--user", "bob", str(out))
    out.write_text("{not json")
    carol = UserFactory(username="carol")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("restore_account", "--user", "carol", str(out))
    assert not Portfolio.objects.filter(owner=carol).exists()


def test_settings_page_links_the_download_which_holds_only_the_requesters_data(
    client: Any, alice: User
) -> None:
    client.force_login(alice)
    page = client.get("/accounts/settings/").content.decode()
    assert "/accounts/export/" in page
    assert "/accounts/restore/" not in page  # not an empty account
    response = client.get("/accounts/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert [p["name"] for p in json.loads(response.content)["portfolios"]] == ["Main", "Second"]

    mallory = UserFactory(username="mallory")
    client.force_login(mallory)
    assert "/accounts/restore/" in client.get("/accounts/settings/").content.decode()
    mine = json.loads(client.get("/accounts/export/").content)
    assert (mine["portfolios"], mine["tax_profiles"], mine["owner_prices"]) == ([], [], [])
    assert client.get("/accounts/export/?user=alice").json()["portfolios"] == []
    client.logout()
    assert client.get("/accounts/export/").status_code == 302


def test_restore_page_upload(client: Any, alice: User) -> None:
    raw = json.dumps(account_export(user=alice)).encode()
    bob = UserFactory(username="bob")
    client.force_login(bob)
    url = "/accounts/restore/"

    bad = client.post(url, {"file": upload(b'{"format": "lotwise-export", "version": 9}')}, follow=True)
    assert "Nothing was restored: version: version 9" in bad.content.decode()
    garbage = client.post(url, {"file": upload(b"\xff\xfe{")}, follow=True)
    assert "not JSON" in garbage.content.decode()
    assert client.post(url, {}, follow=True).status_code == 200
    assert client.get(url).status_code == 405
    assert not Portfolio.objects.filter(owner=bob).exists()

    ok = client.post(url, {"file": upload(raw)}, follow=True)
    assert "Restored 2 portfolio(s)" in ok.content.decode()
    assert lots(bob) == lots(alice)
    assert "/accounts/restore/" not in ok.content.decode()


def test_api_export_and_restore(client: Any, alice: User) -> None:
    client.force_login(alice)
    data = client.get("/api/export/").json()
    assert data["format"] == "lotwise-export"
    assert len(data["portfolios"]) == 2

    bob = UserFactory(username="bob")
    client.force_login(bob)
    assert client.get("/api/export/").json()["portfolios"] == []
    assert client.get("/api/restore/").json() == {
        "format": "lotwise-export",
        "version": 1,
        "account_empty": True,
    }
    bad = client.post("/api/restore/", {**data, "version": "1"}, content_type="application/json")
    assert bad.status_code == 400
    assert "version" in bad.json()
    refused = client.post("/api/restore/", "[1, 2", content_type="application/json")
    assert refused.status_code == 400
    done = client.post("/api/restore/", data, content_type="application/json")
    assert done.status_code == 201, done.content
    assert done.json()["transactions"] == 12
    assert lots(bob) == lots(alice)
    again = client.post("/api/restore/", data, content_type="application/json")
    assert again.status_code == 400
    client.logout()
    assert client.get("/api/export/").status_code in (401, 403)
