"""What runs after a committed ledger change: callables taking a portfolio id, registered at start-up
(PortfoliosConfig.ready) and called by `portfolios.services.ledger_changed`.

A module of its own so that registering a hook loads neither the services (and the tax engine behind them)
nor the hook's own module: a process that never changes a ledger pays for neither.
"""

from __future__ import annotations

from collections.abc import Callable

LEDGER_CHANGED_HOOKS: list[Callable[[int], None]] = []


def on_ledger_changed(hook: Callable[[int], None]) -> Callable[[int], None]:
    if hook not in LEDGER_CHANGED_HOOKS:
        LEDGER_CHANGED_HOOKS.append(hook)
    return hook
