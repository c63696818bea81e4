"""Generated inputs for fuzzing the importer, the transaction form and the API (shared by
tests/portfolios/test_import_fuzz.py and bench/fuzz_import.py).

Everything comes from one seeded `random.Random`: the same seed and context give the same inputs. Files are
mutations of the sample exports in importers/samples/ and of generated Lotwise ledger CSVs, plus structural
garbage (huge cells, NUL, odd line endings and encodings, extreme dates and numbers, formula cells). The odd
values themselves are in fuzz_values.py.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from portfolios.models.ledger import TYPE_FIELDS
from tests.portfolios.fuzz_values import (
    DATES,
    FORMATS,
    JUNK_BYTES,
    LEDGER_HEADER,
    NUMBERS,
    SAMPLES,
    SYMBOLS,
    TEXTS,
    TYPES,
    ApiCase,
    Context,
    FileCase,
    FormCase,
)

__all__ = ["ApiCase", "Context", "FileCase", "FormCase", "cases"]


@cache
def _samples() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.csv"))]


def ledger_csv(rng: random.Random, ctx: Context, rows: int) -> str:
    """A Lotwise ledger CSV that mostly imports: cash in, buys, then sales (some naming lots), trades,
    transfers, income and gifts, in time order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_HEADER)
    when = datetime(2021, 1, 4, 10, tzinfo=UTC) + timedelta(days=rng.randrange(600))
    tag = rng.randrange(10**9)
    bought: list[str] = []
    accounts = ["Exchange", "Wallet", *ctx.account_names[:2]]
    for n in range(rows):
        when += timedelta(hours=rng.randrange(1, 400), seconds=rng.randrange(60))
        ext = f"fz{tag}-{n}"
        account = rng.choice(accounts[:2])
        asset = rng.choice(SYMBOLS[:4])
        qty = f"{rng.randrange(1, 5000)}.{rng.randrange(10**6):06d}"
        price = f"{rng.randrange(1, 70000)}.{rng.randrange(100):02d}"
        kind = rng.choice(["buy", "buy", "sell", "trade", "transfer", "staking", "gift_received", "deposit"])
        row = dict.fromkeys(LEDGER_HEADER, "")
        row.update(timestamp=when.isoformat(), account=account, type=kind, external_id=ext)
        if kind == "deposit":
            row.update(asset="USD", quantity=price)
        elif kind == "buy" or not bought:
            row.update(type="buy", asset="BTC", quantity=qty, unit_price=price, fee="1.5")
            bought.append(ext)
        elif kind == "sell":
            picks = rng.choice(["", f"{rng.choice(bought)}:0.001"])
            row.update(asset="BTC", quantity="0.001", unit_price=price, fee="0.5", lot_picks=picks)
        elif kind == "trade":
            row.update(
                asset="BTC", quantity="0.001", unit_price=price, counter_asset=asset, counter_quantity="2"
            )
        elif kind == "transfer":
            row.update(asset="BTC", quantity="0.001", to_account=rng.choice(accounts))
        elif kind == "gift_received":
            acquired = (when - timedelta(days=rng.randrange(1, 4000))).date().isoformat()
            row.update(asset=asset, quantity=qty, unit_price=price, acquired_at=acquired, cost_basis="100")
        else:
            row.update(asset=asset, quantity="0.25", unit_price=price)
        writer.writerow([row[c] for c in LEDGER_HEADER])
    return out.getvalue()


def _cells(rng: random.Random) -> str:
    pool = rng.choice([NUMBERS, DATES, TEXTS, SYMBOLS, TYPES])
    return rng.choice(pool)


_NUMBER = re.compile(r"^[-+(]?[$€]?-?\d[\d,]*(\.\d+)?\)?$")


def _tweak(rng: random.Random, cell: str) -> str:
    """A number changed the way a broken export or a slip of the hand changes it."""
    bare = cell.strip().strip("()").lstrip("+$€").replace(",", "")
    return rng.choice(
        [
            bare[1:] if bare.startswith("-") else "-" + bare,
            "0",
            "-0",
            bare + "e-20",
            bare + "e15",
            bare + "e22",
            (bare if "." in bare else bare + ".") + "0000000000000000001",
            "0.000000000000000001",
            "999999999999999.999999999999999999",
            bare * 3,
        ]
    )


def _mutate_records(rng: random.Random, records: list[list[str]], header_at: int) -> str:
    """One structural change to parsed records; returns its name."""
    data = list(range(header_at + 1, len(records))) or [len(records) - 1]
    pick = rng.randrange(14)
    at = rng.choice(data)
    numeric = [i for i, c in enumerate(records[at]) if _NUMBER.match(c.strip())]
    if pick >= 12 and numeric:
        for col in rng.sample(numeric, k=min(len(numeric), rng.randint(1, 2))):
            records[at][col] = _tweak(rng, records[at][col])
        return "number"
    if pick <= 4 and records[at]:
        col = rng.randrange(len(records[at]))
        records[at][col] = _cells(rng)
        return "cell"
    if pick == 5:
        records.insert(at, list(records[at]))
        return "duplicate row"
    if pick == 6 and len(records) > header_at + 2:
        del records[at]
        return "delete row"
    if pick == 7:
        records[at] = records[at] + [_cells(rng) for _ in range(rng.randrange(1, 4))]
        return "extra cells"
    if pick == 8:
        records[at] = records[at][: rng.randrange(len(records[at]) + 1)]
        return "short row"
    if pick == 9:
        header = records[header_at]
        if header:
            col = rng.randrange(len(header))
            header[col] = rng.choice(
                [header[col].upper(), f" {header[col]} ", "", "\ufeff" + header[col], "x"]
            )
        return "header"
    if pick == 10:
        records.insert(at, [_cells(rng)])
        return "note line"
    records[at] = [_cells(rng) for _ in records[at]]
    return "garbage row"


def _header_index(records: list[list[str]]) -> int:
    return next((i for i, r in enumerate(records) if sum(1 for c in r if c.strip()) > 3), 0)


def _text_mutation(rng: random.Random, text: str) -> tuple[str, str]:
    pick = rng.randrange(9)
    if pick == 0:
        return "CRLF", text.replace("\n", "\r\n")
    if pick == 1:
        return "CR only", text.replace("\n", "\r")
    if pick == 2:
        return "mixed line ends", "".join(c + rng.choice(["", "\r"]) if c == "\n" else c for c in text)
    if pick == 3:
        return "BOM", "\ufeff" * rng.randint(1, 2) + text
    if pick == 4:
        cut = rng.randrange(len(text) + 1)
        return "truncated", text[:cut]
    if pick == 5:
        at = rng.randrange(len(text) + 1)
        return "stray quote", text[:at] + '"' + text[at:]
    if pick == 6:
        at = text.rfind("\n", 0, max(len(text) - 1, 0)) + 1
        size = rng.choice([131_073, 140_000])
        return "huge cell", text[:at] + "x" * size + "," + text[at:]
    if pick == 7:
        at = rng.randrange(len(text) + 1)
        return "NUL", text[:at] + "\x00" + text[at:]
    return "trailing blanks", text + "\n" * rng.randint(1, 3) + ",,,\n"


def _encode(rng: random.Random, text: str) -> tuple[str, bytes]:
    pick = rng.randrange(14)
    if pick == 0:
        return "latin-1", text.encode("latin-1", errors="replace")
    if pick == 1:
        return "cp1252 é", ("é," + text).encode("cp1252", errors="replace")
    if pick == 2:
        return "utf-16", text.encode("utf-16")
    if pick == 3:
        raw = text.encode()
        at = rng.randrange(len(raw) + 1)
        return "junk bytes", raw[:at] + rng.choice(JUNK_BYTES) + raw[at:]
    return "utf-8", text.encode()


def garbage(rng: random.Random) -> FileCase:
    """A file no importer should accept, or an empty one."""
    pick = rng.randrange(8)
    if pick == 0:
        return FileCase("empty", rng.choice([b"", b"\xef\xbb\xbf", b"\n\n", b"\r\r\r", b" "]))
    if pick == 1:
        return FileCase("random bytes", rng.randbytes(rng.randrange(1, 600)))
    if pick == 2:
        return FileCase("only a header", (",".join(LEDGER_HEADER) + rng.choice(["", "\n", "\r"])).encode())
    if pick == 3:
        cells = ",".join(_cells(rng) for _ in range(rng.randrange(1, 40)))
        return FileCase("one garbage line", cells.encode(errors="replace"))
    if pick == 4:
        return FileCase("unclosed quote", (",".join(LEDGER_HEADER) + '\n"2024-01-01,' + "y" * 200).encode())
    if pick == 5:
        return FileCase(
            "many columns", (",".join(f"c{n}" for n in range(3000)) + "\n" + "1," * 3000).encode()
        )
    if pick == 6:
        rows = "\n".join(",".join(_cells(rng) for _ in LEDGER_HEADER) for _ in range(rng.randrange(1, 6)))
        text = ",".join(LEDGER_HEADER) + "\n" + rows
        return FileCase("garbage rows", text.encode(errors="replace"))
    return FileCase("binary", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))


def file_case(rng: random.Random, ctx: Context) -> FileCase:
    """A file: a sample export or a generated ledger, mutated a few times, or garbage."""
    if rng.random() < 0.08:
        return garbage(rng)
    samples = _samples()
    if rng.random() < 0.45:
        name, text = "lotwise", ledger_csv(rng, ctx, rng.randint(1, 12))
    else:
        name, text = rng.choice(samples)
    steps = [name]
    if rng.random() < 0.85:
        records = list(csv.reader(io.StringIO(text, newline="")))
        if records:
            header_at = _header_index(records)
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                steps.append(_mutate_records(rng, records, header_at))
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(records)
            text = out.getvalue()
    if rng.random() < 0.3:
        how, text = _text_mutation(rng, text)
        steps.append(how)
    how, raw = _encode(rng, text)
    if how != "utf-8":
        steps.append(how)
    forced = rng.choice(FORMATS) if rng.random() < 0.05 else None
    return FileCase(" + ".join(steps), raw, forced)


def _value(rng: random.Random, good: Callable[[], str], pools: list[list[str]]) -> str:
    return good() if rng.random() < 0.75 else rng.choice(rng.choice(pools))


def form_case(rng: random.Random, ctx: Context) -> FormCase:
    """POST data of the transaction form: mostly sensible, some fields replaced by odd values."""
    typ = rng.choice(TYPES)
    day = datetime(2022, 1, 3, 12) + timedelta(days=rng.randrange(900), seconds=rng.randrange(86400))
    accounts = [str(a) for a in ctx.account_ids] or ["1"]
    assets = [str(a) for a in ctx.asset_ids] or ["1"]
    data = {
        "type": typ,
        "account": _value(rng, lambda: rng.choice(accounts), [NUMBERS, TEXTS]),
        "timestamp": _value(rng, lambda: day.strftime("%Y-%m-%dT%H:%M:%S"), [DATES]),
        "asset": _value(rng, lambda: rng.choice(assets), [NUMBERS, TEXTS]),
        "quantity": _value(rng, lambda: str(Decimal(rng.randrange(1, 300)).scaleb(-2)), [NUMBERS]),
        "unit_price": _value(rng, lambda: str(rng.randrange(1, 90000)), [NUMBERS]),
        "fee": _value(rng, lambda: "", [NUMBERS]),
        "counter_asset": _value(rng, lambda: rng.choice(assets), [NUMBERS, TEXTS]),
        "counter_quantity": _value(rng, lambda: "3", [NUMBERS]),
        "to_account": _value(rng, lambda: rng.choice(accounts), [NUMBERS, TEXTS]),
        "acquired_at": _value(rng, lambda: "2020-05-01", [DATES]),
        "cost_basis": _value(rng, lambda: "100", [NUMBERS]),
        "notes": _value(rng, lambda: "", [TEXTS]),
    }
    if rng.random() < 0.2:
        data["asset"], data["asset_symbol"] = "", rng.choice(SYMBOLS + TEXTS)
        data["asset_class"] = rng.choice(["", "crypto", "stock", "etf", "cash", "x"])
    if typ in ("sell", "trade") and rng.random() < 0.5:
        origins = [str(t) for t in ctx.transaction_ids] or ["1"]
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*origins, "0", str(2**63), str(2**70), "\u00b2", "\u0661", "-1", "x"])
            data[f"lot_picks_{key}"] = rng.choice([*NUMBERS, "0.001", "0.01"])
    for name in rng.sample(sorted(data), k=rng.randrange(3)):
        del data[name]
    data["type"] = typ
    return FormCase("form " + typ, typ, data, edit=rng.random() < 0.15)


_JSON_ODD: list[Any] = [
    None, True, 0, -1, 2**63, 2**70, 1e308, 1.5, "", [], {}, [1, 2], {"a": 1}, "\ud800", "a\x00b", "x" * 300,
    10**40,
]  # fmt: skip


def api_case(rng: random.Random, ctx: Context) -> ApiCase:
    """A request body for the transaction API: a JSON object, mostly sensible, or not JSON at all."""
    if rng.random() < 0.05:
        nested = rng.choice([10, 500, 5000])
        body = rng.choice(
            [
                "{",
                "[]",
                "null",
                '"x"',
                "\x00",
                '{"quantity": ' + "[" * nested + "]" * nested + "}",
                "{" * nested,
                '{"a": NaN}',
            ]
        )
        return ApiCase("not an object", body)
    typ = rng.choice(TYPES)
    day = datetime(2022, 1, 3, 12, tzinfo=UTC) + timedelta(
        days=rng.randrange(900), seconds=rng.randrange(86400)
    )
    accounts = ctx.account_ids or [1]
    values: dict[str, Any] = {
        "asset": rng.choice(["BTC", "BTC", *SYMBOLS[1:6]]),
        "quantity": str(Decimal(rng.randrange(1, 300)).scaleb(-3)),
        "unit_price": str(rng.randrange(1, 90000)),
        "fee": rng.choice(["0", "1.25"]),
        "counter_asset": rng.choice(SYMBOLS[1:6]),
        "counter_quantity": "3",
        "to_account": accounts[-1],
        "acquired_at": "2020-05-01",
        "cost_basis": "100",
    }
    wanted = TYPE_FIELDS.get(typ, frozenset())
    payload: dict[str, Any] = {
        "type": typ,
        "account": accounts[0],
        "timestamp": day.isoformat(),
        **{name: value for name, value in values.items() if name in wanted or rng.random() < 0.03},
        "external_id": rng.choice(["", f"api-{rng.randrange(10**6)}"]),
        "notes": "",
    }
    if typ in ("sell", "trade") and rng.random() < 0.5:
        origins = ctx.transaction_ids or [1]
        payload["lot_picks"] = [
            {"origin": rng.choice(origins), "quantity": rng.choice(["0.001", "0.01", *NUMBERS])}
            for _ in range(rng.randint(1, 3))
        ]
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        name = rng.choice([*payload, "lot_picks", "id", "unknown"])
        payload[name] = rng.choice(
            [rng.choice(NUMBERS), rng.choice(DATES), rng.choice(TEXTS), rng.choice(_JSON_ODD)]
        )
    for name in rng.sample(sorted(payload), k=rng.choice([0, 0, 1, 2])):
        del payload[name]
    method = rng.choice(["post"] * 8 + ["put", "patch"])
    return ApiCase(f"api {method} {typ}", json.dumps(payload), method)


def cases(
    seed: int, n: int, context: Callable[[], Context], *, mix: dict[str, float]
) -> Iterator[tuple[str, FileCase | FormCase | ApiCase]]:
    """`n` inputs as (target, case), made one at a time with the context of the moment; `mix` gives each
    target's share (command, page, form, api)."""
    rng = random.Random(seed)
    targets = list(mix)
    weights = [mix[t] for t in targets]
    for _ in range(n):
        target = rng.choices(targets, weights)[0]
        ctx = context()
        if target in ("command", "page"):
            yield target, file_case(rng, ctx)
        elif target == "form":
            yield target, form_case(rng, ctx)
        else:
            yield target, api_case(rng, ctx)
