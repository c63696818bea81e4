"""Every URL pattern and API route, asked with every method by another user and by a read-only grantee.

Ann owns a portfolio with accounts, transactions, lots, sales, a snapshot, a target, a policy, a proposal,
import and tax-file jobs, an entered price, a private asset, an API token and a method change; she shares
the portfolio read-only with her accountant. Then:

- Bob (a stranger) asks every route, filled with Ann's ids, with GET, POST, PUT, PATCH and DELETE: no
  answer is a 500, every answer about Ann's objects is a 403, 404 or 405, no answer shows Ann's names,
  and Ann's rows are byte-for-byte unchanged.
- The accountant asks the same: Ann's rows are unchanged, every write is a 403, 404 or 405, and the read
  pages and API reads of the shared portfolio answer 200.

The routes are read from the URL resolver, so a new route is swept as soon as it exists; one whose
parameters this file cannot fill fails the test until it is taught them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portfolios.import_tasks import import_job_create
from portfolios.models import (
    ApiToken,
    Asset,
    BasisMethodChange,
    OwnerPrice,
    PortfolioGrant,
    Transaction,
    User,
)
from rebalancing.models import Policy, RebalanceProposal
from taxes.models import Disposal, ReportJob, TaxLot, TaxProfile
from tests.factories import UserFactory
from tests.portfolios.views.dashboard_testkit import build_portfolio

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# Names that only Ann's rows carry: no answer to anyone else may contain them.
SECRETS = ("Annsecretfolio", "Ann-Vault-Account", "ANNCOIN")
# Routes that end the asking session or need a signed token; they take none of Ann's ids.
SKIPPED = {"logout", "password_reset_confirm", "login", "admin"}


@dataclass
class Route:
    name: str  # namespaced
    params: list[str]
    text: str


def _routes() -> list[Route]:
    def walk(patterns: list[Any], prefix: str, namespace: str, outer: list[str]) -> Iterator[Route]:
        for p in patterns:
            params = outer + [n for n in p.pattern.regex.groupindex if n not in outer]
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns, params)
            elif isinstance(p, URLPattern) and p.name:
                yield Route(namespace + p.name, params, prefix + str(p.pattern))

    return list(walk(get_resolver().url_patterns, "", "", []))


@dataclass
class World:
    ann: User
    bob: User
    cpa: User
    ids: dict[str, int]
    api_pk: dict[str, int]


@pytest.fixture
def world() -> World:
    ann = UserFactory(username="ann")
    built = build_portfolio(ann, name="Annsecretfolio")
    portfolio = built.portfolio
    built.coinbase.name = "Ann-Vault-Account"
    built.coinbase.save(update_fields=["name"])
    private = Asset.objects.create(symbol="ANNCOIN", name="ANNCOIN", owner=ann)
    # Written directly: the kit's rows are hand-made, not a ledger the engine could replay.
    tx = Transaction.objects.create(
        portfolio=portfolio,
        account=built.coinbase,
        type="buy",
        timestamp=datetime(2024, 6, 3, 12, tzinfo=UTC),
        quantity=Decimal("0.1"),
        asset=built.btc,
        unit_price=Decimal(60000),
    )
    change = BasisMethodChange.objects.create(
        account=built.coinbase, method="hifo", effective_from=date(2025, 1, 1)
    )
    job = import_job_create(
        user=ann,
        content="timestamp,account,type,asset,quantity,unit_price,fee\n2023-01-10T12:00:00+00:00,Ann-Vault-Account,buy,BTC,1,20000,10\n",
        portfolio_name="Annsecretfolio",
        basis_method="fifo",
    )
    report = ReportJob.objects.create(owner=ann, year=2024, format="csv", portfolio=portfolio)
    price = OwnerPrice.objects.create(owner=ann, asset=private, date=date(2024, 1, 2), price=Decimal(5))
    token = ApiToken.objects.create(user=ann, name="Ann's script", prefix="annpre", key_hash="0" * 64)
    Policy.objects.get_or_create(portfolio=portfolio)
    proposal = RebalanceProposal.objects.create(portfolio=portfolio, as_of=date(2026, 3, 1))
    TaxProfile.objects.create(owner=ann, year=2024)
    cpa = UserFactory(username="cpa")
    grant = PortfolioGrant.objects.create(portfolio=portfolio, grantee=cpa)
    bob = UserFactory(username="bob")
    build_portfolio(bob, name="Bob's")
    lot = TaxLot.objects.filter(portfolio=portfolio).first()
    disposal = Disposal.objects.filter(portfolio=portfolio).first()
    assert lot is not None
    assert disposal is not None
    ids = {
        "portfolio_id": portfolio.pk,
        "account_id": built.coinbase.pk,
        "tx_id": tx.pk,
        "change_id": change.pk,
        "import_job_id": job.pk,
        "report_job_id": report.pk,
        "price_id": price.pk,
        "asset_id": private.pk,
        "grant_id": grant.pk,
        "proposal_id": proposal.pk,
        "token_id": token.pk,
        "year": 2024,
    }
    api_pk = {
        "portfolio": portfolio.pk,
        "account": built.coinbase.pk,
        "transaction": tx.pk,
        "lot": lot.pk,
        "disposal": disposal.pk,
        "asset": private.pk,
        "api-token": token.pk,
        "import": job.pk,
    }
    return World(ann, bob, cpa, ids, api_pk)


def _kwargs(route: Route, world: World) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {}
    short = route.name.rsplit(":", 1)[-1]
    for name in route.params:
        if name == "job_id":
            kwargs[name] = world.ids["report_job_id" if short.startswith("report") else "import_job_id"]
        elif name == "fmt":
            kwargs[name] = "csv"
        elif name == "format":
            kwargs[name] = "json"
        elif name == "pk":
            # A router's route names are "<basename>-<action>".
            known = [b for b in world.api_pk if short.startswith(b + "-")]
            if not known:
                pytest.fail(f"{route.name}: teach the sweep which of Ann's objects `pk` is")
            kwargs[name] = world.api_pk[max(known, key=len)]
        elif name in world.ids:
            kwargs[name] = world.ids[name]
        else:
            pytest.fail(f"{route.name}: teach the sweep a value for the parameter {name!r}")
    return kwargs


def _url(route: Route, world: World) -> str | None:
    if route.name.rsplit(":", 1)[-1] in SKIPPED:
        return None
    kwargs = _kwargs(route, world)
    try:
        return reverse(route.name, kwargs=kwargs)
    except Exception as exc:
        pytest.fail(f"{route.name} with {kwargs}: {exc}")


def _path_to_user(model: type[models.Model]) -> str | None:
    """The first chain of foreign keys from `model` to the user who owns its row (grants excluded)."""
    if model is User:
        return "pk"
    queue: list[tuple[type[models.Model], str]] = [(model, "")]
    seen = {model}
    while queue:
        current, path = queue.pop(0)
        for f in current._meta.concrete_fields:
            if not f.is_relation or f.name in ("grantee",) or f.related_model is None:
                continue
            target = f.related_model
            step = f"{path}__{f.name}" if path else f.name
            if target is User:
                return step
            if target not in seen:
                seen.add(target)
                queue.append((target, step))
    return None


def _fingerprint(user: User) -> dict[str, list[Any]]:
    """Every row reachable from `user` in the product's apps, as stored."""
    out: dict[str, list[Any]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in ("portfolios", "taxes", "rebalancing"):
            continue
        path = _path_to_user(model)
        if path is None:
            continue  # shared reference data (prices of catalogue assets, market caps)
        rows = model._default_manager.filter(**{path: user.pk}).order_by("pk").values()
        out[model.__name__] = [
            {k: v for k, v in row.items() if k not in ("last_login", "last_used_at")} for row in rows
        ]
    return out


def _ask(client: Client, method: str, url: str) -> Any:
    body = {"name": "taken", "username": "bob", "confirm": "yes", "quantity": "1", "type": "buy"}
    if method == "get":
        return client.get(url)
    if url.startswith("/api/"):
        return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
    if method == "post":
        return client.post(url, body)
    return getattr(client, method)(url)


def _refers_to_ann(route: Route) -> bool:
    """Whether the route names one of Ann's objects (a year or a file format is nobody's)."""
    return any(name not in ("year", "fmt", "format") for name in route.params)


def test_a_stranger_reads_changes_and_deletes_nothing_of_anns(world: World) -> None:
    before = _fingerprint(world.ann)
    client = Client()
    problems: list[str] = []
    swept = 0
    for route in _routes():
        url = _url(route, world)
        if url is None:
            continue
        for method in METHODS:
            client.force_login(world.bob)
            response = _ask(client, method, url)
            swept += 1
            status = response.status_code
            if status >= 500:
                problems.append(f"{method.upper()} {url}: {status}")
            elif _refers_to_ann(route) and status not in (403, 404, 405):
                problems.append(f"{method.upper()} {url}: {status}, expected 403/404/405")
            content = b"".join(response) if getattr(response, "streaming", False) else response.content
            for secret in SECRETS:
                if secret.encode() in content:
                    problems.append(f"{method.upper()} {url} shows {secret!r}")
    assert swept > 300
    assert problems == []
    assert _fingerprint(world.ann) == before


READABLE_BY_GRANTEE = {
    "portfolios:dashboard",
    "portfolios:account_list",
    "portfolios:account_detail",
    "portfolios:transaction_list",
    "taxes:lot_list",
    "taxes:realized",
    "api:portfolio-list",
    "api:portfolio-detail",
    "api:account-list",
    "api:account-detail",
    "api:transaction-list",
    "api:transaction-detail",
    "api:lot-list",
    "api:lot-detail",
    "api:disposal-list",
    "api:disposal-detail",
    "api:snapshot",
    "api:history",
}


def test_the_grantee_reads_the_shared_portfolio_and_changes_nothing(world: World) -> None:
    before = _fingerprint(world.ann)
    client = Client()
    problems: list[str] = []
    for route in _routes():
        url = _url(route, world)
        if url is None or route.name == "portfolios:grant_leave":
            continue  # giving a grant back is the grantee's own right (tests/portfolios/views/test_sharing.py)
        for method in METHODS:
            client.force_login(world.cpa)
            response = _ask(client, method, url)
            status = response.status_code
            if status >= 500:
                problems.append(f"{method.upper()} {url}: {status}")
            elif method != "get" and _refers_to_ann(route) and status not in (403, 404, 405):
                problems.append(f"{method.upper()} {url}: {status}, a write must be refused")
            elif method == "get" and route.name in READABLE_BY_GRANTEE and status != 200:
                problems.append(f"GET {url}: {status}, the grantee may read it")
    assert problems == []
    assert _fingerprint(world.ann) == before
    # The shared tax summary and its files, by page and by API.
    p = world.ids["portfolio_id"]
    client.force_login(world.cpa)
    assert client.get(reverse("taxes:summary", args=[2024]) + f"?portfolio={p}").status_code == 200
    assert client.get(reverse("taxes:download", args=[2024, "csv"]) + f"?portfolio={p}").status_code == 200
    summary = client.get(reverse("api-tax-summary", args=[2024]) + f"?portfolio={p}")
    assert summary.status_code == 200
    listed = client.get(reverse("api:portfolio-list")).json()["results"]
    # Ann's shared portfolio, named as hers, beside any the accountant made of their own in the sweep.
    assert {row["id"]: row["shared_by"] for row in listed}[p] == "ann"
    assert {row["shared_by"] for row in listed if row["id"] != p} <= {""}
