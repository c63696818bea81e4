"""Setting up: a portfolio's settings and deletion, its accounts, and their basis-method changes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portfolios import account_services as services
from portfolios.models import Account, BasisMethodChange, Portfolio
from portfolios.setup_forms import AccountForm, MethodChangeForm, PortfolioSettingsForm
from portfolios.sharing import grants_given
from portfolios.views.common import user_of


def _get_portfolio_for_user(request: HttpRequest, portfolio_id: int) -> Portfolio:
    return get_object_or_404(Portfolio, pk=portfolio_id, owner=user_of(request))


def _get_account_for_user(request: HttpRequest, portfolio_id: int, account_id: int) -> Account:
    return get_object_or_404(
        Account.objects.select_related("portfolio", "portfolio__owner"),
        pk=account_id,
        portfolio_id=portfolio_id,
        portfolio__owner=user_of(request),
    )


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
def portfolio_settings(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    initial = {"name": portfolio.name, "wash_sale_crypto": portfolio.wash_sale_crypto}
    form = PortfolioSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.portfolio_update(
                portfolio=portfolio,
                name=form.cleaned_data["name"],
                wash_sale_crypto=form.cleaned_data["wash_sale_crypto"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Portfolio settings saved.")
            return redirect("portfolios:dashboard", portfolio_id=portfolio.pk)
    ctx = {
        "portfolio": portfolio,
        "form": form,
        "grants": grants_given(owner=portfolio.owner, portfolio=portfolio),
    }
    return render(request, "portfolios/setup/portfolio_settings.html", ctx)


@require_http_methods(["GET", "POST"])
def portfolio_delete(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    if request.method == "POST":
        name = portfolio.name
        services.portfolio_delete(portfolio=portfolio)
        messages.success(request, f"Portfolio {name!r} deleted.")
        return redirect("portfolios:home")
    contents = services.portfolio_contents(portfolio=portfolio)
    return render(
        request, "portfolios/setup/portfolio_delete.html", {"portfolio": portfolio, "contents": contents}
    )


@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = _get_portfolio_for_user(request, portfolio_id)
    form = AccountForm(request.POST or None, initial={"kind": "exchange", "basis_method": "fifo"})
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(portfolio=portfolio, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Account {account.name!r} created.")
            return redirect("portfolios:account_list", portfolio_id=portfolio.pk)
    return render(
        request, "portfolios/setup/account_form.html", {"portfolio": portfolio, "form": form, "account": None}
    )


@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, portfolio_id: int, account_id: int) -> HttpResponse:
    account = _get_account_for_user(request, portfolio_id, account_id)
    initial = {
        "name": account.name,
        "kind": account.kind,
        "custodian": account.custodian,
        "basis_method": account.basis_method,
        "reporting": account.reporting,
    }
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_edit(account=account, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Account {account.name!r} saved.")
            return redirect("portfolios:account_detail", portfolio_id=portfolio_id, account_id=account.pk)
    ctx = {"portfolio": account.portfolio, "form": form, "account": account}
    return render(request, "portfolios/setup/account_form.html", ctx)


@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest, portfolio_id: int, account_id: int) -> HttpResponse:
    account = _get_account_for_user(request, portfolio_id, account_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.account_delete(account=account)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Account {account.name!r} deleted.")
            return redirect("portfolios:account_list", portfolio_id=portfolio_id)
    ctx = {"portfolio": account.portfolio, "account": account, "errors": errors}
    return render(request, "portfolios/setup/account_delete.html", ctx, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def account_method(request: HttpRequest, portfolio_id: int, account_id: int) -> HttpResponse:
    account = _get_account_for_user(request, portfolio_id, account_id)
    form = MethodChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_method_change(account=account, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Basis method change saved; your lots were recomputed.")
            return redirect("portfolios:account_detail", portfolio_id=portfolio_id, account_id=account.pk)
    ctx = {
        "portfolio": account.portfolio,
        "account": account,
        "form": form,
        "history": services.account_methods(account=account),
    }
    return render(request, "portfolios/setup/account_method.html", ctx)


@require_POST
def account_method_delete(
    request: HttpRequest, portfolio_id: int, account_id: int, change_id: int
) -> HttpResponse:
    account = _get_account_for_user(request, portfolio_id, account_id)
    change = get_object_or_404(BasisMethodChange, pk=change_id, account=account)
    try:
        services.account_method_change_delete(change=change)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("portfolios:account_method", portfolio_id=portfolio_id, account_id=account.pk)
