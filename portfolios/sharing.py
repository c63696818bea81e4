"""Read-only sharing of a portfolio: grants, revocation, and the one lookup every read-only page goes through.

A grant lets its grantee read one portfolio: dashboard, accounts, lots, realized gains, transactions,
proposals and the tax summary of that portfolio with its downloads. Every write stays its owner's: write
views look objects up through the owner (another user's id is a 404), and a grantee's non-read request to a
shared portfolio is refused with 403 before any view code runs.
"""

from __future__ import annotations

from datetime import date
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from portfolios.models import Portfolio, PortfolioGrant, User

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def readable_portfolios(*, user: User) -> QuerySet[Portfolio]:
    """The user's own portfolios and those shared with them."""
    shared = PortfolioGrant.objects.filter(grantee=user).values("portfolio_id")
    return Portfolio.objects.filter(Q(owner=user) | Q(pk__in=shared))


def portfolio_readable(
    *, user: User, pk: int, method: str, queryset: QuerySet[Portfolio] | None = None
) -> Portfolio:
    """The portfolio `pk` if `user` owns it or it is shared with them, else Portfolio.DoesNotExist.

    The result carries `read_only` (True for a grantee) and `shared_by` (the owner's username, or "").
    A grantee asking anything but a read gets PermissionDenied.
    """
    base = queryset if queryset is not None else Portfolio.objects.all()
    portfolio = base.filter(pk__in=readable_portfolios(user=user).values("pk")).get(pk=pk)
    mark_access(portfolio, user=user)
    if portfolio.read_only and method not in READ_METHODS:
        raise PermissionDenied("This portfolio is shared with you read-only.")
    return portfolio


def owner_today(portfolio: Portfolio) -> date:
    """Today in the portfolio owner's calendar: holding periods count there, whoever is looking."""
    return timezone.now().astimezone(portfolio.owner.tzinfo).date()


def mark_access(portfolio: Portfolio, *, user: User) -> Portfolio:
    owned = portfolio.owner_id == user.pk
    portfolio.read_only = not owned
    portfolio.shared_by = "" if owned else portfolio.owner.username
    return portfolio


def grants_given(*, owner: User, portfolio: Portfolio | None = None) -> list[PortfolioGrant]:
    grants = PortfolioGrant.objects.filter(portfolio__owner=owner).select_related("portfolio", "grantee")
    if portfolio is not None:
        grants = grants.filter(portfolio=portfolio)
    return list(grants)


def grants_received(*, user: User) -> list[PortfolioGrant]:
    return list(PortfolioGrant.objects.filter(grantee=user).select_related("portfolio", "portfolio__owner"))


def grant_create(*, owner: User, portfolio: Portfolio, username: str) -> PortfolioGrant:
    """Share `portfolio` read-only with the user called `username`. Sharing twice changes nothing."""
    if portfolio.owner_id != owner.pk:
        raise PermissionDenied("Only the owner can share a portfolio.")
    name = username.strip()
    if not name:
        raise ValidationError({"username": "Enter the username of the person to share with."})
    grantee = User.objects.filter(username__iexact=name).first()
    if grantee is None:
        raise ValidationError({"username": f"There is no user called {name!r}."})
    if grantee.pk == owner.pk:
        raise ValidationError({"username": "You already own this portfolio."})
    try:
        with transaction.atomic():
            grant, _ = PortfolioGrant.objects.get_or_create(portfolio=portfolio, grantee=grantee)
    except IntegrityError:
        grant = PortfolioGrant.objects.get(portfolio=portfolio, grantee=grantee)
    return grant


def grant_revoke(*, owner: User, grant_id: int) -> bool:
    """Take a grant back; False when the owner has no such grant."""
    deleted, _ = PortfolioGrant.objects.filter(pk=grant_id, portfolio__owner=owner).delete()
    return bool(deleted)


def grant_leave(*, user: User, grant_id: int) -> bool:
    """A grantee gives a shared portfolio back."""
    deleted, _ = PortfolioGrant.objects.filter(pk=grant_id, grantee=user).delete()
    return bool(deleted)


def readable_or_404(
    request: HttpRequest, portfolio_id: int, queryset: QuerySet[Portfolio] | None = None
) -> Portfolio:
    """A view's lookup of a portfolio it may show read-only to a grantee: 404 for anyone else's."""
    try:
        return portfolio_readable(
            user=cast(User, request.user), pk=portfolio_id, method=request.method or "GET", queryset=queryset
        )
    except Portfolio.DoesNotExist as exc:
        raise Http404("No such portfolio.") from exc
