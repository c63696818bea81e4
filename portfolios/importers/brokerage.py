"""A brokerage's transaction CSV: one row per activity with a date, an action, a symbol, a quantity, a price,
fees and the cash amount (Schwab, Fidelity, Vanguard and most others write some version of this).

The columns are found through a mapping from Lotwise's meaning to the file's column names; detection
proposes one from the usual names (`Date`/`Trade Date`/`Run Date`, `Action`/`Transaction Type`,
`Fees & Comm`/`Commission ($)`, `Amount ($)`…) and the owner may give their own. Actions are read by their
words ("Buy", "YOU BOUGHT", "Reinvest Shares", "Sell", "Cash Dividend", "Wire Sent"…). Cash dividends and
interest become cash deposits: Lotwise does not report them as income.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .common import (
    ZERO,
    Conversion,
    Format,
    LineError,
    Options,
    Record,
    Table,
    norm,
    number,
    record_id,
    when,
)
from .rows import USD, Built, Leg, Origin, cash, finish, trade
from .transfers import Movement, transfers

ACCOUNT = "Brokerage"
REQUIRED = ("date", "action", "symbol", "quantity")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": (
        "trade date",
        "date",
        "run date",
        "transaction date",
        "activity date",
        "date/time",
        "settlement date",
    ),
    "action": (
        "action",
        "transaction type",
        "activity",
        "activity type",
        "type",
        "trans code",
        "transaction",
    ),
    "symbol": ("symbol", "ticker", "ticker symbol", "security", "instrument"),
    "quantity": ("quantity", "qty", "shares", "units", "quantity #"),
    "price": ("price", "price ($)", "unit price", "share price", "price per share", "execution price"),
    "fees": (
        "fees & comm",
        "fees",
        "fee",
        "fees ($)",
        "fees and commissions",
        "commission",
        "commission ($)",
    ),
    "commission": ("commission ($)", "commission", "commissions"),
    "amount": ("amount", "amount ($)", "net amount", "total", "total amount", "net cash"),
    "account": ("account", "account name", "account number"),
    "description": ("description", "security description", "name"),
    "id": ("transaction id", "id", "reference", "reference number"),
}
# The first rule whose words the action contains decides what the row is.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "unsupported",
        (
            "split",
            "merger",
            "spin-off",
            "spinoff",
            "name change",
            "conversion",
            "return of capital",
            "stock div",
            "cash in lieu",
            "exercise",
            "assignment",
            "expired",
            "tender",
        ),
    ),
    ("buy", ("reinvest shares", "buy", "bought", "purchase", "reinvestment")),
    ("sell", ("sell", "sold", "redemption")),
    ("income", ("dividend", "div", "interest", "cap gain", "capital gain", "distribution")),
    ("charge", ("fee", "commission", "tax")),
    ("withdrawal", ("wire sent", "withdraw", "disburse", "cash out")),
    ("deposit", ("deposit", "contribution", "wire received", "wire funds received", "cash in")),
    ("move", ("transfer", "journal", "moneylink", "ach", "acat", "deliver", "receive")),
)


# What each meaning is, for the owner who maps a file's columns by hand.
MEANINGS: dict[str, str] = {
    "date": "Date of the trade",
    "action": "Action (buy, sell, dividend, transfer…)",
    "symbol": "Symbol or ticker",
    "quantity": "Quantity (shares or units)",
    "price": "Price per unit",
    "fees": "Fees",
    "commission": "Commission (if apart from the fees)",
    "amount": "Cash amount of the row",
    "account": "Account name (else one account)",
    "description": "Description",
    "id": "Transaction id (for re-imports)",
}


def proposal(header: list[str]) -> dict[str, str]:
    """The meanings this header has columns for, by their usual names, complete or not."""
    have = {norm(h): h for h in header if h.strip()}
    mapping: dict[str, str] = {}
    for meaning, names in SYNONYMS.items():
        found = next((have[n] for n in names if n in have and have[n] not in mapping.values()), None)
        if found:
            mapping[meaning] = found
    return mapping


def propose(header: list[str]) -> dict[str, str] | None:
    """A mapping from Lotwise's meaning to this header's columns, when the header has what a brokerage CSV
    needs (a date, an action, a symbol, a quantity, and a price or an amount)."""
    mapping = proposal(header)
    if all(k in mapping for k in REQUIRED) and ("price" in mapping or "amount" in mapping):
        return mapping
    return None


def classify(action: str) -> str:
    words = norm(action)
    for kind, keys in RULES:
        if any(re.search(rf"\b{re.escape(k)}", words) for k in keys):
            return kind
    return ""


def convert(table: Table, options: Options) -> Conversion:
    mapping = {**(propose(table.header) or {}), **(options.mapping or {})}
    built = Built()
    unknown = sorted(set(mapping) - set(SYNONYMS))
    missing = [k for k in REQUIRED if not mapping.get(k)]
    if not (mapping.get("price") or mapping.get("amount")):
        missing.append("price or amount")
    if unknown or missing:
        problems = [f"the mapping needs {', '.join(missing)}"] if missing else []
        if unknown:
            problems.append(f"{', '.join(unknown)} is not a meaning it knows ({', '.join(SYNONYMS)})")
        built.errors.append(LineError(table.header_line, "header", "; ".join(problems) + "."))
        return finish(FORMAT, table, built, mapping=mapping)
    moves: list[Movement] = []
    col = mapping.get
    for rec in table.records:
        if norm(rec.get(col("date"))).startswith(("total", "transactions total")):
            table.skipped.append((rec.line, "the file's total line"))
            continue
        errors = built.errors
        before = len(errors)
        ts = when(rec, col("date"), errors)
        quantity = number(rec, col("quantity"), errors, required=False)
        price = number(rec, col("price"), errors, required=False)
        amount = number(rec, col("amount"), errors, required=False)
        fees = abs(number(rec, col("fees"), errors, required=False) or ZERO)
        if col("commission") and col("commission") != col("fees"):
            fees += abs(number(rec, col("commission"), errors, required=False) or ZERO)
        if len(errors) > before or ts is None:
            continue
        action, symbol = rec.get(col("action")), rec.get(col("symbol")).upper()
        kind = classify(action)
        account = rec.get(col("account")) or options.account or ACCOUNT
        ident = rec.get(col("id"))
        ident = f"brokerage:{ident}" if ident else record_id("brokerage", [rec])
        o = Origin(
            account, ts, rec.at(col("date")), rec.at(col("action")), ident, action, rec.at(col("account"))
        )
        if kind in ("buy", "sell") and symbol and quantity:
            built.add(
                _order(rec, mapping, o, symbol, abs(quantity), price, amount, fees, buying=kind == "buy")
            )
        elif kind == "move" and symbol and quantity:
            moves.append(Movement(Leg(rec.line, symbol, quantity, col("quantity") or ""), o))
        elif kind in ("income", "charge", "deposit", "withdrawal", "move") and amount is not None:
            incoming = {"income": True, "deposit": True, "charge": False, "withdrawal": False}.get(
                kind, amount > 0
            )
            leg = Leg(rec.line, USD, abs(amount) if incoming else -abs(amount), col("amount") or "")
            done = cash(leg, o)
            for row in done.rows:
                row.becomes = f"{row.type} ({action})"
                if kind == "income":
                    row.becomes += ": Lotwise does not report dividends or interest as income"
            built.add(done)
        else:
            built.errors.append(_refused(rec, mapping, kind, action, symbol, amount))
    built.add(transfers(moves))
    return finish(FORMAT, table, built, mapping=mapping)


def _order(
    rec: Record,
    mapping: dict[str, str],
    o: Origin,
    symbol: str,
    quantity: Decimal,
    price: Decimal | None,
    amount: Decimal | None,
    fees: Decimal,
    *,
    buying: bool,
) -> Built:
    """A buy or a sale for cash. Without a price, the cash amount and the fees give it."""
    if price is not None:
        gross, column = abs(price) * quantity, mapping.get("price", "")
    elif amount is not None:
        gross = abs(amount) - fees if buying else abs(amount) + fees
        column = mapping.get("amount", "")
    else:
        out = Built()
        out.errors.append(
            LineError(rec.line, mapping.get("price") or "price", "a price or an amount is required.")
        )
        return out
    sign = 1 if buying else -1
    fee_column = mapping.get("fees") or mapping.get("commission") or ""
    usd = Leg(rec.line, USD, -sign * gross, column, fee=fees, fee_column=fee_column)
    return trade([Leg(rec.line, symbol, sign * quantity, mapping.get("quantity", "")), usd], o)


def _refused(
    rec: Record, mapping: dict[str, str], kind: str, action: str, symbol: str, amount: Decimal | None
) -> LineError:
    column = mapping.get("action") or "action"
    if kind == "unsupported":
        return LineError(
            rec.line,
            column,
            f"{action!r} changes holdings in a way Lotwise cannot import (a split, merger or similar); enter it by hand.",
        )
    if kind in ("buy", "sell", "move"):
        missing = "symbol" if not symbol else "quantity"
        return LineError(rec.line, mapping.get(missing) or missing, f"required for {action!r}.")
    if kind:
        return LineError(rec.line, mapping.get("amount") or "amount", f"required for {action!r}.")
    return LineError(
        rec.line,
        column,
        f"{action!r} is not an action Lotwise recognises (buy, sell, dividend, interest, fee, deposit, withdrawal, transfer).",
    )


FORMAT = Format(
    key="brokerage",
    label="Brokerage CSV",
    matches=lambda header: propose(header) is not None,
    convert=convert,
)
