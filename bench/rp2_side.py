"""RP2's side of bench/vs_rp2.py. Runs inside RP2's own virtual environment (var/rp2-venv), never the
project's: it uses only the standard library and ezodf (pyexcel-ezodf, a dependency of RP2).

    var/rp2-venv/bin/python bench/rp2_side.py input LEDGER.csv DIR      # writes DIR/input.ods, DIR/config.ini
    var/rp2-venv/bin/python bench/rp2_side.py totals OUTPUT_DIR YEAR    # prints the year's totals as JSON

`input` turns a Lotwise CSV ledger of one account (buy, sell and staking rows, no fee on a sale) into RP2's
input: one sheet per asset with an IN table (buys, with their USD fee, and staking income) and an OUT table
(sales), and the .ini file that maps those columns. Numbers are written as the CSV's decimal text.

`totals` reads the "Summary" sheet of RP2's full report (rp2_full_report.ods), whose cells are formulas
carrying RP2's exact decimal figures, and prints the year's short-term and long-term proceeds, cost basis
and gain of sales, and the year's staking income, as exact decimal strings.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import ezodf

HOLDER = "Bench"
IN_COLUMNS = [
    "timestamp",
    "asset",
    "exchange",
    "holder",
    "transaction_type",
    "spot_price",
    "crypto_in",
    "fiat_fee",
    "unique_id",
]
OUT_COLUMNS = [
    "timestamp",
    "asset",
    "exchange",
    "holder",
    "transaction_type",
    "spot_price",
    "crypto_out_no_fee",
    "crypto_fee",
    "unique_id",
]
INTRA_COLUMNS = [
    "timestamp",
    "asset",
    "from_exchange",
    "from_holder",
    "to_exchange",
    "to_holder",
    "spot_price",
    "crypto_sent",
    "crypto_received",
    "unique_id",
]
NUMERIC = {"spot_price", "crypto_in", "fiat_fee", "crypto_out_no_fee", "crypto_fee"}


def write_input(ledger: Path, out_dir: Path) -> None:
    ins: dict[str, list[dict[str, str]]] = {}
    outs: dict[str, list[dict[str, str]]] = {}
    exchanges: set[str] = set()
    with ledger.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            kind, asset, fee = row["type"], row["asset"], row.get("fee") or "0"
            exchanges.add(row["account"])
            common = {
                "timestamp": row["timestamp"],
                "asset": asset,
                "exchange": row["account"],
                "holder": HOLDER,
                "spot_price": row["unit_price"],
                "unique_id": row.get("external_id") or f"line{line}",
            }
            if kind in ("buy", "staking"):
                entry = {
                    **common,
                    "transaction_type": kind.upper(),
                    "crypto_in": row["quantity"],
                    "fiat_fee": fee,
                }
                ins.setdefault(asset, []).append(entry)
            elif kind == "sell":
                if Decimal(fee) != 0:
                    raise SystemExit(
                        f"{ledger}: line {line}: a fee on a sale is not modelled the same way by both"
                    )
                entry = {
                    **common,
                    "transaction_type": "SELL",
                    "crypto_out_no_fee": row["quantity"],
                    "crypto_fee": "0",
                }
                outs.setdefault(asset, []).append(entry)
            else:
                raise SystemExit(f"{ledger}: line {line}: type {kind!r} is not part of this comparison")

    out_dir.mkdir(parents=True, exist_ok=True)
    doc = ezodf.newdoc(doctype="ods", filename=str(out_dir / "input.ods"))
    for asset in sorted(ins):
        tables = [("IN", IN_COLUMNS, ins[asset]), ("OUT", OUT_COLUMNS, outs.get(asset, []))]
        rows = sum(len(entries) + 4 for _, _, entries in tables)
        sheet = ezodf.Sheet(asset, size=(rows, max(len(IN_COLUMNS), len(OUT_COLUMNS))))
        doc.sheets += sheet
        r = 0
        for name, columns, entries in tables:
            sheet[r, 0].set_value(name)
            for c, column in enumerate(columns):
                sheet[r + 1, c].set_value(column.replace("_", " ").title())
            r += 2
            for entry in entries:
                for c, column in enumerate(columns):
                    value = entry[column]
                    if column in NUMERIC:
                        sheet[r, c].set_value(value, value_type="float")
                    else:
                        sheet[r, c].set_value(value)
                r += 1
            sheet[r, 0].set_value("TABLE END")
            r += 2
    doc.save()

    def header(columns: list[str]) -> str:
        return "\n".join(f"{column} = {i}" for i, column in enumerate(columns))

    (out_dir / "config.ini").write_text(
        "[general]\n"
        f"assets = {', '.join(sorted(ins))}\n"
        f"exchanges = {', '.join(sorted(exchanges))}\n"
        f"holders = {HOLDER}\n\n"
        f"[in_header]\n{header(IN_COLUMNS)}\n\n"
        f"[out_header]\n{header(OUT_COLUMNS)}\n\n"
        f"[intra_header]\n{header(INTRA_COLUMNS)}\n",
        encoding="utf-8",
    )


_ARGUMENT = re.compile(r';\s*"?([^";]*?)"?\s*\)\s*$')


def _summary_value(cell: object) -> str | None:
    formula = getattr(cell, "formula", None)
    if formula:
        found = _ARGUMENT.search(formula)
        return found.group(1) if found else None
    value = getattr(cell, "value", None)
    return None if value is None else str(value)


def read_totals(output_dir: Path, year: int) -> dict[str, object]:
    reports = sorted(output_dir.glob("*rp2_full_report.ods"))
    if not reports:
        raise SystemExit(f"no rp2_full_report.ods in {output_dir}")
    sheet = ezodf.opendoc(str(reports[0])).sheets["Summary"]
    zero = Decimal(0)
    terms = {t: {"proceeds": zero, "cost_basis": zero, "gain": zero} for t in ("short_term", "long_term")}
    income = zero
    rows = 0
    for row in sheet.rows():
        cells = [_summary_value(cell) for cell in row[:8]]
        if not cells[0] or not cells[0].isdigit() or int(cells[0]) != year:
            continue
        _year, _asset, gain, term, kind, _amount, proceeds, basis = cells
        rows += 1
        if kind == "SELL":
            totals = terms["long_term" if term == "LONG" else "short_term"]
            totals["proceeds"] += Decimal(str(proceeds))
            totals["cost_basis"] += Decimal(str(basis))
            totals["gain"] += Decimal(str(gain))
        elif kind == "STAKING":
            income += Decimal(str(gain))
        else:
            raise SystemExit(f"{reports[0]}: unexpected transaction type {kind!r} in the summary")
    return {
        "year": year,
        "report": str(reports[0]),
        "summary_rows": rows,
        **{t: {k: str(v) for k, v in totals.items()} for t, totals in terms.items()},
        "income": str(income),
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "input":
        write_input(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "totals":
        print(json.dumps(read_totals(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
