"""Setting up a portfolio: portfolios and accounts are created, renamed, configured and deleted here.

Anything that changes how lots are computed (an account's tax treatment, its basis method, the portfolio's
crypto wash-sale switch) recomputes the owner's lots in the same database transaction, so a change the
ledger cannot absorb is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from portfolios.models import Account, BasisMethodChange, LotPick, Portfolio, Transaction, User
from portfolios.models.ledger import KIND_TREATMENT, AccountKind, BasisMethod, TaxTreatment
from portfolios.services import ledger_changed
from taxes.services import RecomputeError, owner_recompute

MAX_NAME = 100


def _recompute(owner: User, what: str) -> None:
    try:
        owner_recompute(owner=owner, changed_from=None)
    except RecomputeError as exc:
        raise ValidationError(f"{what}: with this change the ledger no longer adds up: {exc}") from exc


def _clean_name(name: str, *, label: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": f"Give the {label} a name."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"At most {MAX_NAME} characters."})
    return name


@transaction.atomic
def portfolio_create(*, owner: User, name: str) -> Portfolio:
    name = _clean_name(name, label="portfolio")
    if Portfolio.objects.filter(owner=owner, name=name).exists():
        raise ValidationError({"name": f"You already have a portfolio named {name!r}."})
    return Portfolio.objects.create(owner=owner, name=name)


@transaction.atomic
def portfolio_update(*, portfolio: Portfolio, name: str, wash_sale_crypto: bool) -> Portfolio:
    name = _clean_name(name, label="portfolio")
    if Portfolio.objects.filter(owner_id=portfolio.owner_id, name=name).exclude(pk=portfolio.pk).exists():
        raise ValidationError({"name": f"You already have a portfolio named {name!r}."})
    switched = portfolio.wash_sale_crypto != wash_sale_crypto
    portfolio.name = name
    portfolio.wash_sale_crypto = wash_sale_crypto
    portfolio.save(update_fields=["name", "wash_sale_crypto"])
    if switched:
        _recompute(portfolio.owner, "The crypto wash-sale setting")
        ledger_changed(portfolio=portfolio)
    return portfolio


@dataclass(frozen=True)
class PortfolioContents:
    """What deleting a portfolio deletes, for the confirmation page."""

    accounts: int
    transactions: int
    lots: int


def portfolio_contents(*, portfolio: Portfolio) -> PortfolioContents:
    from taxes.models import TaxLot

    return PortfolioContents(
        accounts=Account.objects.filter(portfolio=portfolio).count(),
        transactions=Transaction.objects.filter(portfolio=portfolio).count(),
        lots=TaxLot.objects.filter(portfolio=portfolio).count(),
    )


@transaction.atomic
def portfolio_delete(*, portfolio: Portfolio) -> None:
    """Deletes the portfolio with its accounts, ledger and derived rows, then recomputes the owner's other
    portfolios (a wash sale there may have had its replacement here)."""
    owner = portfolio.owner
    others = list(Portfolio.objects.filter(owner=owner).exclude(pk=portfolio.pk)[:1])
    # The ledger protects its accounts and the lots a sale picked from; remove it from the inside out.
    LotPick.objects.filter(transaction__portfolio=portfolio).delete()
    Transaction.objects.filter(portfolio=portfolio).delete()
    portfolio.delete()
    if others:
        _recompute(owner, "Deleting the portfolio")
        ledger_changed(portfolio=others[0])


def _treatment_for(kind: str) -> str:
    try:
        return str(KIND_TREATMENT.get(AccountKind(kind), TaxTreatment.TAXABLE))
    except ValueError:
        raise ValidationError({"kind": f"Unknown account kind {kind!r}."}) from None


@transaction.atomic
def account_create(
    *,
    portfolio: Portfolio,
    name: str,
    kind: str,
    basis_method: str = BasisMethod.FIFO,
    reporting: str = "no_form",
    custodian: str = "",
) -> Account:
    """The kind fixes the tax treatment (an IRA is tax-deferred, a Roth tax-free, anything else taxable)."""
    name = _clean_name(name, label="account")
    if Account.objects.filter(portfolio=portfolio, name=name).exists():
        raise ValidationError({"name": f"This portfolio already has an account named {name!r}."})
    account = Account(
        portfolio=portfolio,
        name=name,
        kind=kind,
        tax_treatment=_treatment_for(kind),
        basis_method=basis_method,
        reporting=reporting,
        custodian=(custodian or "").strip(),
    )
    account.full_clean()
    account.save()
    return account


def _has_sales(account: Account) -> bool:
    return Transaction.objects.filter(
        account=account, type__in=("sell", "trade", "fee", "transfer", "conversion")
    ).exists()


@transaction.atomic
def account_edit(
    *,
    account: Account,
    name: str,
    kind: str,
    reporting: str,
    custodian: str = "",
    basis_method: str | None = None,
) -> Account:
    """Rename or reclassify an account. Its opening basis method can change only while nothing has left
    the account; afterwards a method change is a standing order from a date (`account_method_change`)."""
    name = _clean_name(name, label="account")
    if Account.objects.filter(portfolio_id=account.portfolio_id, name=name).exclude(pk=account.pk).exists():
        raise ValidationError({"name": f"This portfolio already has an account named {name!r}."})
    treatment = _treatment_for(kind)
    recompute = treatment != account.tax_treatment
    if basis_method is not None and basis_method != account.basis_method:
        if _has_sales(account):
            raise ValidationError(
                {
                    "basis_method": "Lots have already left this account under its method; change the method "
                    "from a date instead, so earlier sales keep theirs."
                }
            )
        account.basis_method = basis_method
        recompute = True
    account.name = name
    account.kind = kind
    account.tax_treatment = treatment
    account.reporting = reporting
    account.custodian = (custodian or "").strip()
    account.full_clean()
    account.save()
    if recompute:
        _recompute(account.portfolio.owner, f"Account {name!r}")
        ledger_changed(portfolio=account.portfolio)
    return account


@transaction.atomic
def account_method_change(*, account: Account, method: str, effective_from: date) -> BasisMethodChange:
    """A new standing order from `effective_from`: sales from then on use `method`; earlier sales, and so
    earlier years' reports, are unchanged."""
    if method not in BasisMethod.values:
        raise ValidationError({"method": f"Unknown basis method {method!r}."})
    change, _ = BasisMethodChange.objects.update_or_create(
        account=account, effective_from=effective_from, defaults={"method": method}
    )
    _recompute(account.portfolio.owner, f"The method change of {account.name!r}")
    ledger_changed(portfolio=account.portfolio)
    return change


@transaction.atomic
def account_method_change_delete(*, change: BasisMethodChange) -> None:
    account = change.account
    change.delete()
    _recompute(account.portfolio.owner, f"Removing the method change of {account.name!r}")
    ledger_changed(portfolio=account.portfolio)


def account_methods(*, account: Account) -> list[tuple[date | None, str]]:
    """The account's standing orders in date order: (None, opening method), then each change."""
    history: list[tuple[date | None, str]] = [(None, account.basis_method)]
    history.extend(
        (c.effective_from, c.method)
        for c in BasisMethodChange.objects.filter(account=account).order_by("effective_from")
    )
    return history


@transaction.atomic
def account_delete(*, account: Account) -> None:
    """Refused while the account has transactions (as the source or the destination of a transfer):
    deleting them would silently rewrite the lots of other accounts."""
    used = (
        Transaction.objects.filter(account=account).count()
        + Transaction.objects.filter(to_account=account).count()
    )
    if used:
        raise ValidationError(
            f"The account {account.name!r} has {used} transaction{'s' if used != 1 else ''}; delete or move "
            "them first."
        )
    account.delete()


@transaction.atomic
def user_timezone_update(*, user: User, timezone_name: str) -> int:
    """The time zone decides each event's tax date, so every portfolio of the user is recomputed.

    Returns how many portfolios were recomputed; raises ValidationError (nothing changed) if one cannot be.
    """
    if timezone_name == user.timezone:
        return 0
    user.timezone = timezone_name
    user.full_clean(validate_unique=False)
    user.save(update_fields=["timezone"])
    portfolios = list(Portfolio.objects.filter(owner=user).select_related("owner"))
    if not portfolios:
        return 0
    try:
        owner_recompute(owner=user, changed_from=None)
    except RecomputeError as exc:
        raise ValidationError(f"Your ledger cannot be recomputed in {timezone_name}: {exc}") from exc
    ledger_changed(portfolio=portfolios[0])
    return len(portfolios)


def portfolio_for_user(*, user: User, name: str | None) -> Portfolio:
    """The named portfolio (created if new), or the user's only one, or a new 'Main'."""
    if name:
        portfolio, _ = Portfolio.objects.get_or_create(owner=user, name=name)
        return portfolio
    existing = list(Portfolio.objects.filter(owner=user)[:2])
    if len(existing) == 1:
        return existing[0]
    if len(existing) > 1:
        raise ValidationError("You have several portfolios: name one.")
    return Portfolio.objects.create(owner=user, name="Main")
