from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import factory

from portfolios.models import Account, Asset, Portfolio, Transaction, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")
    timezone = "UTC"


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Portfolio {n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    portfolio = factory.SubFactory(PortfolioFactory)
    name = factory.Sequence(lambda n: f"Account {n}")
    tax_treatment = "taxable"
    kind = "exchange"
    basis_method = "fifo"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset
        django_get_or_create = ("symbol",)

    symbol = factory.Sequence(lambda n: f"AS{n}")
    name = factory.LazyAttribute(lambda a: a.symbol)
    asset_class = "crypto"


class TransactionFactory(factory.django.DjangoModelFactory):
    """Raw ledger rows (no recompute): for tests of reads. Writes go through portfolios.services."""

    class Meta:
        model = Transaction

    account = factory.SubFactory(AccountFactory)
    portfolio = factory.LazyAttribute(lambda t: t.account.portfolio)
    type = "buy"
    timestamp = factory.LazyFunction(lambda: datetime(2024, 1, 2, 15, 0, tzinfo=UTC))
    asset = factory.SubFactory(AssetFactory)
    quantity = Decimal(1)
    unit_price = Decimal(100)
    fee = Decimal(0)
