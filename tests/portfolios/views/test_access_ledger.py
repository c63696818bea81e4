"""Two users: every ledger page and action on another user's portfolio, transaction or import job is a 404."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolios.import_tasks import import_job_create
from portfolios.models import ImportJob, Portfolio, Transaction
from portfolios.services import TransactionData, transaction_record
from taxes.models import TaxLot
from tests.factories import AccountFactory, AssetFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV = (
    "timestamp,account,type,asset,quantity,unit_price,fee\n"
    "2023-01-10T12:00:00+00:00,Exchange,buy,BTC,1,20000,10\n"
)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    a_portfolio = PortfolioFactory(owner=ann, name="Ann's")
    b_portfolio = PortfolioFactory(owner=bob, name="Bob's")
    a_account = AccountFactory(portfolio=a_portfolio, name="A")
    b_account = AccountFactory(portfolio=b_portfolio, name="B")
    btc = AssetFactory(symbol="BTC")

    def buy(account, when: datetime):  # type: ignore[no-untyped-def]
        data = TransactionData(
            account=account,
            type="buy",
            timestamp=when,
            quantity=Decimal(1),
            asset=btc,
            unit_price=Decimal(100),
        )
        return transaction_record(portfolio=account.portfolio, data=data)

    a_tx = buy(a_account, datetime(2024, 1, 2, tzinfo=UTC))
    b_tx = buy(b_account, datetime(2024, 1, 3, tzinfo=UTC))
    a_preview = import_job_create(user=ann, content=CSV, portfolio_name="Ann's", basis_method="fifo")
    a_done = import_job_create(
        user=ann, content=CSV.replace("2023", "2022"), portfolio_name="Ann's", basis_method="fifo"
    )
    return {
        "ann": ann,
        "bob": bob,
        "a_portfolio": a_portfolio,
        "b_portfolio": b_portfolio,
        "a_account": a_account,
        "btc": btc,
        "a_tx": a_tx,
        "b_tx": b_tx,
        "a_preview": a_preview,
        "a_done": a_done,
    }


def state_of(user) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    txs = Transaction.objects.filter(portfolio__owner=user).order_by("pk")
    return (
        list(
            txs.values_list("pk", "type", "quantity", "unit_price", "timestamp", "account_id", "updated_at")
        ),
        sorted(TaxLot.objects.filter(portfolio__owner=user).values_list("origin_id", "quantity", "basis")),
        list(
            ImportJob.objects.filter(owner=user)
            .order_by("pk")
            .values_list("pk", "status", "confirmed", "progress")
        ),
        list(Portfolio.objects.filter(owner=user).values_list("pk", "name")),
    )


def pages(w) -> list[tuple[str, str, dict[str, object]]]:  # type: ignore[no-untyped-def]
    p, tx = w["a_portfolio"].pk, w["a_tx"].pk
    edit_post = {
        "type": "buy",
        "account": w["a_account"].pk,
        "timestamp": "2024-01-02T00:00",
        "asset": w["btc"].pk,
        "quantity": "7",
        "unit_price": "1",
    }
    return [
        ("get", reverse("portfolios:transaction_list", kwargs={"portfolio_id": p}), {}),
        ("get", reverse("portfolios:transaction_list", kwargs={"portfolio_id": p}) + "?type=buy&page=1", {}),
        ("get", reverse("portfolios:transaction_add", kwargs={"portfolio_id": p}), {}),
        ("get", reverse("portfolios:transaction_add", kwargs={"portfolio_id": p}) + "?type=sell", {}),
        ("post", reverse("portfolios:transaction_add", kwargs={"portfolio_id": p}) + "?type=buy", edit_post),
        ("get", reverse("portfolios:transaction_edit", kwargs={"portfolio_id": p, "tx_id": tx}), {}),
        ("post", reverse("portfolios:transaction_edit", kwargs={"portfolio_id": p, "tx_id": tx}), edit_post),
        ("get", reverse("portfolios:transaction_delete", kwargs={"portfolio_id": p, "tx_id": tx}), {}),
        ("post", reverse("portfolios:transaction_delete", kwargs={"portfolio_id": p, "tx_id": tx}), {}),
        # The other user's transaction under one's own portfolio id is not found either.
        (
            "get",
            reverse("portfolios:transaction_edit", kwargs={"portfolio_id": w["b_portfolio"].pk, "tx_id": tx}),
            {},
        ),
        (
            "post",
            reverse("portfolios:transaction_edit", kwargs={"portfolio_id": w["b_portfolio"].pk, "tx_id": tx}),
            edit_post,
        ),
        (
            "post",
            reverse(
                "portfolios:transaction_delete", kwargs={"portfolio_id": w["b_portfolio"].pk, "tx_id": tx}
            ),
            {},
        ),
        *[
            (method, reverse(name, kwargs={"job_id": w[job].pk}), {})
            for job in ("a_preview", "a_done")
            for method, name in (
                ("get", "portfolios:import_preview"),
                ("post", "portfolios:import_preview"),
                ("get", "portfolios:import_status"),
                ("get", "portfolios:import_done"),
            )
        ],
    ]


def test_other_users_get_404_for_every_ledger_page_and_action(client, world) -> None:  # type: ignore[no-untyped-def]
    # Ann's second job is confirmed and done, so its done page exists for her.
    assert client.login(username="ann", password="correct horse battery staple")
    assert (
        client.post(reverse("portfolios:import_preview", kwargs={"job_id": world["a_done"].pk})).status_code
        == 302
    )
    client.logout()
    before = state_of(world["ann"])
    client.force_login(world["bob"])
    for method, url, data in pages(world):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert state_of(world["ann"]) == before


def test_the_owner_reaches_the_same_pages(client, world) -> None:  # type: ignore[no-untyped-def]
    """The 404s above come from ownership, not from broken URLs: Ann gets through (and changes things)."""
    client.force_login(world["ann"])
    client.post(reverse("portfolios:import_preview", kwargs={"job_id": world["a_done"].pk}))
    own = [(m, u, d) for m, u, d in pages(world) if f"/{world['b_portfolio'].pk}/" not in u]
    for method, url, data in own:
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302, 400), (method, url, response.status_code)


def test_import_into_another_users_portfolio_is_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["bob"])
    data = {
        "file": SimpleUploadedFile("x.csv", CSV.encode()),
        "portfolio": world["a_portfolio"].pk,
        "basis_method": "fifo",
    }
    response = client.post(reverse("portfolios:import_upload"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["portfolio"][0]
    assert not ImportJob.objects.filter(owner=world["bob"]).exists()
    # Naming a new portfolio like Ann's creates Bob's own, never touches hers.
    data["file"] = SimpleUploadedFile("x.csv", CSV.encode())
    data.pop("portfolio")
    data["new_portfolio"] = "Ann's"
    response = client.post(reverse("portfolios:import_upload"), data)
    job = ImportJob.objects.get(owner=world["bob"])
    client.post(reverse("portfolios:import_preview", kwargs={"job_id": job.pk}))
    assert Portfolio.objects.get(owner=world["bob"], name="Ann's").transactions.count() == 1
    assert world["a_portfolio"].transactions.count() == 1


def test_recent_imports_list_only_ones_own(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["bob"])
    response = client.get(reverse("portfolios:import_upload"))
    assert response.status_code == 200
    assert list(response.context["recent"]) == []


def test_anonymous_users_are_sent_to_log_in(client, world) -> None:  # type: ignore[no-untyped-def]
    for method, url, data in pages(world)[:3]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert "/login" in response["Location"]
