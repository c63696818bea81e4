"""Ledger pages: the transaction list, a form per transaction type, and delete."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction as db_transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portfolios import services
from portfolios.assets import asset_save
from portfolios.forms import (
    LOT_PICK_TYPES,
    LotOption,
    TransactionFilterForm,
    TransactionForm,
    TransactionTypeForm,
    grouped_text,
    transaction_initial,
)
from portfolios.models import LotPick, Portfolio, Transaction, TransactionType
from portfolios.sharing import readable_or_404
from portfolios.views.common import int_or_none, tz_of, user_of
from taxes.models import TaxLot

PAGE_SIZE = 50
# Without a chosen account and asset a sale lists every open lot of the portfolio; keep the page bounded.
MAX_LOT_OPTIONS = 300


def _get_portfolio_for_user(request: HttpRequest, portfolio_id: int) -> Portfolio:
    return get_object_or_404(Portfolio, pk=portfolio_id, owner=user_of(request))


def _get_transaction_for_user(request: HttpRequest, portfolio_id: int, tx_id: int) -> Transaction:
    txs = Transaction.objects.select_related("portfolio", "account", "asset", "counter_asset", "to_account")
    return get_object_or_404(txs, pk=tx_id, portfolio_id=portfolio_id, portfolio__owner=user_of(request))


def _chosen_type(request: HttpRequest) -> str | None:
    value = request.POST.get("type") or request.GET.get("type") or ""
    return value if value in TransactionType.values else None


def _lot_options(
    *,
    portfolio: Portfolio,
    account_id: int | None,
    asset_id: int | None,
    tz: tzinfo,
    tx: Transaction | None = None,
) -> list[LotOption]:
    """Open lots a sale may name, one per acquisition (origin transaction), quantities summed exactly."""
    lots = TaxLot.objects.filter(portfolio=portfolio).select_related("account", "asset")
    if account_id and asset_id:
        lots = lots.filter(account_id=account_id, asset_id=asset_id)
    else:
        lots = lots[:MAX_LOT_OPTIONS]
    grouped: dict[tuple[int, int, int], list[TaxLot]] = defaultdict(list)
    for lot in lots:
        grouped[(lot.origin_id, lot.account_id, lot.asset_id)].append(lot)
    options = {
        origin: LotOption(
            origin_id=origin,
            account_id=account,
            account=group[0].account.name,
            asset_id=asset,
            asset=group[0].asset.symbol,
            acquired=min(lot.acquired for lot in group),
            quantity=sum((lot.quantity for lot in group), Decimal(0)),
            basis=sum((lot.basis for lot in group), Decimal(0)),
        )
        for (origin, account, asset), group in grouped.items()
    }
    if tx is not None:
        # Lots this sale already took in full are no longer open, but stay pickable when editing it.
        for pick in LotPick.objects.filter(transaction=tx).select_related("origin__account", "origin__asset"):
            origin = pick.origin
            if origin.pk not in options and origin.asset is not None:
                options[origin.pk] = LotOption(
                    origin_id=origin.pk,
                    account_id=origin.account_id,
                    account=origin.account.name,
                    asset_id=origin.asset_id,  # type: ignore[arg-type]
                    asset=origin.asset.symbol,
                    acquired=origin.timestamp.astimezone(tz).date(),
                    quantity=Decimal(0),
                    basis=Decimal(0),
                )
    return sorted(
        options.values(), key=lambda o: (o.account, o.asset, o.acquired or timezone.now().date(), o.origin_id)
    )


def _transaction_form(
    request: HttpRequest,
    *,
    portfolio: Portfolio,
    tx_type: str,
    initial: dict[str, Any],
    tx: Transaction | None = None,
) -> TransactionForm:
    data = request.POST if request.method == "POST" else None
    options: list[LotOption] = []
    if tx_type in LOT_PICK_TYPES:
        source: Any = data if data is not None else initial
        options = _lot_options(
            portfolio=portfolio,
            account_id=int_or_none(source.get("account")),
            asset_id=int_or_none(source.get("asset")),
            tz=tz_of(request),
            tx=tx,
        )
    return TransactionForm(
        data, initial=initial, portfolio=portfolio, tx_type=tx_type, tz=tz_of(request), lot_options=options
    )


def _judge_the_rest(form: TransactionForm, *, portfolio: Portfolio, tx: Transaction | None = None) -> None:
    """A form that could not be read in full still gets the service's verdict on the inputs it could
    read, so every problem shows at once rather than one per submit."""
    readable = form.readable_data()
    if readable is None:
        return
    data, unreadable = readable
    problems = services.transaction_problems(portfolio=portfolio, data=data, tx=tx, unreadable=unreadable)
    if problems:
        form.add_service_errors(ValidationError(problems))


def _with_new_assets(data: services.TransactionData) -> services.TransactionData:
    """Store the assets named by typed symbols. Called in the transaction that records `data`, so a
    rejected transaction takes its new asset with it."""
    return replace(
        data,
        asset=asset_save(data.asset) if data.asset is not None else None,
        counter_asset=asset_save(data.counter_asset) if data.counter_asset is not None else None,
    )


def _form_context(
    request: HttpRequest, portfolio: Portfolio, form: TransactionForm | None, **extra: Any
) -> dict[str, Any]:
    tx_type = form.tx_type if form else None
    return {
        "portfolio": portfolio,
        "form": form,
        "type_form": TransactionTypeForm(initial={"type": tx_type}),
        "type_label": TransactionType(tx_type).label if tx_type else "",
        "tz_name": str(tz_of(request)),
        "has_accounts": portfolio.accounts.exists(),
        **extra,
    }


@require_GET
def transaction_list(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = readable_or_404(request, portfolio_id, Portfolio.objects.select_related("owner"))
    tz = tz_of(request)
    filters = TransactionFilterForm(request.GET, portfolio=portfolio, tz=tz)
    # A filter that cannot be applied as asked (an end before the start) lists nothing: dropping the bad
    # part would show a count for a question nobody asked.
    invalid = not filters.is_valid()
    c = filters.cleaned_data
    txs: QuerySet[Transaction] = (
        Transaction.objects.filter(portfolio=portfolio)
        .select_related("account", "asset", "counter_asset", "to_account")
        .order_by("-timestamp", "-id")
    )
    if invalid:
        txs = txs.none()
    if c.get("account"):
        txs = txs.filter(Q(account=c["account"]) | Q(to_account=c["account"]))
    if c.get("asset"):
        txs = txs.filter(Q(asset=c["asset"]) | Q(counter_asset=c["asset"]))
    if c.get("type"):
        txs = txs.filter(type=c["type"])
    start, end = filters.utc_range()
    if start:
        txs = txs.filter(timestamp__gte=start)
    if end:
        txs = txs.filter(timestamp__lt=end)
    page = Paginator(txs, PAGE_SIZE).get_page(request.GET.get("page"))
    for tx in page.object_list:
        # Exact, as entered: a ledger shows every one of the 18 places.
        tx.quantity_text = grouped_text(tx.quantity)
        tx.unit_price_text = grouped_text(tx.unit_price)
        tx.counter_quantity_text = grouped_text(tx.counter_quantity)
    filtered = invalid or any(c.get(name) for name in ("account", "asset", "type", "date_from", "date_to"))
    context = {
        "portfolio": portfolio,
        "filters": filters,
        "invalid_filters": invalid,
        "page": page,
        "filtered": filtered,
        "tz_name": str(tz),
    }
    return render(request, "portfolios/transactions/list.html", context)


@require_http_methods(["GET", "POST"])
def transaction_add(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    tx_type = _chosen_type(request)
    if tx_type is None:
        return render(request, "portfolios/transactions/form.html", _form_context(request, portfolio, None))
    initial = {
        "timestamp": timezone.now().replace(microsecond=0),
        "account": int_or_none(request.GET.get("account")),
        "asset": int_or_none(request.GET.get("asset")),
    }
    form = _transaction_form(request, portfolio=portfolio, tx_type=tx_type, initial=initial)
    if request.method == "POST" and not form.is_valid():
        _judge_the_rest(form, portfolio=portfolio)
    elif request.method == "POST":
        try:
            with db_transaction.atomic():
                tx = services.transaction_record(portfolio=portfolio, data=_with_new_assets(form.to_data()))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Recorded: {tx}. Lots are up to date.")
            return redirect("portfolios:transaction_list", portfolio_id=portfolio.pk)
    return render(request, "portfolios/transactions/form.html", _form_context(request, portfolio, form))


@require_http_methods(["GET", "POST"])
def transaction_edit(request: HttpRequest, portfolio_id: int, tx_id: int) -> HttpResponse:
    tx = _get_transaction_for_user(request, portfolio_id, tx_id)
    portfolio = tx.portfolio
    tx_type = _chosen_type(request) or tx.type
    picks = list(LotPick.objects.filter(transaction=tx).values_list("origin_id", "quantity"))
    initial = transaction_initial(tx, picks)
    original = str(tx)
    form = _transaction_form(request, portfolio=portfolio, tx_type=tx_type, initial=initial, tx=tx)
    if request.method == "POST" and not form.is_valid():
        _judge_the_rest(form, portfolio=portfolio, tx=tx)
    elif request.method == "POST":
        try:
            with db_transaction.atomic():
                data = _with_new_assets(form.to_data(external_id=tx.external_id))
                services.transaction_update(tx=tx, data=data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Saved: {tx}. Lots are up to date.")
            return redirect("portfolios:transaction_list", portfolio_id=portfolio.pk)
    context = _form_context(request, portfolio, form, tx_id=tx.pk, original=original)
    return render(request, "portfolios/transactions/form.html", context)


@require_http_methods(["GET", "POST"])
def transaction_delete(request: HttpRequest, portfolio_id: int, tx_id: int) -> HttpResponse:
    tx = _get_transaction_for_user(request, portfolio_id, tx_id)
    errors: list[str] = []
    if request.method == "POST":
        description = str(tx)
        try:
            services.transaction_delete(tx=tx)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Deleted: {description}. Lots are up to date.")
            return redirect("portfolios:transaction_list", portfolio_id=portfolio_id)
    context = {
        "portfolio": tx.portfolio,
        "tx": tx,
        "errors": errors,
        "quantity_text": grouped_text(tx.quantity),
        "unit_price_text": grouped_text(tx.unit_price),
        "tz_name": str(tz_of(request)),
    }
    return render(
        request, "portfolios/transactions/confirm_delete.html", context, status=400 if errors else 200
    )
