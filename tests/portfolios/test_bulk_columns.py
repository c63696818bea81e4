"""The bulk write path (portfolios.db, portfolios.bulk): its column registry matches the models, and rows
written through it read back through the ORM exactly, stored exactly as the ORM stores them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models

from portfolios.bulk import ENGINE_CHECKPOINT, TABLES, TAX_LOT, TRANSACTION, VALUE_POINT
from portfolios.db import Kind, Replaced, Table, insert_rows, replace_rows, upsert_rows
from portfolios.fields import ExactDecimalField
from portfolios.models import Account, Asset, Portfolio, Transaction, User, ValuePoint
from portfolios.services import TransactionData, transaction_delete, transaction_record, transaction_update
from taxes import services as tax_services
from taxes.models import (
    Disposal,
    EngineCheckpoint,
    IncomeRecord,
    NonTaxableTransfer,
    TaxLot,
    WashSaleRecord,
    _EventRecord,
)
from taxes.services import portfolio_recompute
from tests.factories import AccountFactory, AssetFactory, TransactionFactory

DERIVED = (TaxLot, Disposal, IncomeRecord, NonTaxableTransfer, WashSaleRecord)


def kind_of(field: models.Field) -> Kind:
    if isinstance(field, ExactDecimalField):
        return Kind.DECIMAL
    if isinstance(field, models.DateTimeField):
        return Kind.DATETIME
    if isinstance(field, models.DateField):
        return Kind.DATE
    if isinstance(field, models.BooleanField):
        return Kind.BOOL
    if isinstance(field, models.JSONField):
        return Kind.JSON
    if isinstance(field, models.ForeignKey | models.IntegerField):
        return Kind.INT
    if isinstance(field, models.CharField | models.TextField):
        return Kind.TEXT
    raise AssertionError(f"no kind for {field!r}")


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.model.__name__)
def test_registry_lists_every_column_of_its_model(table: Table) -> None:
    pk = table.model._meta.pk
    fields = {f.attname: f for f in table.model._meta.concrete_fields if f is not pk}
    assert set(table.columns) == set(fields)
    for name, kind in table.columns.items():
        assert table.field(name).column == fields[name].column
        assert kind is kind_of(fields[name]), name


def test_every_derived_row_model_is_registered() -> None:
    records = {m for m in apps.get_app_config("taxes").get_models() if issubclass(m, _EventRecord)}
    assert records == {Disposal, IncomeRecord, NonTaxableTransfer, WashSaleRecord}
    assert {*records, TaxLot, EngineCheckpoint, Transaction} <= {t.model for t in TABLES}


# Values at the edges of what the ledger stores, with NULLs wherever a column takes them.
DECIMALS = [
    Decimal("123456789012345.123456789012345678"),
    Decimal("0.000000000000000001"),
    Decimal("999999999999999.999999999999999999"),
    Decimal("-1000000000000000"),
    Decimal("1.100000000000000001"),
    Decimal("-0.5"),
]
TEXT = "tab\there, line\nbreak, back\\slash \\N, quotes ' \" and ünïcode"
JSON_VALUE = {"lots": [{"q": "0.000000000000000001", "note": TEXT}], "n": None, "big": 2**62}


def _values(table: Table, targets: dict[type, int], *, nulls: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, (name, kind) in enumerate(table.columns.items()):
        field = table.field(name)
        if nulls and field.null:
            values[name] = None
        elif kind is Kind.INT:
            related = field.related_model
            values[name] = targets[related] if related is not None else 2**53 + 1 + i
        elif kind is Kind.TEXT:
            values[name] = field.choices[0][0] if field.choices else TEXT[: field.max_length or None]
        elif kind is Kind.DECIMAL:
            values[name] = Decimal(0) if nulls else DECIMALS[i % len(DECIMALS)]
        elif kind is Kind.DATETIME:
            offset = timezone(timedelta(hours=5, minutes=30))
            when = datetime(2024, 2, 29, 23, 59, 58, 123456 + i, tzinfo=offset)
            values[name] = when.replace(microsecond=0) if nulls else when
        elif kind is Kind.DATE:
            values[name] = date(2024, 2, 29) if nulls else date(1999, 12, 31)
        elif kind is Kind.BOOL:
            values[name] = not nulls
        else:
            values[name] = {} if nulls else JSON_VALUE
    return values


@pytest.fixture
def targets(db: None) -> dict[type, int]:
    tx = TransactionFactory()
    return {
        User: tx.portfolio.owner_id,
        Portfolio: tx.portfolio_id,
        Account: tx.account_id,
        Asset: tx.asset_id,
        Transaction: tx.pk,
    }


def _raw(table: Table, pk: int) -> tuple[Any, ...]:
    names = list(table.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {table.column_sql(names)} FROM {connection.ops.quote_name(table.name)} WHERE id = %s",
            [pk],
        )
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize("nulls", [False, True], ids=["edges", "nulls"])
@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.model.__name__)
def test_rows_round_trip_exactly_as_the_orm_stores_them(
    table: Table, nulls: bool, targets: dict[type, int]
) -> None:
    values = _values(table, targets, nulls=nulls)
    manager = table.model._default_manager
    through_orm = table.model(**values)
    through_orm.save()
    manager.filter(pk=through_orm.pk).update(**values)  # auto_now fields take the given times too
    orm = manager.get(pk=through_orm.pk)
    orm_raw = _raw(table, through_orm.pk)
    manager.filter(pk=through_orm.pk).delete()  # the unique constraints allow one of them at a time

    (fast_id,) = insert_rows(table, list(values), [tuple(values.values())], with_ids=True)
    fast = manager.get(pk=fast_id)
    for name, value in values.items():
        assert getattr(fast, name) == value, name
        assert getattr(fast, name) == getattr(orm, name), name
        if isinstance(value, Decimal):
            assert str(getattr(fast, name).normalize()) == str(value.normalize()), name
        if isinstance(value, datetime):
            assert getattr(fast, name).utcoffset() == timedelta(0)
            assert getattr(fast, name).microsecond == value.microsecond
    assert _raw(table, fast_id) == orm_raw


@pytest.mark.django_db
def test_ids_follow_the_rows_and_are_never_reused() -> None:
    gone = TransactionFactory()
    gone_id, account = gone.pk, gone.account
    Transaction.objects.filter(pk=gone_id).delete()
    now = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    rows = []
    for n in range(1, 4):
        quantity = Decimal(n) / 1000
        fixed = (account.portfolio_id, account.pk, "deposit", now, None, quantity, None, Decimal(0))
        rows.append((*fixed, None, None, None, None, None, f"ext-{n}", "", "", now, now))
    ids = insert_rows(TRANSACTION, list(TRANSACTION.columns), rows, with_ids=True)
    assert min(ids) > gone_id
    assert ids == sorted(ids)
    stored = dict(Transaction.objects.filter(pk__in=ids).values_list("pk", "external_id"))
    assert [stored[pk] for pk in ids] == ["ext-1", "ext-2", "ext-3"]
    assert TransactionFactory(account=account).pk > max(ids)


@pytest.mark.django_db
def test_bad_values_write_nothing(targets: dict[type, int]) -> None:
    good = _values(TAX_LOT, targets, nulls=False)
    names = list(good)
    too_precise = {**good, "quantity": Decimal("0.0000000000000000001")}
    with pytest.raises(ValidationError, match="quantity"):
        insert_rows(TAX_LOT, names, [tuple(good.values()), tuple(too_precise.values())])
    with pytest.raises(ValidationError, match="basis"):
        insert_rows(TAX_LOT, names, [tuple({**good, "basis": Decimal("Infinity")}.values())])
    with pytest.raises(ValidationError, match="NaN"):
        insert_rows(TAX_LOT, names, [tuple({**good, "loss_basis": Decimal("NaN")}.values())])
    with pytest.raises(TypeError, match="basis"):
        insert_rows(TAX_LOT, names, [tuple({**good, "basis": 1.5}.values())])
    naive = dict(_values(TRANSACTION, targets, nulls=True), timestamp=datetime(2024, 1, 1, 12))
    with pytest.raises(ValueError, match="time zone"):
        insert_rows(TRANSACTION, list(naive), [tuple(naive.values())])
    with pytest.raises(ValueError, match=r"missing \['wash_adjustment'\]"):
        insert_rows(TAX_LOT, names[:-1], [tuple(good.values())[:-1]])
    with pytest.raises(ValueError, match="13 values"):
        insert_rows(TAX_LOT, names, [tuple(good.values())[:-1]])
    assert not TaxLot.objects.exists()
    padded = {**good, "quantity": Decimal("2.50000000000000000000"), "basis": 7}
    insert_rows(TAX_LOT, names, [tuple(padded.values())])
    assert TaxLot.objects.values_list("quantity", "basis").get() == (Decimal("2.5"), Decimal(7))


@pytest.mark.django_db
def test_replace_keeps_the_unchanged_start_and_rewrites_the_rest(targets: dict[type, int]) -> None:
    base = _values(TAX_LOT, targets, nulls=False)
    names = list(base)

    def lot(n: int, quantity: str) -> tuple[Any, ...]:
        return tuple({**base, "lot_id": f"L{n}", "quantity": Decimal(quantity)}.values())

    def stored() -> list[tuple[int, str, Decimal]]:
        return list(TaxLot.objects.order_by("id").values_list("id", "lot_id", "quantity"))

    first = [lot(1, "1"), lot(2, "2"), lot(3, "3")]
    assert replace_rows(TAX_LOT, names, first, TaxLot.objects.all()).inserted == 3
    before = stored()
    again = replace_rows(TAX_LOT, names, first, TaxLot.objects.all())
    assert (again.kept, again.deleted, again.inserted) == (3, 0, 0)
    assert stored() == before
    changed = [lot(1, "1"), lot(2, "2.000000000000000001"), lot(3, "3"), lot(4, "4")]
    result = replace_rows(TAX_LOT, names, changed, TaxLot.objects.all())
    assert (result.kept, result.deleted, result.inserted) == (1, 2, 3)
    after = stored()
    assert after[0] == before[0]
    assert [(lot_id, q) for _, lot_id, q in after] == [
        ("L1", Decimal(1)),
        ("L2", Decimal("2.000000000000000001")),
        ("L3", Decimal(3)),
        ("L4", Decimal(4)),
    ]
    assert replace_rows(TAX_LOT, names, [], TaxLot.objects.all()).deleted == 4
    assert not TaxLot.objects.exists()


@pytest.mark.parametrize("nulls", [False, True], ids=["edges", "nulls"])
@pytest.mark.parametrize(
    "table",
    [t for t in TABLES if Kind.JSON not in t.columns.values()],
    ids=lambda t: t.model.__name__,
)
def test_rows_as_stored_compare_equal_to_the_values_written(
    table: Table, nulls: bool, targets: dict[type, int]
) -> None:
    """Replacing rows with the same values keeps them: every kind of column compares exactly as stored."""
    values = tuple(_values(table, targets, nulls=nulls).values())
    names = list(table.columns)
    everything = table.model._default_manager.all()
    if table is TRANSACTION:
        everything = everything.exclude(pk=targets[Transaction])
    assert replace_rows(table, names, [values], everything).inserted == 1
    (pk,) = everything.values_list("pk", flat=True)
    again = replace_rows(table, names, [values], everything)
    assert (again.kept, again.deleted, again.inserted) == (1, 0, 0)
    assert list(everything.values_list("pk", flat=True)) == [pk]


@pytest.mark.django_db
def test_rows_with_json_are_never_compared(targets: dict[type, int]) -> None:
    values = _values(ENGINE_CHECKPOINT, targets, nulls=False)
    with pytest.raises(ValueError, match="never compared"):
        replace_rows(
            ENGINE_CHECKPOINT, list(values), [tuple(values.values())], EngineCheckpoint.objects.all()
        )


@pytest.mark.django_db
def test_upsert_inserts_new_rows_and_updates_those_with_the_same_key(targets: dict[type, int]) -> None:
    portfolio = targets[Portfolio]
    names = ["portfolio_id", "date", "value", "cost_basis", "net_deposits"]
    day = date(2024, 3, 1)
    ValuePoint.objects.create(portfolio_id=portfolio, date=day, value=1, cost_basis=1, net_deposits=1)
    big = Decimal("999999999999999.999999999999999999")
    rows = [
        (portfolio, day, big, Decimal("0.000000000000000001"), Decimal(-5)),
        (portfolio, day + timedelta(days=1), Decimal(2), Decimal(3), Decimal(4)),
    ]
    upsert_rows(VALUE_POINT, names, rows, unique=["portfolio_id", "date"])
    upsert_rows(VALUE_POINT, names, rows[1:], unique=["portfolio_id", "date"])
    stored = ValuePoint.objects.order_by("date").values_list(*names)
    assert list(stored) == rows


def _derived(owner: User) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived row of the owner, in id order, without the ids."""
    out = {}
    for model in DERIVED:
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows = model._default_manager.filter(portfolio__owner=owner).order_by("id").values_list(*names)
        out[model.__name__] = list(rows)
    return out


@pytest.mark.django_db
def test_edits_store_what_deleting_everything_and_recomputing_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept rows and rewritten ones together equal, row for row and in id order, a recompute from nothing."""
    monkeypatch.setattr(tax_services, "CHECKPOINT_EVERY", 5)
    account = AccountFactory(name="Brokerage")
    other = AccountFactory(name="Other", portfolio=account.portfolio)
    vti = AssetFactory(symbol="VTI", asset_class="etf")
    btc = AssetFactory(symbol="BTC")
    rng = random.Random(12)
    start = datetime(2024, 1, 1, 15, 0, 0, 250000, tzinfo=UTC)

    def record(day: int, typ: str, asset: Asset, qty: str, price: str, **kw: Any) -> Transaction:
        data = TransactionData(
            account=kw.pop("account", account),
            type=typ,
            timestamp=start + timedelta(days=day, microseconds=day),
            quantity=Decimal(qty),
            asset=asset,
            unit_price=Decimal(price),
            **kw,
        )
        return transaction_record(portfolio=account.portfolio, data=data)

    for day in range(0, 120, 3):
        asset = vti if day % 2 else btc
        record(day, "buy", asset, f"{rng.randint(1, 9)}.123456789012345678", str(rng.randint(80, 120)))
        if day % 9 == 0:
            record(day + 1, "sell", asset, "0.5", str(rng.randint(60, 140)), fee=Decimal("0.01"))
        if day % 15 == 0:
            record(day + 1, "staking", btc, "0.000000000000000001", "100000")
            record(day + 2, "donation", asset, "0.25", "150")
            record(day + 2, "transfer", asset, "0.1", "0", to_account=other)
    owner = account.portfolio.owner
    assert all(rows for rows in _derived(owner).values())

    replaced: list[tuple[str, Replaced]] = []

    def counted(table: Table, *args: Any) -> Replaced:
        result = replace_rows(table, *args)
        replaced.append((table.model.__name__, result))
        return result

    monkeypatch.setattr(tax_services, "replace_rows", counted)
    late = record(130, "sell", vti, "1", "70")
    assert dict(replaced)["Disposal"].kept > 0  # rows identical to the stored ones are recognised, and stay
    lots_before = TaxLot.objects.count()
    replaced.clear()
    record(131, "buy", btc, "1", "100", account=other)  # its lot sorts last: (other, BTC, newest)
    result = dict(replaced)["TaxLot"]
    assert (result.kept, result.deleted, result.inserted) == (lots_before, 0, 1)
    middle = Transaction.objects.filter(type="buy", asset=vti).order_by("timestamp")[6]
    data = TransactionData(
        account=account,
        type="buy",
        timestamp=middle.timestamp,
        quantity=Decimal(3),
        asset=vti,
        unit_price=Decimal(95),
    )
    transaction_update(tx=middle, data=data)
    transaction_delete(tx=late)
    incremental = _derived(owner)

    for model in DERIVED:
        model._default_manager.filter(portfolio__owner=owner).delete()
    EngineCheckpoint.objects.filter(owner=owner).delete()
    portfolio_recompute(portfolio=account.portfolio)
    assert _derived(owner) == incremental
